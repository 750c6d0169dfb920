import Foundation

/// Where a secret (an Okta API token) comes from. Resolved lazily with ``resolve()``; never printed.
///
/// - `env`: the value of an environment variable.
/// - `file`: the contents of a file (one trailing newline removed) that only its owner may read (mode `0600`
///   or stricter); a file readable by group or others is refused.
/// - `value`: inline in the config, allowed only for loopback or embedded orgs (test setups).
public enum SecretReference: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    case env(String)
    case file(URL)
    case value(String)

    /// Never shows a value: `env ACME_OKTA_TOKEN`, `file /etc/xaas/acme`, `inline value`.
    public var description: String {
        switch self {
        case .env(let name): return "env \(name)"
        case .file(let url): return "file \(url.path)"
        case .value: return "inline value"
        }
    }

    public var debugDescription: String { description }

    /// Hides the value from `dump` and other mirror-based printing.
    public var customMirror: Mirror { Mirror(self, children: ["source": description]) }

    /// The secret's value. Errors name the variable or file, never a value.
    public func resolve() throws(ConfigProblem) -> String {
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
            guard !text.contains("\n") else {
                throw ConfigProblem(file: url.path, jsonPath: "", message: "the token file must hold one line")
            }
            return text
        case .value(let value):
            return value
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
}
