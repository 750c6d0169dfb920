import Foundation
import XaasJSON
import XaasSecrets

/// Where a secret (an Okta API token) comes from. Resolved lazily with ``resolve()``; never printed.
///
/// - `env`: the value of an environment variable.
/// - `file`: the contents of a file (one trailing newline removed) that only its owner may read (mode `0600`
///   or stricter); a file readable by group or others is refused.
/// - `value`: inline in the config, allowed only for loopback or embedded orgs (test setups).
/// - `command`: the standard output of a program run without a shell (``SecretCommand`` of XaasSecrets, shared with PluginKit), e.g.
///   `["vault", "kv", "get", "-field=key", "secret/okta"]`.
public enum SecretReference: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    case env(String)
    case file(URL)
    case value(String)
    case command([String])

    /// Never shows a value: `env ACME_OKTA_TOKEN`, `file /etc/xaas/acme`, `inline value`.
    public var description: String {
        switch self {
        case .env(let name): return "env \(name)"
        case .file(let url): return "file \(url.path)"
        case .value: return "inline value"
        case .command(let argv): return "command \(argv.first ?? "")"
        }
    }

    public var debugDescription: String { description }

    /// Hides the value from `dump` and other mirror-based printing.
    public var customMirror: Mirror { Mirror(self, children: ["source": description]) }

    /// The secret's value. Errors name the variable or file, never a value. With `multiline` (PEM keys,
    /// JWKs) a file or command output may hold several lines.
    public func resolve(multiline: Bool = false) throws(ConfigProblem) -> String {
        switch self {
        case .env(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ConfigProblem(file: "environment", jsonPath: "",
                                    message: "environment variable \(name) is not set or empty")
            }
            return value
        case .file(let url):
            if let problem = SecretReference.checkFile(url) {
                throw ConfigProblem(file: url.path, jsonPath: "", message: problem)
            }
            guard let data = FileManager.default.contents(atPath: url.path),
                  var text = String(data: data, encoding: .utf8) else {
                throw ConfigProblem(file: url.path, jsonPath: "", message: "cannot read the token file as UTF-8 text")
            }
            if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty else {
                throw ConfigProblem(file: url.path, jsonPath: "", message: "the token file is empty")
            }
            guard multiline || !text.contains("\n") else {
                throw ConfigProblem(file: url.path, jsonPath: "", message: "the token file must hold one line")
            }
            return text
        case .value(let value):
            return value
        case .command(let argv):
            do {
                return try SecretCommand(arguments: argv).run(multiline: multiline)
            } catch {
                throw ConfigProblem(file: "command \(argv.first ?? "")", jsonPath: "", message: error.description)
            }
        }
    }

    /// Why the token file at `url` may not be used (missing, not a regular file, readable by group/others), or nil.
    static func checkFile(_ url: URL) -> String? {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            return "token file not found (create it with mode 0600)"
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return "the token path is not a regular file" }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            return "the token file is accessible by group or others (mode \(String(mode, radix: 8))); run: chmod 600 \(url.path)"
        }
        return nil
    }

    /// Reads a secret reference object at `path` (`$.token`, `$.auth.oauth.privateKey`): exactly one of
    /// `env`, `file` (checked: exists, mode 0600), `value`, `command` (a non-empty array of strings).
    static func read(_ value: JSONValue, at path: String, directory: URL, reader: inout ConfigReader) -> SecretReference? {
        let forms = "{\"env\": \"VAR\"}, {\"file\": \"path\"}, {\"command\": [\"program\", \"arg\"]} or {\"value\": \"…\"}"
        guard case .object(let members) = value, members.count == 1 else {
            reader.problem(path, "expected exactly one of \(forms)")
            return nil
        }
        let key = members[0].key
        guard ["env", "file", "value", "command"].contains(key) else {
            reader.problem(ConfigReader.child(path, key), "unknown key (expected env, file, command or value)")
            return nil
        }
        if key == "command" {
            guard let items = members[0].value.arrayValue, !items.isEmpty,
                  items.allSatisfy({ $0.stringValue != nil }), items[0].stringValue?.isEmpty == false else {
                reader.problem("\(path).command", "expected a non-empty array of strings: the program and its arguments (no shell)")
                return nil
            }
            return .command(items.compactMap(\.stringValue))
        }
        guard let text = reader.string(value, key, at: path, required: true) else { return nil }
        switch key {
        case "env":
            guard text.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                reader.problem("\(path).env", "not a valid environment variable name")
                return nil
            }
            return .env(text)
        case "file":
            let url = ConfigDirectory.resolve(text, against: directory)
            if let problem = SecretReference.checkFile(url) {
                reader.problem("\(path).file", "\(problem) (\(ConfigDirectory.displayPath(url)))")
                return nil
            }
            return .file(url)
        default:
            return .value(text)
        }
    }
}
