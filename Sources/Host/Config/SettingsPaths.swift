import Foundation
import XaasJSON

/// The relative-path rule for connector `settings`.
///
/// A string value is a path, and is resolved against the folder of the source's config file when relative,
/// if its key is `path` or ends in `Path`, `File`, `Dir` or `Directory` (`basePath`, `caFile`, `dataDir`,
/// `certDirectory`). The rule applies to the settings object and to objects nested in it, but not inside arrays
/// (so records of the `static` connector are left alone). A value is relative when it is non-empty, does not
/// start with `/` or `~`, and does not contain `://` (a URL).
enum SettingsPaths {
    static let suffixes = ["Path", "File", "Dir", "Directory"]

    /// Whether `key` names a path setting.
    static func isPathKey(_ key: String) -> Bool {
        key == "path" || suffixes.contains { key.hasSuffix($0) && key.count > $0.count }
    }

    /// Whether `value` is a relative path by the rule above.
    static func isRelative(_ value: String) -> Bool {
        !value.isEmpty && !value.hasPrefix("/") && !value.hasPrefix("~") && !value.contains("://")
    }

    /// `settings` with relative path values resolved against `directory`.
    static func resolve(_ settings: JSONValue, against directory: URL) -> JSONValue {
        guard case .object(let members) = settings else { return settings }
        return .object(members.map { member in
            switch member.value {
            case .string(let s) where isPathKey(member.key) && isRelative(s):
                return (member.key, .string(ConfigDirectory.resolve(s, against: directory).path))
            case .object:
                return (member.key, resolve(member.value, against: directory))
            default:
                return member
            }
        })
    }
}
