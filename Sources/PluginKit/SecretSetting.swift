import Foundation
import XaasSecrets

/// A connector setting that refers to a secret instead of holding it: `{"env": "NAME"}`,
/// `{"file": "/absolute/path"}` or `{"command": ["program", "arg", …]}`.
///
/// Parse it in `open` (validation only: nothing is read) and resolve it when the secret is needed. A plain
/// string is refused, so secrets stay out of configuration files. A secret file must be a regular file only
/// its owner can access (mode `0600` or `0400`, as for the host's Okta token files) holding one non-empty
/// line; one trailing newline is removed. A command is run without a shell, stdin closed, with a 30 s timeout
/// (``SecretCommand`` of XaasSecrets, the same runner the host uses for Okta secrets); its standard output,
/// one line minus the trailing newline, is the secret, and its standard error is never shown. Errors are `CONFIG` and name the setting and the variable or
/// file, never the value; `description` shows the reference only. Immutable value type; thread-safe.
public struct SecretSetting: Sendable, Equatable, CustomStringConvertible {
    /// Where the secret's value comes from.
    public enum Source: Sendable, Equatable {
        /// An environment variable of the host process.
        case env(String)
        /// A file holding the secret on one line.
        case file(String)
        /// A program and its arguments, run without a shell; its standard output is the secret.
        case command([String])
    }

    /// Where the value comes from.
    public let source: Source
    /// The setting's path for messages, e.g. `settings.auth.clientSecret`.
    public var setting: String

    /// A reference built in code, e.g. a default such as `.env("AWS_ACCESS_KEY_ID")` for `settings.accessKeyId`.
    public init(_ source: Source, setting: String) {
        self.source = source
        self.setting = setting
    }

    /// Reads `settings.<key>` as a secret reference; `nil` when the key is absent.
    ///
    /// Throws a `CONFIG` error for an inline string, unknown keys, not exactly one of `env`/`file`/`command`,
    /// an invalid variable name, a relative file path, or a command that is not a non-empty array of strings.
    public static func parse(_ settings: Settings, _ key: String) throws -> SecretSetting? {
        let setting = "\(settings.path).\(key)"
        if case .string? = settings.raw(key) {
            throw ConnectorError.config(
                "\(setting): write a reference, \(forms), not the secret itself")
        }
        guard let object = try settings.object(key) else { return nil }
        let env = try object.string("env")
        let file = try object.string("file")
        let command = try object.stringArray("command")
        try object.rejectUnknownKeys()
        switch (env, file, command) {
        case (let name?, nil, nil):
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw ConnectorError.config("\(setting).env: \"\(name.prefix(40))\" is not an environment variable name")
            }
            return SecretSetting(.env(name), setting: setting)
        case (nil, let path?, nil):
            guard path.hasPrefix("/") else { throw ConnectorError.config("\(setting).file must be an absolute path") }
            return SecretSetting(.file(path), setting: setting)
        case (nil, nil, let argv?):
            guard let program = argv.first, !program.isEmpty else {
                throw ConnectorError.config("\(setting).command: expected the program and its arguments, e.g. [\"vault\", \"kv\", \"get\", …]")
            }
            return SecretSetting(.command(argv), setting: setting)
        default:
            throw ConnectorError.config("\(setting): expected \(forms)")
        }
    }

    /// Like ``parse(_:_:)`` but the setting is required.
    public static func required(_ settings: Settings, _ key: String) throws -> SecretSetting {
        guard let secret = try parse(settings, key) else {
            throw ConnectorError.config("\(settings.path).\(key) is required (\(forms))")
        }
        return secret
    }

    /// The reference forms, for messages.
    static let forms = #"{"env": "NAME"}, {"file": "/path"} or {"command": ["program", "arg"]}"#

    /// "environment variable NAME", "file /path" or "command program": the reference, never the value.
    public var description: String {
        switch source {
        case .env(let name): return "environment variable \(name)"
        case .file(let path): return "file \(path)"
        case .command(let argv): return "command \(argv.first ?? "")"
        }
    }

    /// The secret's value. A missing or empty variable, a missing, unsafe or malformed file, or a command
    /// that fails, times out, is missing or prints nothing, is a `CONFIG` error naming the setting and the
    /// variable, file or program (and exit status), never the value. A command runs on every call: resolve
    /// once per run and keep the value.
    public func resolve() throws -> String {
        switch source {
        case .env(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ConnectorError.config("\(setting): environment variable \(name) is not set or empty")
            }
            return value
        case .file(let path):
            return try readFile(path)
        case .command(let argv):
            do {
                return try SecretCommand(arguments: argv).run(multiline: false)
            } catch {
                throw ConnectorError.config("\(setting): \(error.description)")
            }
        }
    }

    private func readFile(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConnectorError.config("\(setting): secret file \(path) not found (create it with mode 0600)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ConnectorError.config("\(setting): secret file \(path) is not a regular file")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw ConnectorError.config("\(setting): secret file \(path) is accessible by group or others "
                                        + "(mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw ConnectorError.config("\(setting): cannot read secret file \(path) as UTF-8 text")
        }
        if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }  // "\r\n" is one Character
        guard !text.isEmpty, !text.contains("\n") else {
            throw ConnectorError.config("\(setting): secret file \(path) must hold exactly one non-empty line")
        }
        return text
    }
}
