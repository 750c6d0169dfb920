import XaasJSON

/// A failed Okta call. ``description`` is one actionable line and never contains the token.
public struct OktaError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Okta answered with a non-2xx status (see ``httpStatus`` / ``errorCode``).
        case api
        /// No usable HTTP response (connection refused, timeout, TLS, cancelled).
        case transport
        /// Still 429 after every allowed retry (or a 429 that may not be retried).
        case rateLimited
        /// The base URL is plain `http://` to a non-loopback host (or not http/https at all).
        case insecureURL
        /// A 2xx response whose body is not what the contract says.
        case decoding
    }

    public var kind: Kind
    public var httpStatus: Int?
    /// e.g. `E0000001`.
    public var errorCode: String?
    /// e.g. `Api validation failed: importSessionId`.
    public var errorSummary: String?
    /// The `errorSummary` of each `errorCauses` entry.
    public var causes: [String]
    /// The `X-Okta-Request-Id` of the response, for Okta support.
    public var requestId: String?
    /// What was being done, e.g. `POST /api/v1/identity-sources/0oa1/sessions` (no query, no token).
    public var operation: String?
    /// Extra detail for transport, decoding and configuration errors.
    public var message: String?

    public init(kind: Kind, httpStatus: Int? = nil, errorCode: String? = nil, errorSummary: String? = nil,
                causes: [String] = [], requestId: String? = nil, operation: String? = nil, message: String? = nil) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.errorCode = errorCode
        self.errorSummary = errorSummary
        self.causes = causes
        self.requestId = requestId
        self.operation = operation
        self.message = message
    }

    /// One line, e.g. `Okta 400 E0000001: Api validation failed: x (cause: y) [POST /api/…, request id abc]`.
    public var description: String {
        var text: String
        switch kind {
        case .api, .rateLimited:
            text = "Okta \(httpStatus.map(String.init) ?? "error")"
            if let errorCode { text += " \(errorCode)" }
            text += ": " + (errorSummary ?? message ?? "unexpected response")
            if !causes.isEmpty { text += " (cause: \(causes.joined(separator: "; ")))" }
            if let message, errorSummary != nil { text += "; \(message)" }
        case .transport:
            text = "Okta request failed: \(message ?? "transport error")"
        case .insecureURL:
            text = message ?? "refusing an insecure Okta URL"
        case .decoding:
            text = "Okta \(httpStatus.map(String.init) ?? "response"): unexpected body: \(message ?? "could not decode")"
        }
        var context: [String] = []
        if let operation { context.append(operation) }
        if let requestId { context.append("request id \(requestId)") }
        if !context.isEmpty { text += " [\(context.joined(separator: ", "))]" }
        return text.replacingNewlines()
    }

    /// Builds an `.api` error from a non-2xx response, decoding Okta's error body when there is one.
    static func api(status: Int, body: [UInt8], requestId: String?, operation: String) -> OktaError {
        var error = OktaError(kind: status == 429 ? .rateLimited : .api, httpStatus: status, requestId: requestId,
                              operation: operation)
        if let json = try? JSONValue.parse(bytes: body), case .object = json {
            error.errorCode = json["errorCode"]?.stringValue
            error.errorSummary = json["errorSummary"]?.stringValue
            error.causes = json["errorCauses"]?.arrayValue?.compactMap { $0["errorSummary"]?.stringValue } ?? []
        } else if !body.isEmpty {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            error.message = "non-JSON body: \(text)"
        } else {
            error.message = defaultSummary(status)
        }
        return error
    }

    static func defaultSummary(_ status: Int) -> String {
        switch status {
        case 401: return "unauthorized: check the API token or access token"
        case 403: return "forbidden: the token lacks okta.identitySources.* permission"
        case 404: return "not found: check the identity source ID"
        case 429: return "rate limit exceeded"
        case 500...599: return "Okta server error"
        default: return "unexpected HTTP status"
        }
    }

    /// A copy with every occurrence of `secret` replaced by its redacted form.
    func scrubbed(of secret: OktaSecret) -> OktaError {
        let raw = secret.reveal()
        guard !raw.isEmpty else { return self }
        func clean(_ s: String?) -> String? { s.map { $0.replacingAll(raw, with: secret.description) } }
        var copy = self
        copy.errorSummary = clean(errorSummary)
        copy.causes = causes.map { clean($0)! }
        copy.message = clean(message)
        copy.operation = clean(operation)
        copy.requestId = clean(requestId)
        copy.errorCode = clean(errorCode)
        return copy
    }
}

extension String {
    func replacingNewlines() -> String {
        guard contains(where: { $0.isNewline }) else { return self }
        return String(map { $0.isNewline ? " " : $0 })
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
