import Foundation
import Host
import TestSupport

/// A throw-away config directory (`<tmp>/connectors.d`) for the config tests; removed on deinit.
public final class ConfigFixture {
    public let base: URL
    public let root: URL

    public init() throws {
        base = try TestSupport.makeTemporaryDirectory("xaas-config")
        root = base.appendingPathComponent("connectors.d")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: base) }

    /// Writes `text` to `relative` (under the config dir), creating folders; `mode` sets permissions.
    @discardableResult
    public func write(_ relative: String, _ text: String, mode: Int = 0o644) throws -> URL {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return url
    }

    public func load() -> (ConfigDirectory, [ConfigProblem]) { ConfigDirectory.load(root) }

    /// Writes an embedded `acme/org.json` and `acme/hr.json` (``source(_:)`` with `overrides`), and loads.
    public func loadSource(_ overrides: KeyValuePairs<String, String?> = [:], org: String = ConfigFixture.embeddedOrg)
        throws -> (SourceConfig?, [ConfigProblem]) {
        try write("acme/org.json", org)
        try write("acme/hr.json", ConfigFixture.source(overrides))
        let (dir, problems) = load()
        return (dir.tenant(named: "acme")?.source(named: "hr"), problems)
    }

    public static let embeddedOrg = #"{"url": "embedded"}"#

    /// A minimal valid source JSON; `overrides` replace (value JSON text) or remove (`nil`) members, or add new ones.
    public static func source(_ overrides: KeyValuePairs<String, String?> = [:]) -> String {
        var members: [(String, String?)] = [
            ("identitySourceId", #""0oa1abc""#), ("connector", #""csv""#),
            ("settings", #"{"path": "data/u.csv", "externalId": "id"}"#),
            ("mapping", #"{"userName": "${email}", "email": "${email}"}"#),
        ]
        for (key, value) in overrides {
            if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
        }
        return "{\n  " + members.compactMap { key, value in value.map { "\"\(key)\": \($0)" } }
            .joined(separator: ",\n  ") + "\n}\n"
    }
}
