public import XaasJSON

/// A connector's settings object with typed accessors that report the JSON path of every problem
/// and refuse unknown keys.
///
/// ```swift
/// let s = settings
/// let path = try s.requiredString("path")
/// let delimiter = try s.string("delimiter") ?? ","
/// try s.rejectUnknownKeys()
/// ```
///
/// Accessing a key marks it known; ``rejectUnknownKeys()`` then throws a `CONFIG` error naming the
/// first key nobody read.
public final class Settings {
    public let value: JSONValue
    /// The JSON path of this object ("settings", "settings.status", …) used in messages.
    public let path: String
    private var known: Set<String> = []

    public init(_ value: JSONValue, path: String = "settings") {
        self.value = value
        self.path = path
    }

    /// Parses settings JSON text; a non-object or malformed document is a `CONFIG` error.
    public convenience init(json: String) throws {
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(json) } catch { throw ConnectorError.config("settings are not valid JSON: \(error)") }
        guard case .object = parsed else { throw ConnectorError.config("settings must be a JSON object") }
        self.init(parsed)
    }

    private func member(_ key: String) -> JSONValue? {
        known.insert(key)
        let v = value[key]
        if case .null? = v { return nil }
        return v
    }

    private func typeError(_ key: String, _ expected: String, _ got: JSONValue) -> ConnectorError {
        .config("\(path).\(key): expected \(expected), got \(got.typeName)")
    }

    public func contains(_ key: String) -> Bool { known.insert(key); return value[key] != nil }

    public func string(_ key: String) throws -> String? {
        guard let v = member(key) else { return nil }
        guard case .string(let s) = v else { throw typeError(key, "a string", v) }
        return s
    }

    public func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw ConnectorError.config("\(path).\(key) is required") }
        guard !s.isEmpty else { throw ConnectorError.config("\(path).\(key) must not be empty") }
        return s
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let v = member(key) else { return nil }
        guard case .bool(let b) = v else { throw typeError(key, "true or false", v) }
        return b
    }

    public func int(_ key: String, range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let v = member(key) else { return nil }
        guard case .number(let text) = v, let i = Int(text) else { throw typeError(key, "an integer", v) }
        if let range, !range.contains(i) {
            throw ConnectorError.config("\(path).\(key): \(i) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return i
    }

    public func stringArray(_ key: String) throws -> [String]? {
        guard let v = member(key) else { return nil }
        guard case .array(let items) = v else { throw typeError(key, "an array of strings", v) }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                throw ConnectorError.config("\(path).\(key)[\(i)]: expected a string, got \(item.typeName)")
            }
            out.append(s)
        }
        return out
    }

    /// A nested object as its own ``Settings`` (with its own unknown-key tracking).
    public func object(_ key: String) throws -> Settings? {
        guard let v = member(key) else { return nil }
        guard case .object = v else { throw typeError(key, "an object", v) }
        return Settings(v, path: "\(path).\(key)")
    }

    /// The raw value of `key` (marks it known).
    public func raw(_ key: String) -> JSONValue? { member(key) }

    /// Throws a `CONFIG` error naming the first key that no accessor read.
    public func rejectUnknownKeys() throws {
        guard case .object(let members) = value else { return }
        if let unknown = members.first(where: { !known.contains($0.key) }) {
            throw ConnectorError.config("\(path).\(unknown.key): unknown setting")
        }
    }
}
