import Foundation
import Host
import HTTPServer
import Testing

/// Redirects never carry the connector's credentials anywhere: a second origin (another fake that records
/// every request) receives nothing, and the read fails naming the status and the Location's origin.
@Suite struct GraphRedirectTests {
    static func redirect(_ status: Int, to location: String) -> HTTPResponse {
        var response = HTTPResponse(status: status)
        response.headers.set("Location", location)
        return response
    }

    static func expectRefused(_ error: any Error, status: Int, origin: String) -> Bool {
        guard let e = error as? PluginError else { return false }
        return e.code == .sourceData && e.message.contains("HTTP \(status)") && e.message.contains(origin)
            && !e.message.contains("static-bearer-token-value") && !e.message.contains("s3cr3t-client-value")
    }

    @Test(arguments: [301, 302, 303, 307, 308])
    func aUsersRedirectToAnotherOriginDoesNotForwardTheBearer(status: Int) throws {
        let fake = try GraphPagingTests.fake(users: 2)
        let elsewhere = try GraphPagingTests.fake(users: 2)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.redirect(status, to: elsewhere.baseURL + "/users?$top=999")))
        let h = try GraphHarness(fake, settings: "\"maxRetries\": 0")
        #expect { _ = try h.readAll() } throws: { Self.expectRefused($0, status: status, origin: elsewhere.origin) }
        #expect(elsewhere.requests.isEmpty, "the second origin received \(elsewhere.requests.count) request(s)")
        #expect(fake.requests.count == 1)
    }

    @Test func aSameOriginRedirectWithTheBearerIsNotFollowedEither() throws {
        let fake = try GraphPagingTests.fake(users: 2)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.redirect(302, to: "/v1.0/users?$top=5")))
        let h = try GraphHarness(fake, settings: "\"maxRetries\": 0")
        #expect { _ = try h.readAll() } throws: { Self.expectRefused($0, status: 302, origin: fake.origin) }
        #expect(fake.requests.count == 1)
    }

    @Test func aTokenEndpointRedirectDoesNotForwardTheClientSecret() throws {
        let fake = try GraphPagingTests.fake(users: 2)
        let elsewhere = try GraphPagingTests.fake(users: 2)
        fake.inject(.init(pathPrefix: "/tenant/oauth2", response: Self.redirect(307, to: elsewhere.tokenURL)))
        let h = try GraphHarness(fake, settings: "\"maxRetries\": 0", auth: GraphThrottlingTests.clientCredentials(fake))
        #expect { _ = try h.readAll() } throws: { Self.expectRefused($0, status: 307, origin: elsewhere.origin) }
        #expect(elsewhere.requests.isEmpty, "the second origin received \(elsewhere.requests.count) request(s)")
        #expect(fake.tokenRequests == 0 && fake.requests.count == 1)
    }
}
