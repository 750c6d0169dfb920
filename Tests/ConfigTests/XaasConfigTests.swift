import Foundation
import Host
import Testing
import TestSupport

/// `connectors.d/xaas.json`: optional, strict about unknown keys, secret references as in `org.json`.
@Suite struct XaasConfigTests {
    func load(_ json: String?) throws -> (ConfigDirectory, [String]) {
        let root = try TestSupport.makeTemporaryDirectory("xaas-config")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("acme"), withIntermediateDirectories: true)
        try #"{"url": "embedded"}"#.write(to: root.appendingPathComponent("acme/org.json"), atomically: true, encoding: .utf8)
        if let json { try json.write(to: root.appendingPathComponent("xaas.json"), atomically: true, encoding: .utf8) }
        let (config, problems) = ConfigDirectory.load(root)
        return (config, problems.map(\.description))
    }

    @Test func absentIsEmptyAndValidIsRead() throws {
        let (none, p0) = try load(nil)
        #expect(p0.isEmpty && none.xaas.serveToken == nil && none.xaas.alerts == nil)
        let (config, problems) = try load("""
            {"serve": {"token": {"env": "XAAS_SERVE_TOKEN"}},
             "alerts": {"webhook": {"url": "https://hooks.example.com/x", "secret": {"env": "HOOK"}}, "notSucceededForMinutes": 90}}
            """)
        #expect(problems.isEmpty, "\(problems)")
        #expect(config.xaas.serveToken?.description == "env XAAS_SERVE_TOKEN")
        #expect(config.xaas.alerts?.url.absoluteString == "https://hooks.example.com/x")
        #expect(config.xaas.alerts?.notSucceededForMinutes == 90)
    }

    @Test func problemsNameTheFileAndPath() throws {
        let (_, unknown) = try load(#"{"serve": {"token": {"env": "T"}, "port": 1}, "state": {}}"#)
        #expect(unknown.contains { $0.contains("xaas.json") && $0.contains("$.serve.port") }, "\(unknown)")
        #expect(unknown.contains { $0.contains("$.state") }, "\(unknown)")
        let (_, inline) = try load(#"{"serve": {"token": {"value": "s3cret"}}}"#)
        #expect(inline.contains { $0.contains("$.serve.token.value") && !$0.contains("s3cret") }, "\(inline)")
        let (_, noSecret) = try load(#"{"alerts": {"webhook": {"url": "https://h.example.com/"}}}"#)
        #expect(noSecret.contains { $0.contains("$.alerts.webhook.secret") }, "\(noSecret)")
    }
}
