import Foundation
import HTTPServer
@testable import Emulator

/// Drives an ``Emulator`` through its handler (no sockets) with small JSON helpers.
struct EmulatorHarness {
    let emulator: Emulator
    var token = "t-acme"
    static let source = "0oaacme0000000000001"

    /// A manual-clock emulator with org `acme` (token `t-acme`, source ``source``) and org `beta`
    /// (token `t-beta`, source `0oabeta0000000000001`); `orgJSON` is merged into acme's settings.
    init(acme orgJSON: String = "", clock: String = "manual", statePath: String? = nil, seed: Int = 7) throws {
        let extra = orgJSON.isEmpty ? "" : ", " + orgJSON
        let config = try EmulatorConfiguration.parse(json: """
            {"clock": "\(clock)", "seed": \(seed), "orgs": [
              {"name": "acme", "tokens": ["t-acme", {"value": "t-read", "scopes": ["okta.identitySources.read"]}],
               "identitySources": ["\(Self.source)", "0oaacme0000000000002"]\(extra)},
              {"name": "beta", "tokens": ["t-beta"], "identitySources": ["0oabeta0000000000001"]}]}
            """)
        emulator = try Emulator(configuration: config, statePath: statePath)
    }

    private init(emulator: Emulator) { self.emulator = emulator }

    /// A harness over an existing emulator.
    static func attached(to emulator: Emulator) -> EmulatorHarness { EmulatorHarness(emulator: emulator) }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var dropsConnection = false
        var json: Any? { body.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var errorCode: String? { object["errorCode"] as? String }
        var causes: [String] { (object["errorCauses"] as? [[String: Any]] ?? []).compactMap { $0["errorSummary"] as? String } }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends a request; `body` is a JSON-serialisable value, raw `String` text, or nil.
    func send(_ method: String, _ path: String, _ body: Any? = nil, auth: String? = nil) -> Reply {
        var headers = HTTPHeaders([("Accept", "application/json")])
        headers.add("Authorization", auth ?? "SSWS \(token)")
        var bytes: [UInt8] = []
        if let text = body as? String {
            bytes = Array(text.utf8)
        } else if let body {
            bytes = Array(try! JSONSerialization.data(withJSONObject: body))
        }
        if !bytes.isEmpty { headers.add("Content-Type", "application/json") }
        let r = emulator.handle(HTTPRequest(method: method, target: path, headers: headers, body: bytes,
                                            remoteAddress: "127.0.0.1:5000"))
        return Reply(status: r.status, headers: r.headers, body: r.body, dropsConnection: r.dropsConnection)
    }

    func api(_ rest: String, source: String = source) -> String { "/api/v1/identity-sources/\(source)\(rest)" }

    /// Creates a session and returns its ID ("" on failure).
    func createSession(source: String = source) -> String {
        send("POST", api("/sessions", source: source)).object["id"] as? String ?? ""
    }

    static func user(_ id: String, _ extra: [String: Any] = [:]) -> [String: Any] {
        var profile: [String: Any] = ["userName": "\(id)@example.com", "email": "\(id)@example.com", "firstName": "F\(id)"]
        for (k, v) in extra { profile[k] = v }
        return ["externalId": id, "profile": profile]
    }

    func upsert(_ session: String, _ users: [[String: Any]], source: String = source) -> Reply {
        send("POST", api("/sessions/\(session)/bulk-upsert", source: source), ["entityType": "USERS", "profiles": users])
    }

    func delete(_ session: String, _ ids: [String]) -> Reply {
        send("POST", api("/sessions/\(session)/bulk-delete"),
             ["entityType": "USERS", "profiles": ids.map { ["externalId": $0] }])
    }

    func trigger(_ session: String, source: String = source) -> Reply {
        send("POST", api("/sessions/\(session)/start-import", source: source))
    }

    func status(_ session: String, source: String = source) -> String {
        send("GET", api("/sessions/\(session)", source: source)).object["status"] as? String ?? "?"
    }

    func advance(_ seconds: Double) {
        _ = send("POST", "/emulator/v1/clock/advance", ["seconds": seconds])
    }

    /// Runs a whole import of `users` (create, upload, trigger, advance 1 s) and returns the session ID.
    func importUsers(_ users: [[String: Any]], deleting: [String] = []) -> String {
        let s = createSession()
        if !users.isEmpty { _ = upsert(s, users) }
        if !deleting.isEmpty { _ = delete(s, deleting) }
        _ = trigger(s)
        advance(1)
        return s
    }

    func inspectSessions(org: String = "acme") -> [[String: Any]] { send("GET", "/emulator/v1/orgs/\(org)/sessions").array }

    func report(_ session: String) -> [String: Int] {
        let s = inspectSessions().first { $0["id"] as? String == session }
        return (s?["report"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
    }

    func users(org: String = "acme", query: String = "") -> [[String: Any]] {
        send("GET", "/emulator/v1/orgs/\(org)/users\(query)").array
    }
}
