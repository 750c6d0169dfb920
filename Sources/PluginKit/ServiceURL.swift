public import Foundation

/// The rule every network connector applies to a configured URL: absolute, `https` (plain `http` only to
/// a loopback host, so credentials never cross a network in clear), and no user info (secrets belong in
/// secret settings). Messages name the setting and never echo more than the start of the value.
public enum ServiceURL {
    /// Parses `text` given for `setting` (e.g. `"settings.baseUrl"`). `credentialsHint` says where
    /// credentials go instead of the URL (e.g. `"settings.auth"`).
    public static func parse(_ text: String, setting: String, credentialsHint: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else {
            throw ConnectorError.config("\(setting): \"\(text.prefix(80))\" is not an absolute URL (e.g. https://host/path)")
        }
        guard url.user == nil, url.password == nil else {
            throw ConnectorError.config("\(setting) must not contain user info or credentials; use \(credentialsHint)")
        }
        switch scheme {
        case "https":
            return url
        case "http" where isLoopback(host):
            return url
        case "http":
            throw ConnectorError.config(
                "\(setting): plain http is only allowed to a loopback host (127.0.0.1, ::1, localhost), so http:// is refused for \(host); use https")
        default:
            throw ConnectorError.config("\(setting): unsupported scheme \"\(scheme.prefix(10))\"; use https")
        }
    }

    /// Whether `host` is `localhost`, `::1` or in `127.0.0.0/8`.
    public static func isLoopback(_ host: String) -> Bool {
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h == "localhost" || h == "::1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
