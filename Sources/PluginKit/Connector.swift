import PluginAPI

/// A source connector written in Swift, exported through the xaas C ABI by ``PluginExport``.
///
/// Implement this protocol, then export it from your dynamic library target:
///
/// ```swift
/// import PluginAPI
/// import PluginKit
///
/// let descriptor = PluginExport.makeDescriptor(MyConnector.self)
///
/// @c(xaas_plugin_entry_v1)
/// public func xaasPluginEntry(_ host: UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>? {
///     PluginExport.entry(host, descriptor)
/// }
/// ```
///
/// ## Threading
/// `init`, `check`, `readPage` and `deinit` are never called concurrently on one instance
/// (`[instance-serial]`), but may be called from different threads over time. ``cancel()`` is
/// `[thread-safe]` and may run while `readPage` runs on another thread.
///
/// ## Errors
/// Throw ``ConnectorError`` to choose the status the host sees. Any other error becomes
/// `XAAS_INTERNAL`. Nothing may trap: a trap in a plugin kills the worker process it runs in.
public protocol Connector: AnyObject {
    /// Static facts about the connector, copied into the C descriptor once.
    static var info: ConnectorInfo { get }

    /// Validates `settings` and prepares an instance. No network; cheap.
    init(settings: Settings, host: HostServices) throws

    /// A cheap connectivity / access test. The default does nothing.
    func check() throws

    /// Produces the next page of records for `request`.
    func readPage(_ request: PageRequest) throws -> Page

    /// Asks an in-flight `readPage` to stop soon. The default does nothing; connectors that set
    /// ``ConnectorCapabilities/cancel`` must implement it thread-safely.
    func cancel()
}

extension Connector {
    public func check() throws {}
    public func cancel() {}
}

/// Static facts about a connector; become the fields of `xaas_plugin_descriptor`.
public struct ConnectorInfo: Sendable {
    public var id: String
    public var name: String
    public var version: String
    public var description: String
    public var sourceKind: String
    public var capabilities: ConnectorCapabilities
    /// JSON Schema of the settings object.
    public var settingsSchema: String

    public init(
        id: String, name: String, version: String, description: String, sourceKind: String,
        capabilities: ConnectorCapabilities, settingsSchema: String
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.description = description
        self.sourceKind = sourceKind
        self.capabilities = capabilities
        self.settingsSchema = settingsSchema
    }
}

/// The `XAAS_CAP_*` bits.
public struct ConnectorCapabilities: OptionSet, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let check = ConnectorCapabilities(rawValue: 1 << 0)
    public static let discover = ConnectorCapabilities(rawValue: 1 << 1)
    public static let incremental = ConnectorCapabilities(rawValue: 1 << 2)
    public static let deletes = ConnectorCapabilities(rawValue: 1 << 3)
    public static let cancel = ConnectorCapabilities(rawValue: 1 << 4)
    public static let groups = ConnectorCapabilities(rawValue: 1 << 5)
    public static let memberships = ConnectorCapabilities(rawValue: 1 << 6)
}

/// What the host asks for: see `xaas_read_request`.
public struct PageRequest: Sendable {
    /// The previous page's `nextCursor`, or `nil` to start a read.
    public var cursor: String?
    /// The last persisted checkpoint (only meaningful when `cursor` is `nil`), or `nil` for a full read.
    public var checkpoint: String?
    /// Preferred records per page.
    public var pageSizeHint: Int

    public init(cursor: String?, checkpoint: String?, pageSizeHint: Int) {
        self.cursor = cursor
        self.checkpoint = checkpoint
        self.pageSizeHint = pageSizeHint
    }
}
