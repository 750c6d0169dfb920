import Foundation
import Glibc

/// Finds and loads connector plugins along a ``PluginSearchPath``.
///
/// ## Threading
/// Immutable and `Sendable`; loading is serialised by the loader's cache lock where it matters.
public final class PluginRegistry: Sendable {
    public let searchPath: PluginSearchPath

    public init(searchPath: PluginSearchPath) {
        self.searchPath = searchPath
    }

    /// Every `*.so` in the search path (first occurrence of each real path wins), loaded; failures
    /// are included with their reason. Swift/Foundation runtime libraries shipped beside the binary
    /// are skipped (they are not plugins, and loading a second copy of a runtime is unsafe).
    public func discover() -> [PluginDiscovery] {
        candidateFiles().map { path in
            do throws(PluginError) {
                return PluginDiscovery(path: path, result: .success(try PluginLoader.load(path: path)))
            } catch {
                return PluginDiscovery(path: path, result: .failure(error))
            }
        }
    }

    /// A plugin by descriptor name (`"csv"`) or by path to a `.so` file (anything containing `/` or
    /// ending in `.so`; a relative path is resolved against `directory`, default the current directory).
    public func resolve(_ nameOrPath: String, relativeTo directory: URL? = nil) throws(PluginError) -> LoadedPlugin {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".so") {
            let base = directory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            let url = nameOrPath.hasPrefix("/") ? URL(fileURLWithPath: nameOrPath)
                : URL(fileURLWithPath: nameOrPath, relativeTo: base)
            return try PluginLoader.load(path: url.standardizedFileURL.path)
        }
        var failures: [String] = []
        for discovery in discover() {
            switch discovery.result {
            case .success(let plugin) where plugin.name == nameOrPath: return plugin
            case .success: continue
            case .failure(let error): failures.append(error.message)
            }
        }
        var message = "no plugin named '\(nameOrPath)' in "
            + searchPath.directories.map(\.path).joined(separator: ":")
        if !failures.isEmpty { message += "; plugins that failed to load: " + failures.joined(separator: "; ") }
        throw PluginError(.notFound, message)
    }

    /// Loads one plugin file by path (no search).
    public static func load(path: String) throws(PluginError) -> LoadedPlugin {
        try PluginLoader.load(path: path)
    }

    /// File-name prefixes of runtime libraries that may sit beside the `xaas` binary.
    static let runtimeLibraryPrefixes = [
        "libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime", "libXCTest",
        "libTesting", "lib_Testing", "libicu",
    ]

    /// The `*.so` files in search order, each real path once.
    func candidateFiles() -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for directory in searchPath.directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
            for name in names.sorted() where name.hasSuffix(".so") {
                if Self.runtimeLibraryPrefixes.contains(where: { name.hasPrefix($0) }) { continue }
                let path = directory.appendingPathComponent(name).path
                let real = realpath(path, nil).map { p in defer { free(p) }; return String(cString: p) } ?? path
                if seen.insert(real).inserted { result.append(path) }
            }
        }
        return result
    }
}

/// One `*.so` found in the search path: the loaded plugin, or why it could not be loaded.
public struct PluginDiscovery: Sendable {
    public var path: String
    public var result: Result<LoadedPlugin, PluginError>

    public init(path: String, result: Result<LoadedPlugin, PluginError>) {
        self.path = path
        self.result = result
    }
}
