/// The `runtime` string of Swift plugins and of the host: `swift-<toolchain version>` of the compiler that built
/// this module. The host (which computes the same string the same way) refuses a Swift plugin built
/// by another toolchain, because the Swift ABI is not stable on Linux.
public enum SwiftRuntime {
    public static let identifier: String = "swift-" + compilerVersion

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
