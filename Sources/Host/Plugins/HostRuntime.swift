import RuntimeInfo

/// The host's own runtime identity, compared with each plugin descriptor's `runtime` field.
///
/// It is `SwiftRuntime.identifier` from the small `RuntimeInfo` module that PluginKit also uses, so a
/// Swift plugin built by the same toolchain reports the same string, and one built by another
/// toolchain is refused (the Swift ABI is not stable on Linux).
public enum HostRuntime {
    /// `swift-<toolchain version>`, e.g. `swift-6.3.1`.
    public static let identifier: String = SwiftRuntime.identifier

    /// The `runtime` value of plugins that share no language runtime with the host.
    public static let plainC = "c"
}
