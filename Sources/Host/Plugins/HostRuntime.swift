/// The host's own runtime identity, compared with each plugin descriptor's `runtime` field.
///
/// The Host does not import PluginKit, so this duplicates `PluginKit.SwiftRuntime` exactly: both
/// modules are compiled by the same toolchain in one build, so they compute the same string, and a
/// Swift plugin built by another toolchain is refused (the Swift ABI is not stable on Linux).
public enum HostRuntime {
    /// `swift-<toolchain version>`, e.g. `swift-6.3.1`.
    public static let identifier: String = "swift-" + compilerVersion

    /// The `runtime` value of plugins that share no language runtime with the host.
    public static let plainC = "c"

    static var compilerVersion: String {
        #if compiler(>=6.5)
        return "6.5+"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3.3)
        return "6.3.3"
        #elseif compiler(>=6.3.2)
        return "6.3.2"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3)
        return "6.3.0"
        #else
        return "6.2-or-older"
        #endif
    }
}
