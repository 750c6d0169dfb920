public import Foundation
import XaasText

/// The rule every network connector applies to a configured URL: absolute, `https` (plain `http` only to
/// a loopback host, so credentials never cross a network in clear), and no user info (secrets belong in
/// secret settings). Messages name the setting and never echo more than the start of the value.
public enum ServiceURL {
    /// Parses `text` given for `setting` (e.g. `"settings.baseUrl"`). `credentialsHint` says where
    /// credentials go instead of the URL (e.g. `"settings.auth"`).
    public static func parse(_ text: String, setting: String, credentialsHint: String) throws -> URL {
        guard let url = URL(string: text) else {
            throw ConnectorError.config("\(setting): \"\(text.prefix(80))\" is not an absolute URL (e.g. https://host/path)")
        }
        switch LoopbackRule.check(url) {
        case nil:
            return url
        case .notAbsolute:
            throw ConnectorError.config("\(setting): \"\(text.prefix(80))\" is not an absolute URL (e.g. https://host/path)")
        case .userInfo:
            throw ConnectorError.config("\(setting) must not contain user info or credentials; use \(credentialsHint)")
        case .plainHTTPToRemote(let host):
            throw ConnectorError.config(
                "\(setting): plain http is only allowed to a loopback host (127.0.0.1, ::1, localhost), so http:// is refused for \(host); use https")
        case .unsupportedScheme(let scheme):
            throw ConnectorError.config("\(setting): unsupported scheme \"\(scheme.prefix(10))\"; use https")
        }
    }
}
