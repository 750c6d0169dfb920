import Foundation

/// The emulator fixture with one CSV source: org `acme` and `acme/hr.json` reading `acme/users.csv`
/// (the workshop's columns and mapping).
public final class EmulatorFixture: EmulatorSyncFixture, @unchecked Sendable {
    public var csv: URL { configDir.appendingPathComponent("acme/users.csv") }
    public static let token = "e2e-token"
    public static let sourceId = "0oae2e00000000000001"

    public init(manualClock: Bool = false, cooldownSeconds: Double = 1) throws {
        try super.init(orgs: [EmulatorSyncFixture.org(token: Self.token, identitySources: [Self.sourceId],
                                                      cooldownSeconds: cooldownSeconds)],
                       manualClock: manualClock, directoryPrefix: "e2e")
        try writeOrg(token: Self.token, cooldownSeconds: cooldownSeconds)
        try write("acme/hr.json", """
            {"identitySourceId": "\(Self.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first_name}", "lastName": "${last_name}",
                         "displayName": "${first_name} ${last_name}", "title": "${title}"},
             "safeguards": {"maxDeactivationPercent": 20}}
            """)
    }

    /// Writes the workshop CSV: `rows` of (id, active, title, first, last, email).
    public func writeUsers(_ rows: [WorkshopRow]) throws {
        var text = "id,active,title,first_name,last_name,email\n"
        for r in rows { text += "\(r.id),\(r.active),\(r.title),\(r.first),\(r.last),\(r.email)\n" }
        try text.write(to: csv, atomically: true, encoding: .utf8)
    }
}

public struct WorkshopRow {
    public var id: String, active: String, title: String, first: String, last: String, email: String

    public init(id: String, active: String, title: String, first: String, last: String, email: String) {
        (self.id, self.active, self.title, self.first, self.last, self.email) = (id, active, title, first, last, email)
    }

    public static func make(_ count: Int) -> [WorkshopRow] {
        (1...count).map { i in
            WorkshopRow(id: "emp-\(10000 + i)", active: "true", title: "Engineer \(i % 5)", first: "Ann\(i)",
                        last: i % 9 == 0 ? "Müller-Łukasz" : "Lee\(i)", email: "user\(i)@example.com")
        }
    }
}
