import Foundation
import PluginKit

/// A secret setting: `{"env": "NAME"}` or `{"file": "/path"}`. Resolved lazily (at the first request),
/// never printed: errors name the variable or file only.
struct GraphSecret: Sendable, CustomStringConvertible {
    enum Source: Sendable {
        case env(String)
        case file(String)
    }

    let source: Source
    /// The setting's path for messages, e.g. `settings.auth.clientSecret`.
    let setting: String

    /// Reads `key` of `settings` as a secret reference; a plain string is refused (secrets stay out of configs).
    init(_ settings: Settings, key: String) throws {
        setting = "\(settings.path).\(key)"
        if case .string? = settings.value[key] {
            throw ConnectorError.config(
                "\(setting): write a reference, {\"env\": \"NAME\"} or {\"file\": \"/path\"}, not the secret itself")
        }
        guard let object = try settings.object(key) else { throw ConnectorError.config("\(setting) is required") }
        if let name = try object.string("env") {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw ConnectorError.config("\(setting).env: \"\(name.prefix(40))\" is not an environment variable name")
            }
            source = .env(name)
        } else if let path = try object.string("file") {
            guard path.hasPrefix("/") else {
                throw ConnectorError.config("\(setting).file must be an absolute path")
            }
            source = .file(path)
        } else {
            throw ConnectorError.config("\(setting): expected {\"env\": \"NAME\"} or {\"file\": \"/path\"}")
        }
        try object.rejectUnknownKeys()
    }

    var description: String {
        switch source {
        case .env(let name): return "environment variable \(name)"
        case .file(let path): return "file \(path)"
        }
    }

    /// The secret's value. A missing variable or an unreadable file is a `CONFIG` error (naming it).
    func resolve() throws -> String {
        switch source {
        case .env(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ConnectorError.config("\(setting): environment variable \(name) is not set or empty")
            }
            return value
        case .file(let path):
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw ConnectorError.config("\(setting): secret file \(path) not found (create it with mode 0600)")
            }
            let mode = info.st_mode & 0o777
            guard mode & 0o077 == 0 else {
                throw ConnectorError.config(
                    "\(setting): secret file \(path) is accessible by group or others (mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
            }
            guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
                throw ConnectorError.config("\(setting): cannot read secret file \(path) as UTF-8 text")
            }
            if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty, !text.contains("\n") else {
                throw ConnectorError.config("\(setting): secret file \(path) must hold one non-empty line")
            }
            return text
        }
    }
}
