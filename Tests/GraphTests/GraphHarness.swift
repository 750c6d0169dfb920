import Foundation
import Host
import Synchronization
import TestSupport
import XaasJSON

/// Opens the real `libGraphConnector.so` through the host loader (`PluginRegistry`, `PluginInstance`) against
/// a ``FakeGraph``, and reads whole rounds the way the sync engine does.
final class GraphHarness: Sendable {
    /// The bearer token's environment variable (set once for the test process, to the fake's bearer).
    static let tokenVariable = "XAAS_TEST_GRAPH_TOKEN"
    static let secretVariable = "XAAS_TEST_GRAPH_SECRET"

    static let plugin: Result<LoadedPlugin, PluginError> = {
        setenv(tokenVariable, "static-bearer-token-value", 1)
        setenv(secretVariable, "s3cr3t-client-value", 1)
        return Result { () throws(PluginError) in
            try PluginRegistry.load(path: TestSupport.connectorLibrary("GraphConnector").path)
        }
    }()

    let fake: FakeGraph
    let instance: PluginInstance

    /// Opens an instance with `settings` (JSON members added to `baseUrl` and a bearer `auth`).
    init(_ fake: FakeGraph, settings extra: String = "", auth: String? = nil) throws {
        self.fake = fake
        let auth = auth ?? "{\"type\": \"bearer\", \"token\": {\"env\": \"\(Self.tokenVariable)\"}}"
        let json = "{\"baseUrl\": \"\(fake.baseURL)\", \"auth\": \(auth)\(extra.isEmpty ? "" : ", " + extra)}"
        let sink = LogSink()
        instance = try PluginInstance(plugin: try Self.plugin.get(), settingsJSON: json) { level, message in
            sink.append("\(level): \(message)")
        }
        self.sink = sink
    }

    private let sink: LogSink
    /// Everything the plugin logged.
    var logged: [String] { sink.lines }

    /// A whole read: every page from `cursor == nil` to the end.
    struct Round {
        var pages: [SourcePage] = []
        var records: [SourceRecord] { pages.flatMap(\.records) }
        var users: [SourceRecord] { records.filter { $0.kind == .user } }
        var notes: [String] { pages.flatMap(\.notes) }
        var checkpoint: String? { pages.compactMap(\.checkpoint).last }
    }

    func readAll(checkpoint: String? = nil) throws -> Round {
        var round = Round()
        var cursor: String?
        repeat {
            let page = try instance.readPage(cursor: cursor, checkpoint: cursor == nil ? checkpoint : nil, pageSizeHint: 500)
            round.pages.append(page)
            cursor = page.nextCursor
        } while cursor != nil && round.pages.count < 10_000
        return round
    }
}

/// Collects plugin log lines from any thread.
final class LogSink: Sendable {
    private let store = Mutex<[String]>([])
    func append(_ line: String) { store.withLock { $0.append(line) } }
    var lines: [String] { store.withLock { $0 } }
}

/// Graph-shaped users, like the examples in Microsoft's `user-list.md`.
enum GraphUsers {
    static func id(_ i: Int) -> String { String(format: "%08d-6f2b-4c1a-9d3e-%012d", i, i) }

    static func user(_ i: Int, department: String = "Okta Workflows", enabled: Bool = true) -> JSONValue {
        let text = """
        {"businessPhones":["+1 425 555 0109","+1 425 555 0110"],"displayName":"Adele Vance \(i)","givenName":"Adele\(i)",\
        "jobTitle":"Retail Manager","mail":"adele\(i)@contoso.com","mobilePhone":null,"officeLocation":"18/2111",\
        "preferredLanguage":"en-US","surname":"Vance","userPrincipalName":"adele\(i)@contoso.onmicrosoft.com",\
        "id":"\(id(i))","accountEnabled":\(enabled),"department":"\(department)","city":"Redmond","country":"US",\
        "employeeOrgData":{"division":"Retail","costCenter":"CC-\(i % 7)"},\
        "extension_b2c_loyaltyPoints":12345678901234567890\(i),"assignedLicenses":[]}
        """
        return try! JSONValue.parse(text)
    }
}
