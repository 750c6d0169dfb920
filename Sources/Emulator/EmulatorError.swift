import Foundation
import HTTPServer

/// An Okta API error answer: status, `errorCode`, `errorSummary` and causes (reference §2.7).
/// Thrown inside request handling and turned into a response by ``Emulator``.
struct EmulatorError: Error, Sendable {
    var status: Int
    var code: String
    var summary: String
    var causes: [String] = []
    var headers: [(String, String)] = []
    /// An OAuth `error`/`error_description` pair added to the body (a DPoP nonce challenge).
    var oauthError: (error: String, description: String)?

    /// 400 E0000001 "Api validation failed: {what}" with causes.
    static func validation(_ what: String, _ causes: [String] = [], status: Int = 400) -> EmulatorError {
        EmulatorError(status: status, code: "E0000001", summary: "Api validation failed: \(what)", causes: causes)
    }

    /// 400 E0000003 "The request body was not well-formed."
    static func malformed(_ cause: String? = nil) -> EmulatorError {
        EmulatorError(status: 400, code: "E0000003", summary: "The request body was not well-formed.",
                  causes: cause.map { [$0] } ?? [])
    }

    /// 404 E0000007 "Not found: Resource not found: {what}".
    static func notFound(_ what: String) -> EmulatorError {
        EmulatorError(status: 404, code: "E0000007", summary: "Not found: Resource not found: \(what)")
    }

    static let invalidToken = EmulatorError(status: 401, code: "E0000011", summary: "Invalid token provided")

    static func rateLimited() -> EmulatorError {
        EmulatorError(status: 429, code: "E0000047", summary: "API call exceeded rate limit due to too many requests.")
    }

    static func noPermission(scope: String, resource: String) -> EmulatorError {
        var e = EmulatorError(status: 403, code: "E0000006", summary: "You do not have permission to perform the requested action")
        e.headers = [("WWW-Authenticate",
                      "Bearer authorization_uri=\"http://localhost/oauth2/v1/authorize\", realm=\"http://localhost\", "
                      + "scope=\"\(scope)\", error=\"insufficient_scope\", error_description=\"The access token provided "
                      + "does not contain the required scopes.\", resource=\"\(resource)\"")]
        return e
    }

    static func server(_ status: Int) -> EmulatorError {
        status == 503
            ? EmulatorError(status: 503, code: "E0000010", summary: "Service is temporarily unavailable.")
            : EmulatorError(status: 500, code: "E0000009", summary: "Internal Server Error")
    }

    /// The JSON body, with `errorCauses` always present.
    func body(errorId: String) -> [String: Any] {
        var body: [String: Any] = ["errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": errorId,
                                   "errorCauses": causes.map { ["errorSummary": $0] }]
        if let oauthError {
            body["error"] = oauthError.error
            body["error_description"] = oauthError.description
        }
        return body
    }
}

/// JSON in and out through Foundation (the emulator shares no JSON code with the client it tests).
enum JSONBody {
    /// Serialises a JSON object or array (sorted keys, unescaped slashes).
    static func encode(_ value: Any) -> [UInt8] {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return Array("{}".utf8) }
        return Array(data)
    }

    static func response(_ status: Int, _ value: Any) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: encode(value))
    }

    /// Parses a request body; an empty or malformed body is E0000003.
    static func decode(_ body: [UInt8]) throws(EmulatorError) -> Any {
        guard !body.isEmpty else { throw EmulatorError.malformed() }
        do {
            return try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw EmulatorError.malformed()
        }
    }

    /// Parses a body that must be a JSON object.
    static func decodeObject(_ body: [UInt8]) throws(EmulatorError) -> [String: Any] {
        guard let object = try decode(body) as? [String: Any] else { throw EmulatorError.malformed("expected a JSON object") }
        return object
    }

    /// A short name for a non-string JSON value in error text.
    static func kind(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "a number or boolean"
        }
    }
}
