import Emulator
import Foundation

/// One emulator serving two orgs (`acme`, `globex`, each with its own token and two identity sources)
/// and a config directory with both tenants, two CSV sources each. Faults can be put on one org.
public final class MultiOrgFixture: EmulatorSyncFixture, @unchecked Sendable {
    public static let orgs = ["acme", "globex"]
    public static let sources = ["hr", "contractors"]

    public static func token(_ org: String) -> String { "\(org)-token-0123456789" }
    public static func sourceId(_ org: String, _ source: String) -> String { "0oa\(org)\(source)" }

    public init(faults: [String: EmulatorConfiguration.Faults] = [:], latencyMs: [String: Int] = [:],
         extraSourceIds: [String: [String]] = [:]) throws {
        let orgs = Self.orgs.map { name -> EmulatorConfiguration.Org in
            var org = EmulatorSyncFixture.org(name, token: Self.token(name),
                                              identitySources: Self.sources.map { Self.sourceId(name, $0) } + (extraSourceIds[name] ?? []))
            if let f = faults[name] { org.faults = f }
            if let l = latencyMs[name] { org.faults.latencyMs = l }
            return org
        }
        try super.init(orgs: orgs, seed: 7, directoryPrefix: "multi-org")
        for org in Self.orgs {
            try writeOrg(org, token: Self.token(org))
            for source in Self.sources {
                try addSource(org, source, connector: "csv", settings: """
                    {"path": "\(source).csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}}
                    """)
                try writeUsers(org, source, count: 30)
            }
        }
    }

    /// Adds `<org>/<name>.json`; extra top-level keys (e.g. `"timeoutSeconds": 2`) go in `extra`.
    public func addSource(_ org: String, _ name: String, connector: String, settings: String, sourceId: String? = nil,
                   extra: String = "") throws {
        try write("\(org)/\(name).json", """
            {"identitySourceId": "\(sourceId ?? Self.sourceId(org, name))", "connector": "\(connector)",
             "settings": \(settings), \(extra)
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"}}
            """)
    }

    /// Writes `<org>/<source>.csv` with `count` users whose ids and emails name the org and source.
    public func writeUsers(_ org: String, _ source: String, count: Int, title: String = "t") throws {
        var text = "id,active,first,last,email,title\n"
        for i in 0..<count { text += "\(org)-\(source)-\(i),true,F\(i),L\(i),\(source)\(i)@\(org).example,\(title)\n" }
        try write("\(org)/\(source).csv", text)
    }
}
