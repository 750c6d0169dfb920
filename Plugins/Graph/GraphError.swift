import Foundation
import PluginKit
import XaasJSON

/// A Graph error response, `{"error": {"code", "message", "innerError": {"request-id", …}}}`, turned into
/// the connector error whose status drives the host's policy.
struct GraphError {
    var status: Int
    var code: String?
    var message: String?
    var requestId: String?

    init(_ response: GraphResponse) {
        status = response.status
        let json = try? JSONValue.parse(bytes: [UInt8](response.body))
        let error = json?["error"]
        code = error?["code"]?.stringValue ?? error?.stringValue
        message = error?["message"]?.stringValue
        let inner = error?["innerError"] ?? error?["innererror"]
        requestId = inner?["request-id"]?.stringValue ?? response.header("request-id")
    }

    /// ` (Code: message; request-id …)`, or "" when the body says nothing.
    func summary(redacting secret: String?) -> String {
        var parts: [String] = []
        if let code { parts.append(code) }
        if let message { parts.append(String(message.prefix(300))) }
        var text = parts.joined(separator: ": ")
        if let requestId { text += (text.isEmpty ? "" : "; ") + "request-id \(requestId)" }
        text = Self.redact(text, [secret].compactMap { $0 })
        return text.isEmpty ? "" : " (\(text))"
    }

    /// The error for a response that is not retried.
    /// `followingLink`: the request was a link the server sent (nextLink, deltaLink), not one built from settings.
    func connectorError(what: String, redacting secret: String?, followingLink: Bool = false) -> ConnectorError {
        let text = "\(what): HTTP \(status)\(summary(redacting: secret))"
        switch status {
        case 400 where followingLink:
            return .sourceData(text + "; the server refused a link it sent (an expired or invalid page token): run again")
        case 401:
            return .auth(text + "; the access token was refused (check settings.auth)")
        case 403:
            return .permission(text + "; the app needs the User.Read.All application permission (Group.Read.All / "
                               + "GroupMember.Read.All for groups), granted with admin consent")
        case 404:
            return .notFound(text + "; check settings.baseUrl and settings.usersPath")
        case 400, 501:
            return .config(text + "; check settings.select, settings.filter and settings.advancedQuery")
        case 410:
            return .sourceData(text + "; the delta round expired during the read: run again (the next run starts over)")
        case 300..<400:
            return .sourceData(text + "; redirects are not followed (point settings.baseUrl at the final address)")
        default:
            return .sourceData(text)
        }
    }

    /// `text` with every occurrence of a secret replaced by `***`.
    static func redact(_ text: String, _ secrets: [String]) -> String {
        var out = text
        for secret in secrets where secret.count >= 4 {
            out = out.replacingOccurrences(of: secret, with: "***")
        }
        return out
    }
}
