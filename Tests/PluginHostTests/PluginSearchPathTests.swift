import Foundation
import Testing
import TestSupport
import XaasJSON
@testable import Host

@Suite("Plugin search path and discovery")
struct PluginSearchPathTests {
    @Test("order: --plugin-path, XAAS_PLUGIN_PATH, executable dir, ../lib/xaas/plugins")
    func order() {
        let cwd = FileManager.default.currentDirectoryPath
        let path = PluginSearchPath(
            extraDirectories: ["/opt/a", "relative/dir", "/opt/a"], environment: ["XAAS_PLUGIN_PATH": "/env/one::/env/two"],
            executableDirectory: URL(fileURLWithPath: "/usr/local/bin", isDirectory: true))
        #expect(path.directories.map(\.path) == [
            "/opt/a", URL(fileURLWithPath: cwd).appendingPathComponent("relative/dir").standardizedFileURL.path,
            "/env/one", "/env/two", "/usr/local/bin", "/usr/local/lib/xaas/plugins",
        ])
    }

    @Test("the default executable directory is the one of /proc/self/exe")
    func defaultExecutableDirectory() {
        let path = PluginSearchPath(environment: [:])
        #expect(path.directories.first == TestSupport.binDirectory.resolvingSymlinksInPath().standardizedFileURL)
    }

    /// A private directory holding a copy of the static connector under another file name.
    func dropIn() throws -> (directory: URL, library: URL) {
        let dir = try TestSupport.makeTemporaryDirectory("xaas-dropin")
        let copy = dir.appendingPathComponent("libMyDropIn.so")
        try FileManager.default.copyItem(at: TestSupport.connectorLibrary("StaticConnector"), to: copy)
        chmod(copy.path, 0o755)
        return (dir, copy)
    }

    @Test("a .so dropped into a --plugin-path or XAAS_PLUGIN_PATH directory is discovered and resolved by name")
    func dropInDiscovery() throws {
        let (dir, copy) = try dropIn()
        let empty = try TestSupport.makeTemporaryDirectory()
        for searchPath in [
            PluginSearchPath(extraDirectories: [dir.path], environment: [:], executableDirectory: empty),
            PluginSearchPath(environment: ["XAAS_PLUGIN_PATH": dir.path], executableDirectory: empty),
        ] {
            let registry = PluginRegistry(searchPath: searchPath)
            let found = registry.discover()
            #expect(found.count == 1)
            let plugin = try #require(try found.first?.result.get())
            #expect(plugin.name == "static")
            #expect(plugin.path.hasSuffix("/libMyDropIn.so"))
            #expect(try registry.resolve("static").path == plugin.path)
            #expect(try registry.resolve("libMyDropIn.so", relativeTo: dir).path == plugin.path)
            #expect(throws: PluginError.self) { try registry.resolve("nosuchplugin") }
        }
        _ = copy
    }

    @Test("the first directory in the search path wins for a name")
    func firstWins() throws {
        let (dir, _) = try dropIn()
        let registry = PluginRegistry(searchPath: PluginSearchPath(extraDirectories: [dir.path], environment: [:]))
        #expect(try registry.resolve("static").path.hasSuffix("/libMyDropIn.so"))
        let names = registry.discover().compactMap { try? $0.result.get().name }
        #expect(names.filter { $0 == "static" }.count == 2)
    }

    @Test("failures are listed with their reason")
    func failuresListed() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        try "junk".write(to: dir.appendingPathComponent("libjunk.so"), atomically: true, encoding: .utf8)
        chmod(dir.appendingPathComponent("libjunk.so").path, 0o644)
        let registry = PluginRegistry(searchPath: PluginSearchPath(
            extraDirectories: [dir.path], environment: [:], executableDirectory: try TestSupport.makeTemporaryDirectory()))
        let found = registry.discover()
        #expect(found.count == 1)
        if case .failure(let error) = found.first?.result {
            #expect(error.message.contains("not a shared object"))
        } else {
            Issue.record("libjunk.so should have failed to load")
        }
        let notFound = try #require(throws: PluginError.self) { try registry.resolve("static") }
        #expect(notFound.code == .notFound && notFound.message.contains("not a shared object"))
    }

    @Test("xaas plugins list finds drop-ins through --plugin-path and XAAS_PLUGIN_PATH")
    func commandLineDropIn() throws {
        let (dir, _) = try dropIn()
        for (arguments, environment) in [
            (["plugins", "list", "--json", "--plugin-path", dir.path], [String: String]()),
            (["plugins", "list", "--json"], ["XAAS_PLUGIN_PATH": dir.path]),
        ] {
            let result = try TestSupport.xaas(arguments, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            let items = try #require(try JSONValue.parse(result.stdout).arrayValue)
            #expect(items.first?["path"]?.stringValue?.hasSuffix("/libMyDropIn.so") == true)
            #expect(items.first?["name"]?.stringValue == "static")
        }
    }
}
