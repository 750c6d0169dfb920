import PluginAPI

/// A connector plugin that loaded and passed every ABI check: immutable facts copied out of its
/// descriptor, plus the C pointers the host calls through.
///
/// ## Ownership
/// The descriptor and operations table are `[static]` plugin memory that lives for the process (the
/// host never `dlclose`s a plugin), so a `LoadedPlugin` may be kept and shared freely.
///
/// ## Threading
/// Immutable, hence `Sendable`. Open instances with ``PluginInstance``.
public final class LoadedPlugin: Sendable {
    /// The real (symlink-resolved) path of the shared object (`"<in-process>"` for test descriptors).
    public let path: String
    /// The short name users type, e.g. `csv`.
    public let name: String
    /// Reverse-DNS id, e.g. `org.xaas.csv`.
    public let id: String
    /// SemVer of the plugin.
    public let version: String
    /// The ABI the plugin was built against, `"<major>.<minor>"`, e.g. `"1.0"`.
    public let abiVersion: String
    /// The plugin's `abi_minor`. The host compares it with its own `XAAS_ABI_MINOR`: below 1 the
    /// plugin's pages have no `record_stride` (records are read at the 1.0 stride); above the host's,
    /// the plugin is loaded all the same and its newer fields are ignored (see ``abiNote``).
    public let abiMinor: UInt32
    /// `"c"` or `"swift-<toolchain version>"`.
    public let runtime: String
    /// One line.
    public let description: String
    /// e.g. `file`, `directory`, `rest`.
    public let sourceKind: String
    public let capabilities: PluginCapabilities
    /// The JSON Schema of the settings object (see ``SettingsSchemaValidator``).
    public let settingsSchema: String

    /// The plugin's own descriptor pointer (passed back to `open` as `self`).
    nonisolated(unsafe) let descriptor: UnsafePointer<xaas_plugin_descriptor>
    /// A copy of the operations table, zero-filled beyond the plugin's `struct_size`.
    let ops: xaas_plugin_ops

    init(path: String, name: String, id: String, version: String, abiVersion: String, abiMinor: UInt32, runtime: String,
         description: String, sourceKind: String, capabilities: PluginCapabilities, settingsSchema: String,
         descriptor: UnsafePointer<xaas_plugin_descriptor>, ops: xaas_plugin_ops) {
        self.path = path
        self.name = name
        self.id = id
        self.version = version
        self.abiVersion = abiVersion
        self.abiMinor = abiMinor
        self.runtime = runtime
        self.description = description
        self.sourceKind = sourceKind
        self.capabilities = capabilities
        self.settingsSchema = settingsSchema
        self.descriptor = descriptor
        self.ops = ops
    }
}

extension LoadedPlugin {
    /// A note when the plugin was built against a newer minor ABI than this host speaks (it loads,
    /// and the host ignores what it does not know), or `nil`.
    public var abiNote: String? {
        guard abiMinor > UInt32(XAAS_ABI_MINOR) else { return nil }
        return "\(name) was built for ABI \(abiVersion), this host speaks \(XAAS_ABI_MAJOR).\(XAAS_ABI_MINOR): "
            + "fields and operations added after \(XAAS_ABI_MAJOR).\(XAAS_ABI_MINOR) are ignored"
    }
}

/// The `XAAS_CAP_*` bits a plugin declares. Unknown bits are kept but not named.
public struct PluginCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let check = PluginCapabilities(rawValue: 1 << 0)
    public static let discover = PluginCapabilities(rawValue: 1 << 1)
    public static let incremental = PluginCapabilities(rawValue: 1 << 2)
    public static let deletes = PluginCapabilities(rawValue: 1 << 3)
    public static let cancel = PluginCapabilities(rawValue: 1 << 4)
    public static let groups = PluginCapabilities(rawValue: 1 << 5)
    public static let memberships = PluginCapabilities(rawValue: 1 << 6)

    /// Every known capability with its lower-case name, in bit order.
    public static let named: [(PluginCapabilities, String)] = [
        (.check, "check"), (.discover, "discover"), (.incremental, "incremental"), (.deletes, "deletes"),
        (.cancel, "cancel"), (.groups, "groups"), (.memberships, "memberships"),
    ]

    /// The names of the known capabilities that are set, in bit order.
    public var names: [String] { Self.named.filter { contains($0.0) }.map(\.1) }
}
