import Foundation

/// Where the host looks for connector plugins (`*.so`), in priority order.
///
/// 1. `--plugin-path` directories (``extraDirectories``), in the order given;
/// 2. `XAAS_PLUGIN_PATH` (colon-separated; empty entries ignored);
/// 3. the directory of the `xaas` executable;
/// 4. `<executable dir>/../lib/xaas/plugins`.
///
/// Relative directories are resolved against the current directory; duplicates are dropped.
public struct PluginSearchPath: Sendable {
    /// The environment variable holding extra plugin directories.
    public static let environmentVariable = "XAAS_PLUGIN_PATH"

    /// `--plugin-path` directories, in the order given.
    public var extraDirectories: [String]
    /// The directories listed in `XAAS_PLUGIN_PATH`.
    public var environmentDirectories: [String]
    /// The directory of the `xaas` executable.
    public var executableDirectory: URL

    /// A search path from command-line directories, the environment, and the executable's directory
    /// (default: the directory of `/proc/self/exe`).
    public init(extraDirectories: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                executableDirectory: URL? = nil) {
        self.extraDirectories = extraDirectories
        self.environmentDirectories = (environment[Self.environmentVariable] ?? "")
            .split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        self.executableDirectory = executableDirectory ?? Self.currentExecutableDirectory
    }

    /// The directories to search, in priority order, absolute and without duplicates.
    public var directories: [URL] {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        var seen = Set<String>()
        var result: [URL] = []
        func add(_ url: URL) {
            let standard = url.standardizedFileURL
            if seen.insert(standard.path).inserted { result.append(standard) }
        }
        for dir in extraDirectories + environmentDirectories {
            add(URL(fileURLWithPath: dir, isDirectory: true, relativeTo: cwd).absoluteURL)
        }
        add(executableDirectory)
        add(executableDirectory.appendingPathComponent("../lib/xaas/plugins", isDirectory: true))
        return result
    }

    /// The directory of the running executable (`/proc/self/exe`, symlinks resolved).
    public static var currentExecutableDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }
}
