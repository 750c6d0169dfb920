import Foundation
import XaasJSON
import XaasSecrets

/// Removes every secret a connector's settings resolve from text the host prints or stores.
///
/// Redaction is the host's job, not each connector's: the host knows every secret reference in a source's
/// settings (`{"env": "NAME"}` / `{"file": "/path"}` / `{"command": [...]}`, the ``SecretSetting`` shape of
/// PluginKit) and resolves them itself, plus the values of environment variables whose names mark them as secrets (e.g. the
/// `AWS_SECRET_ACCESS_KEY` a connector reads by default). Each secret is removed in every form it is
/// commonly echoed in: raw, percent-encoded (upper- and lowercase hex), form-encoded, JSON-escaped and
/// base64 (standard and URL-safe, at every byte alignment). Each occurrence becomes `<redacted NAME>`,
/// where NAME is the setting (or variable), never the value.
///
/// Immutable; thread-safe.
public struct SecretRedactor: Sendable {
    /// (form of a secret, its replacement), longest form first.
    private let needles: [(form: String, replacement: String)]

    /// Redacts nothing.
    public static let none = SecretRedactor(secrets: [])

    /// Secrets shorter than this are not redacted (they would match ordinary text).
    static let minimumLength = 8

    /// A redactor for `secrets`: (name shown instead, value).
    public init(secrets: [(name: String, value: String)]) {
        var needles: [(String, String)] = []
        var seen = Set<String>()
        for (name, value) in secrets where value.utf8.count >= Self.minimumLength {
            for form in Self.forms(of: value) where form.utf8.count >= Self.minimumLength && seen.insert(form).inserted {
                needles.append((form, "<redacted \(name)>"))
            }
        }
        self.needles = needles.sorted { $0.0.utf8.count > $1.0.utf8.count }
    }

    /// The redactor for a source whose settings are `settingsJSON`: every `{"env"}`/`{"file"}`/`{"command"}`
    /// reference in it, and secret-named environment variables. References that cannot be resolved are
    /// passed over (the connector reports them).
    ///
    /// A command reference is run here (once per distinct command), because the value the connector will
    /// get is known only by running it: the host cannot read it back from the connector, and handing the
    /// host's copy to the connector would put the secret in the settings or the environment. So a command
    /// runs twice per sync: once for this redactor, once in the connector (build one redactor per run and
    /// share it, as the sync job does with ``PluginInstance``). With `runCommands` false (e.g. `xaas status`,
    /// which only re-redacts reports already redacted when stored) command references are skipped.
    public init(settingsJSON: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                runCommands: Bool = true) {
        var secrets: [(String, String)] = []
        if let settings = try? JSONValue.parse(settingsJSON) {
            var commands = CommandOutputs(enabled: runCommands)
            Self.collectReferences(settings, path: "settings", environment: environment, commands: &commands, into: &secrets)
        }
        for (name, value) in environment where Self.looksSecret(name) { secrets.append((name, value)) }
        self.init(secrets: secrets)
    }

    /// Whether nothing would ever be redacted.
    public var isEmpty: Bool { needles.isEmpty }

    /// `text` with every form of every secret replaced.
    public func redact(_ text: String) -> String {
        guard !needles.isEmpty else { return text }
        var out = text
        for (form, replacement) in needles where out.contains(form) {
            out = out.replacingOccurrences(of: form, with: replacement)
        }
        return out
    }

    /// Every text field of `report` redacted.
    public func redact(_ report: RunReport) -> RunReport {
        guard !needles.isEmpty else { return report }
        var r = report
        r.error = r.error.map(redact)
        r.problems = r.problems.map(redact)
        r.notes = r.notes.map(redact)
        return r
    }

    // MARK: - Finding secrets

    /// Each distinct command's output, run at most once per redactor.
    private struct CommandOutputs {
        var enabled: Bool
        var outputs: [[String]: String?] = [:]

        mutating func output(_ argv: [String]) -> String? {
            guard enabled else { return nil }
            if let known = outputs[argv] { return known }
            let value = try? SecretCommand(arguments: argv).run(multiline: true)
            outputs[argv] = value
            return value
        }
    }

