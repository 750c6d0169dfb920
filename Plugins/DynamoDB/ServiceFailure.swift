import PluginAPI
import PluginKit
import XaasJSON

/// A non-2xx reply understood: the error code (text after `#` in `__type`, the `X-Amzn-ErrorType`
/// header, an XML `<Code>`, or the HTTP status), its message, and whether to retry.
struct ServiceFailure: Sendable {
    var httpStatus: Int
    /// e.g. `ResourceNotFoundException`; empty when the reply names none.
    var code: String
    /// The service's message, shortened; never contains request secrets.
    var message: String
    /// Seconds from a `Retry-After` header (delta-seconds or an HTTP-date), when present.
    var retryAfterSeconds: Double?

    static let throttlingCodes: Set<String> = [
        "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "Throttling",
        "TooManyRequestsException", "RequestThrottled", "SlowDown",
    ]
    static let transientCodes: Set<String> = ["InternalServerError", "ServiceUnavailable", "InternalFailure"]
    static let authCodes: Set<String> = [
        "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature", "MissingAuthenticationToken",
        "MissingAuthenticationTokenException", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch",
        "ExpiredToken", "UnauthorizedException",
    ]

    init(_ reply: HTTPReply) {
        httpStatus = reply.status
        var code = reply.headers["x-amzn-errortype"].map { String($0.split(separator: ":").first ?? "") } ?? ""
        var message = ""
        if let json = try? JSONValue.parse(bytes: reply.body) {
            if let type = json["__type"]?.stringValue { code = String(type.split(separator: "#").last ?? "") }
            message = json["message"]?.stringValue ?? json["Message"]?.stringValue ?? ""
        } else {
            let text = String(decoding: reply.body.prefix(4096), as: UTF8.self)
            if let c = Self.xmlElement("Code", in: text) { code = c }
            message = Self.xmlElement("Message", in: text) ?? ""
        }
        self.code = code
        self.message = String(message.prefix(300))
        retryAfterSeconds = RetryPolicy.retryAfterSeconds(reply.header("retry-after"))
    }

    /// Throttled by the service (retry with backoff; after the last attempt, `RATE_LIMITED`).
    var isThrottling: Bool { Self.throttlingCodes.contains(code) || httpStatus == 429 }

    /// Worth retrying: throttling, 5xx, or a known transient code.
    var isRetryable: Bool { isThrottling || httpStatus >= 500 || Self.transientCodes.contains(code) }

    /// What the host sees once retries are exhausted (or at once when not retryable).
    func connectorError(context: String, retryAfterMilliseconds: UInt32) -> ConnectorError {
        let what = code.isEmpty ? "HTTP \(httpStatus)" : "\(code) (HTTP \(httpStatus))"
        let text = "\(context): \(what)\(message.isEmpty ? "" : ": \(message)")"
        if isThrottling { return .rateLimited(text + "; still throttled after retries", retryAfterMilliseconds: retryAfterMilliseconds) }
        if isRetryable { return .transient(text, retryAfterMilliseconds: retryAfterMilliseconds) }
        if Self.authCodes.contains(code) || httpStatus == 401 {
            return .auth(text + " — check the access key, secret and session token (or the auth header)")
        }
        if code == "AccessDeniedException" || code == "AccessDenied" || httpStatus == 403 {
            return .permission(text + " — the credentials lack a permission (e.g. dynamodb:Scan on the table)")
        }
        if code == "ResourceNotFoundException" || httpStatus == 404 { return .notFound(text) }
        if code == "ValidationException" { return .config(text + " — check the scan settings (expressions, index, segments)") }
        return .config(text)
    }

    private static func xmlElement(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
