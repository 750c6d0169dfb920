import Foundation
import HTTPServer
import Synchronization
import Testing
import XaasCrypto
@testable import Host

/// The token request over a real socket never follows a redirect: a token endpoint that answers 307 to
/// another origin (which would receive the client assertion again, and with a 307 the whole form) gets
/// nothing there, and the error says why.
@Suite("OAuth token request and redirects (real sockets)")
struct OAuthRedirectTests {
    @Test("a 307 from the token endpoint to another origin is not followed: the other server receives nothing")
    func tokenRedirectNotFollowed() async throws {
        let elsewhere = Mutex<[String]>([])
        let other = HTTPServer(handler: ClosureHandler { request in
            elsewhere.withLock { $0.append("\(request.method) \(request.path)") }
            return .json(200, #"{"token_type":"Bearer","expires_in":3600,"access_token":"stolen","scope":"x"}"#)
        })
        let otherPort = try other.start()
        defer { other.stop() }
        let okta = HTTPServer(handler: ClosureHandler { _ in
            HTTPResponse(status: 307, headers: HTTPHeaders([("Location", "http://127.0.0.1:\(otherPort)/oauth2/v1/token")]))
        })
        let port = try okta.start()
        defer { okta.stop() }
        let settings = OAuthSettings(clientId: "0oaclient", privateKey: .value(""))
        let source = try OAuthTokenSource(baseURL: "http://127.0.0.1:\(port)", settings: settings,
                                          key: try PrivateKey.generateECP256(), transport: URLSessionTransport(timeoutSeconds: 10))
        do {
            _ = try await source.accessToken()
            Issue.record("a redirected token request succeeded")
        } catch {
            #expect(error.httpStatus == 307)
            #expect(error.description.contains("redirect") && error.description.contains("not followed"), "\(error)")
            #expect(!error.description.contains("eyJ"))
        }
        #expect(elsewhere.withLock { $0 }.isEmpty, "the assertion went to another origin")
    }
}