    private static func collectReferences(_ value: JSONValue, path: String, environment: [String: String],
                                          commands: inout CommandOutputs, into secrets: inout [(String, String)]) {
        if let members = value.objectValue {
            if members.count == 1, let only = members.first, only.key == "command", let items = only.value.arrayValue,
               !items.isEmpty, items.allSatisfy({ $0.stringValue != nil }) {
                if let resolved = commands.output(items.compactMap(\.stringValue)) { secrets.append((path, resolved)) }
                return
            }
            if members.count == 1, let only = members.first, let name = only.value.stringValue {
                if only.key == "env", let resolved = environment[name] {
                    secrets.append((path, resolved))
                    return
                }
                if only.key == "file", let resolved = readSecretFile(name) {
                    secrets.append((path, resolved))
                    return
                }
            }
            for member in members {
                collectReferences(member.value, path: "\(path).\(member.key)", environment: environment,
                                  commands: &commands, into: &secrets)
            }
        } else if let items = value.arrayValue {
            for (i, item) in items.enumerated() {
                collectReferences(item, path: "\(path)[\(i)]", environment: environment, commands: &commands, into: &secrets)
            }
        }
    }

    private static func readSecretFile(_ path: String) -> String? {
        guard path.hasPrefix("/"), let data = FileManager.default.contents(atPath: path),
              var text = String(data: data, encoding: .utf8) else { return nil }
        if text.hasSuffix("\n") { text.removeLast() }  // "\r\n" is one Character
        return text.isEmpty ? nil : text
    }

    /// Environment variable names that hold secrets by convention.
    static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL"]
            .contains { upper.contains($0) }
    }

    // MARK: - Forms of a secret

    static func forms(of secret: String) -> [String] {
        var forms = [secret]
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        if let percent = secret.addingPercentEncoding(withAllowedCharacters: unreserved) {
            forms.append(percent)
            forms.append(lowercasedEscapes(percent))
            // Form encoding writes a space as "+" (and a "+" as "%2B").
            let formEncoded = secret.addingPercentEncoding(withAllowedCharacters: unreserved.union(CharacterSet(charactersIn: " ")))?
                .replacingOccurrences(of: " ", with: "+") ?? percent
            forms.append(formEncoded)
            forms.append(lowercasedEscapes(formEncoded))
        }
        let json = JSONValue.string(secret).serialized.dropFirst().dropLast()
        forms.append(String(json))
        forms.append(json.replacingOccurrences(of: "/", with: "\\/"))
        forms.append(contentsOf: base64Forms(Array(secret.utf8)))
        return forms
    }

    /// `%2b` for `%2B`: some encoders write lowercase hex.
    private static func lowercasedEscapes(_ text: String) -> String {
        var out = ""
        var pending = 0
        for c in text {
            if c == "%" { pending = 2; out.append(c) } else if pending > 0 { pending -= 1; out.append(Character(c.lowercased())) } else { out.append(c) }
        }
        return out
    }

    /// The base64 text that any base64 encoding of a stream containing `bytes` contains, whatever the
    /// bytes' alignment (the 0–2 bytes at each edge that share a group with unknown neighbours are left
    /// out), in the standard and URL-safe alphabets.
    private static func base64Forms(_ bytes: [UInt8]) -> [String] {
        var forms: [String] = [Data(bytes).base64EncodedString()]
        for skip in 0..<3 where bytes.count > skip {
            let rest = Array(bytes.dropFirst(skip))
            let whole = rest.count - rest.count % 3
            guard whole >= 6 else { continue }
            forms.append(Data(rest.prefix(whole)).base64EncodedString())
        }
        return forms.flatMap { f -> [String] in
            let trimmed = f.hasSuffix("=") ? String(f.prefix { $0 != "=" }) : f
            let urlSafe = trimmed.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            return [f, trimmed, urlSafe]
        }
    }
}

extension SecretRedactor {
    /// `error` with its message redacted.
    public func redact(_ error: PluginError) -> PluginError {
        var e = error
        e.message = redact(e.message)
        return e
    }
}
