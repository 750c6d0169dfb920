import HTTPServer

extension OktaRoute {
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// The methods this path answers, when it is a known path requested with another method (→ 405); nil for
    /// an unknown path (→ 404).
    static func allowedMethods(rest: [String]) -> [String]? {
        let allowed = methods.filter { OktaRoute(method: $0, rest: rest) != .unknown }
        return allowed.isEmpty ? nil : allowed
    }
}

extension EmulatorError {
    /// 405 E0000022 with an `Allow` header, as Okta answers a wrong method on a known path.
    static func methodNotAllowed(_ allowed: [String]) -> EmulatorError {
        var e = EmulatorError(status: 405, code: "E0000022", summary: "The endpoint does not support the provided HTTP method")
        e.headers = [("Allow", allowed.joined(separator: ", "))]
        return e
    }
}
