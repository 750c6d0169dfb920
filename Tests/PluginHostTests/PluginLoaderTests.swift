import Foundation
import Testing
import TestSupport
@testable import Host

@Suite("Plugin loader")
struct PluginLoaderTests {
    @Test("the static C connector loads with its descriptor facts")
    func loadsStatic() throws {
        let plugin = try PluginRegistry.load(path: TestSupport.connectorLibrary("StaticConnector").path)
        #expect(plugin.name == "static")
        #expect(plugin.id == "org.xaas.static")
        #expect(plugin.abiVersion == "1.1")
        #expect(plugin.runtime == "c")
        #expect(plugin.capabilities.contains([.check, .cancel, .groups, .memberships]))
        #expect(!plugin.capabilities.contains(.discover))
        #expect(plugin.settingsSchema.contains("\"records\""))
        // Cached by real path: loading again gives the same object.
        #expect(try PluginRegistry.load(path: TestSupport.connectorLibrary("StaticConnector").path) === plugin)
    }

    static var shippedLibraries: [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: TestSupport.binDirectory.path)) ?? [])
            .filter { $0.hasPrefix("lib") && $0.hasSuffix(".so") }
            .filter { name in !PluginRegistry.runtimeLibraryPrefixes.contains { name.hasPrefix($0) } }
            .sorted().map { TestSupport.binDirectory.appendingPathComponent($0) }
    }

    @Test("every lib*.so in the bin dir loads")
    func everyShippedPluginLoads() throws {
        let libraries = Self.shippedLibraries
        #expect(libraries.contains { $0.lastPathComponent == "libStaticConnector.so" })
        for library in libraries {
            #expect(throws: Never.self, "\(library.lastPathComponent)") { try PluginRegistry.load(path: library.path) }
        }
    }

    @Test("every shipped .so exports xaas_plugin_entry_v1 (nm -D)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/nm"), "nm (binutils) not installed"))
    func entryIsExported() throws {
        for library in Self.shippedLibraries {
            let result = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/nm"), ["-D", "--defined-only", library.path])
            #expect(result.status == 0)
            let exported = result.stdout.split(separator: "\n").contains { $0.hasSuffix(" T xaas_plugin_entry_v1") }
            #expect(exported, "\(library.lastPathComponent) does not export xaas_plugin_entry_v1")
        }
    }

    /// Debug builds export internal symbols too, so also check the source: release builds hide a
    /// non-public entry point.
    @Test("every Swift connector declares its entry point public")
    func swiftEntryPointsArePublic() throws {
        let plugins = TestSupport.packageRoot.appendingPathComponent("Plugins")
        let enumerator = FileManager.default.enumerator(atPath: plugins.path)
        var found = 0
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            let text = try String(contentsOf: plugins.appendingPathComponent(relative), encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (i, line) in lines.enumerated()
            where line.contains("@c(xaas_plugin_entry_v1)") || line.contains("@_cdecl(\"xaas_plugin_entry_v1\")") {
                found += 1
                let declaration = lines[i...].dropFirst(line.contains("func ") ? 0 : 1).first ?? ""
                #expect(declaration.contains("public func"), "\(relative):\(i + 1): the entry point must be public")
            }
        }
        #expect(found > 0)
    }

    @Test("a C plugin built in the test loads, and its instance opens and reads",
          .enabled(if: CPluginBuilder.compiler != nil, "no C compiler (cc) installed"))
    func goodTestPluginLoads() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let plugin = try PluginRegistry.load(path: try CPluginBuilder.build("libgood.so", in: dir).path)
        #expect(plugin.name == "testplugin")
        let instance = try PluginInstance(plugin: plugin, settingsJSON: "{}")
        let page = try instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 10)
        #expect(page.records.isEmpty && page.nextCursor == nil)
        // A Swift runtime string equal to the host's is accepted.
        let same = try CPluginBuilder.build("libsame.so", defines: ["RUNTIME=\"\(HostRuntime.identifier)\""], in: dir)
        #expect(try PluginRegistry.load(path: same.path).runtime == HostRuntime.identifier)
    }

    /// One broken variant: the `-D` flags, the expected code, and text the message must contain.
    struct Broken: Sendable, CustomTestStringConvertible {
        var name: String
        var defines: [String]
        var code: PluginError.Code
        var mentions: String
        var testDescription: String { name }
    }

    static let brokenPlugins: [Broken] = [
        Broken(name: "wrong ABI major", defines: ["ABI_MAJOR=2"], code: .abi, mentions: "descriptor.abi_major: host 1, plugin 2"),
        Broken(name: "entry returns NULL", defines: ["RETURN_NULL"], code: .abi, mentions: "returned NULL"),
        Broken(name: "short descriptor", defines: ["DESC_SIZE=16"], code: .abi, mentions: "descriptor.struct_size"),
        Broken(name: "short ops table", defines: ["OPS_SIZE=16"], code: .abi, mentions: "ops.struct_size"),
        Broken(name: "missing read_page", defines: ["READ_PAGE=0"], code: .abi, mentions: "ops.read_page is NULL"),
        Broken(name: "capability without operation", defines: ["CAPS=XAAS_CAP_CHECK"], code: .abi, mentions: "ops.check"),
        Broken(name: "missing entry symbol", defines: ["NO_ENTRY"], code: .load, mentions: "does not export xaas_plugin_entry_v1"),
        Broken(name: "different Swift runtime", defines: ["RUNTIME=\"swift-5.9\""], code: .abi,
               mentions: "descriptor.runtime: host \(HostRuntime.identifier), plugin swift-5.9"),
        Broken(name: "bad name", defines: ["NAME=\"Bad Name\""], code: .abi, mentions: "descriptor.name"),
    ]

    @Test("broken plugins are refused with a message naming the field",
          .enabled(if: CPluginBuilder.compiler != nil, "no C compiler (cc) installed"), arguments: brokenPlugins)
    func refusesBroken(_ broken: Broken) throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let library = try CPluginBuilder.build("libbroken.so", defines: broken.defines, in: dir)
        let error = try #require(throws: PluginError.self) { try PluginRegistry.load(path: library.path) }
        #expect(error.code == broken.code)
        #expect(error.message.contains(broken.mentions), "\(error.message)")
        #expect(error.message.contains(dir.lastPathComponent), "the message names the file")
    }

    @Test("a file that is not a shared object is refused")
    func refusesNonELF() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let file = dir.appendingPathComponent("libtext.so")
        try "not a library\n".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o644)
        let error = try #require(throws: PluginError.self) { try PluginRegistry.load(path: file.path) }
        #expect(error.code == .load)
        #expect(error.message.contains("not a shared object"))
        // A missing file is a load error too.
        let missing = try #require(throws: PluginError.self) { try PluginRegistry.load(path: dir.appendingPathComponent("nope.so").path) }
        #expect(missing.code == .load)
    }

    @Test("a group-writable plugin file is refused",
          .enabled(if: CPluginBuilder.compiler != nil, "no C compiler (cc) installed"))
    func refusesGroupWritable() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let library = try CPluginBuilder.build("libwritable.so", in: dir)
        chmod(library.path, 0o775)
        let error = try #require(throws: PluginError.self) { try PluginRegistry.load(path: library.path) }
        #expect(error.code == .load)
        #expect(error.message.contains("writable by group or others"))
        #expect(error.message.contains("775"))
    }

    @Test("a plugin owned by another user is refused",
          .enabled(if: CPluginBuilder.compiler != nil && geteuid() == 0, "needs cc and root (to chown a file)"))
    func refusesForeignOwner() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let library = try CPluginBuilder.build("libforeign.so", in: dir)
        #expect(chown(library.path, 4242, 4242) == 0)
        let error = try #require(throws: PluginError.self) { try PluginRegistry.load(path: library.path) }
        #expect(error.code == .load)
        #expect(error.message.contains("owned by uid 4242"))
    }

    @Test("a plugin in a directory writable by others is refused",
          .enabled(if: CPluginBuilder.compiler != nil, "no C compiler (cc) installed"))
    func refusesWorldWritableDirectory() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let open = dir.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: false)
        let library = try CPluginBuilder.build("libinopen.so", in: open)
        chmod(open.path, 0o777)
        defer { chmod(open.path, 0o700) }
        let error = try #require(throws: PluginError.self) { try PluginRegistry.load(path: library.path) }
        #expect(error.code == .load)
        #expect(error.message.contains("directory writable by others"))
    }
}
