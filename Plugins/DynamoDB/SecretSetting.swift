import Foundation
import PluginKit

/// Where a credential setting's value comes from: `{"env": "NAME"}` or `{"file": "/path"}`.
///
/// Resolved lazily (on the first request, not in `open`). Errors name the setting and the variable or
/// file, never the value. A file must be readable by its owner only (mode 0600 or stricter), as for the
/// host's Okta token files. Pure value type; thread-safe.
enum SecretSetting: Sendable, Equatable, CustomStringConvertible {
    case env(String)
    case file(String)

    /// Reads `settings.<key>`; `nil` when absent.
    static func parse(_ settings: Settings, _ key: String) throws -> SecretSetting? {
        guard let object = try settings.object(key) else { return nil }
        let env = try object.string("env")
        let file = try object.string("file")
        try object.rejectUnknownKeys()
        switch (env, file) {
        case (let name?, nil) where !name.isEmpty: return .env(name)
        case (nil, let path?) where !path.isEmpty: return .file(path)
        default:
            throw ConnectorError.config(
                "\(settings.path).\(key): expected {\"env\": \"VARIABLE\"} or {\"file\": \"/path/to/secret\"} "
                + "(inline secrets are not accepted)")
        }
    }

    var description: String {
        switch self {
        case .env(let name): return "environment variable \(name)"
        case .file(let path): return "file \(path)"
        }
    }

    /// The secret's value; `setting` names it in errors (e.g. `settings.secretAccessKey`).
    func resolve(setting: String) throws -> String {
        switch self {
        case .env(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ConnectorError.config("\(setting): environment variable \(name) is not set or empty")
            }
            return value
        case .file(let path):
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw ConnectorError.config("\(setting): secret file \(path) not found")
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                throw ConnectorError.config("\(setting): \(path) is not a regular file")
            }
            if info.st_mode & 0o077 != 0 {
                throw ConnectorError.config(
                    "\(setting): secret file \(path) is accessible by group or others; run: chmod 600 \(path)")
            }
            guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8)
            else { throw ConnectorError.config("\(setting): cannot read secret file \(path) as UTF-8 text") }
            if text.hasSuffix("\r\n") { text.removeLast() } else if text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty, !text.contains("\n") else {
                throw ConnectorError.config("\(setting): secret file \(path) must hold exactly one non-empty line")
            }
            return text
        }
    }
}
