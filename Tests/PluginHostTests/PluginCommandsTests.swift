import Foundation
import Testing
import TestSupport
import XaasJSON

@Suite("xaas plugins commands")
struct PluginCommandsTests {
    static let settings = #"""
    {"records": [
      {"externalId": "u1", "status": "active", "kind": "user",
       "attributes": {"email": "zoë@example.com", "groups": ["a", "b"], "note": "tab\there \"quoted\" \\ 日本", "empty": ""}},
      {"externalId": "u2", "status": "inactive"},
      {"externalId": "g1", "kind": "group", "status": "deleted", "attributes": {"name": "Ünïcode"}},
      {"externalId": "g1", "kind": "membership", "attributes": {"member": ["u1", "u2"]}}
    ], "pageSize": 3}
    """#

    func settingsFile(_ text: String = settings) throws -> URL {
        let file = try TestSupport.makeTemporaryDirectory().appendingPathComponent("settings.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("plugins read prints NDJSON across pages, multi-valued attributes as arrays, non-ASCII as is")
    func read() throws {
        let result = try TestSupport.xaas(["plugins", "read", "static", "--settings", try settingsFile().path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.first == #"{"kind":"user","externalId":"u1","status":"active","attributes":{"email":"zoë@example.com","groups":["a","b"],"note":"tab\there \"quoted\" \\ 日本","empty":""}}"#)
        #expect(lines[1] == #"{"kind":"user","externalId":"u2","status":"inactive","attributes":{}}"#)
        let group = try JSONValue.parse(lines[2])
        #expect(group["kind"] == .string("group") && group["status"] == .string("deleted"))
        #expect(group["attributes"]?["name"] == .string("Ünïcode"))
        let membership = try JSONValue.parse(lines[3])
        #expect(membership["kind"] == .string("membership"))
        #expect(membership["attributes"]?["member"] == .array([.string("u1"), .string("u2")]))
    }

    @Test("plugins read --limit stops early")
    func readLimit() throws {
        let result = try TestSupport.xaas(["plugins", "read", "static", "--settings", try settingsFile().path, "--limit", "2"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == 2)
    }

    @Test("plugins read: a settings error goes to stderr with exit 1; usage errors exit 2")
    func readErrors() throws {
        let bad = try TestSupport.xaas(["plugins", "read", "static", "--settings",
                                        try settingsFile(#"{"records":[{"externalId":"x","status":"gone"}]}"#).path])
        #expect(bad.status == 1)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr.contains("settings.records[0].status"))
        let syntax = try TestSupport.xaas(["plugins", "read", "static", "--settings", try settingsFile("{\n  \"records\": [,]}").path])
        #expect(syntax.status == 1 && syntax.stderr.contains("settings.json: line 2"))
        #expect(try TestSupport.xaas(["plugins", "read", "static"]).status == 2)
        #expect(try TestSupport.xaas(["plugins", "read", "--settings", "x.json"]).status == 2)
        #expect(try TestSupport.xaas(["plugins", "read", "static", "--settings", "x.json", "--limit", "many"]).status == 2)
        #expect(try TestSupport.xaas(["plugins", "read", "static", "--settings", "x.json", "--bogus"]).status == 2)
        let missing = try TestSupport.xaas(["plugins", "read", "nosuchplugin", "--settings", try settingsFile().path])
        #expect(missing.status == 1 && missing.stderr.contains("no plugin named 'nosuchplugin'"))
    }

    @Test("plugins list --json: an array of objects with name, version, abi, kind, path, ok, error")
    func listJSON() throws {
        let result = try TestSupport.xaas(["plugins", "list", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let items = try #require(try JSONValue.parse(result.stdout).arrayValue)
        for item in items {
            #expect(item.objectValue?.map(\.key) == ["name", "version", "abi", "kind", "path", "ok", "error"])
        }
        let staticPlugin = try #require(items.first { $0["name"] == .string("static") })
        #expect(staticPlugin["version"] == .string("1.0.0") && staticPlugin["abi"] == .string("1.1"))
        #expect(staticPlugin["kind"] == .string("settings") && staticPlugin["ok"] == .bool(true))
        #expect(staticPlugin["error"] == .null)
        #expect(staticPlugin["path"]?.stringValue?.hasSuffix("/libStaticConnector.so") == true)
    }

    @Test("plugins list prints a table, failed plugins with their reason")
    func listTable() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let junk = dir.appendingPathComponent("libjunk.so")
        try "junk".write(to: junk, atomically: true, encoding: .utf8)
        chmod(junk.path, 0o644)
        let result = try TestSupport.xaas(["plugins", "list", "--plugin-path", dir.path])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("NAME") == true && lines.first?.contains("CAPABILITIES") == true)
        #expect(lines.contains { $0.hasPrefix("static ") && $0.contains("check,") })
        #expect(lines.contains { $0.contains("libjunk.so") })
        #expect(lines.contains { $0.contains("error:") && $0.contains("not a shared object") })
        let json = try TestSupport.xaas(["plugins", "list", "--json", "--plugin-path", dir.path])
        let first = try #require(try JSONValue.parse(json.stdout).arrayValue?.first)
        #expect(first["ok"] == .bool(false) && first["name"] == .null)
        #expect(first["error"]?.stringValue?.contains("not a shared object") == true)
    }

    @Test("plugins validate: 0 when valid, 1 with one line per problem, 2 for usage errors")
    func validate() throws {
        let plain = try TestSupport.xaas(["plugins", "validate", "static"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let good = try TestSupport.xaas(["plugins", "validate", "static", "--settings", try settingsFile().path])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("first page: 3 records"))
        let bad = try TestSupport.xaas(["plugins", "validate", "static", "--settings",
                                        try settingsFile(#"{"records":[{"status":"on"}],"extra":1,"pageSize":0}"#).path])
        #expect(bad.status == 1)
        let problems = bad.stderr.split(separator: "\n")
        #expect(problems.count == 4, "\(bad.stderr)")
        #expect(problems.contains { $0.contains("settings.records[0].externalId: is required") })
        #expect(problems.contains { $0.contains("settings.records[0].status: must be one of") })
        #expect(problems.contains { $0.contains("settings.extra: unknown setting") })
        #expect(problems.contains { $0.contains("settings.pageSize: 0 is less than the minimum 1") })
        let notPlugin = try TestSupport.xaas(["plugins", "validate", "/etc/hostname"])
        #expect(notPlugin.status == 1)
        #expect(try TestSupport.xaas(["plugins", "validate"]).status == 2)
        #expect(try TestSupport.xaas(["plugins", "validate", "static", "extra"]).status == 2)
        #expect(try TestSupport.xaas(["plugins", "validate", "static", "--settings"]).status == 2)
    }
}
