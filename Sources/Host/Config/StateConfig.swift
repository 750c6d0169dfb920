import Foundation
import XaasJSON

/// `state` in `xaas.json`: where the state of every source lives. Absent = SQLite in the state directory.
///
/// ```json
/// {"state": {"postgres": {"conninfo": {"env": "XAAS_PG"}, "schema": "xaas"}}}
/// ```
/// `conninfo` is a secret reference like a token (it may hold a password): `{"env"}`, `{"file"}` or
/// `{"command"}`, never inline. `schema` (default `xaas`) is the PostgreSQL schema xaas creates and migrates.
public struct StateConfig: Sendable {
    public var conninfo: SecretReference
    public var schema: String

    static func read(_ json: JSONValue, at path: String, directory: URL, reader: inout ConfigReader) -> StateConfig? {
        reader.rejectUnknownKeys(json, at: path, known: ["postgres"])
        guard let postgres = reader.object(json, "postgres", at: path, required: true) else { return nil }
        let at = path + ".postgres"
        reader.rejectUnknownKeys(postgres, at: at, known: ["conninfo", "schema"])
        let schema = reader.string(postgres, "schema", at: at) ?? "xaas"
        if schema.isEmpty || schema.count > 63 || !schema.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            reader.problem(at + ".schema", "expected a PostgreSQL schema name of letters, digits and _ (at most 63), got '\(schema)'")
        }
        guard let value = postgres["conninfo"], value != .null else {
            reader.problem(at + ".conninfo", "required: {\"env\": \"VAR\"} or {\"file\": \"path\"} holding a postgres:// URL or key=value conninfo")
            return nil
        }
        guard let secret = XaasConfig.readSecret(value, at: at + ".conninfo", directory: directory, inlineAllowed: false,
                                                 reader: &reader) else { return nil }
        return StateConfig(conninfo: secret, schema: schema)
    }
}
