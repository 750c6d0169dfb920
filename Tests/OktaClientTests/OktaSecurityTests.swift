import Foundation
import Testing
import TestSupport
@testable import Host

@Suite("Okta client security: secrets, URLs")
struct OktaSecurityTests {
    @Test("OktaSecret never prints its value")
    func secretRedacted() {
        let secret = OktaSecret("abc")
        #expect(secret.fingerprint == "ba7816bf")
        #expect(secret.description == "<redacted sha256:ba7816bf>")
        #expect("\(secret)" == "<redacted sha256:ba7816bf>")
        #expect(String(reflecting: secret) == "<redacted sha256:ba7816bf>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("abc\""))
        let configuration = Fake.configuration()
        var text = ""
        dump(configuration, to: &text)
        text += "\(configuration) \(String(reflecting: configuration))"
        #expect(!text.contains(Fake.token))
        #expect(secret.reveal() == "abc")
    }

    @Test("the token is scrubbed from errors even when Okta echoes it")
    func tokenNeverInErrors() async throws {
        let echo = Fake.error("E0000011", "Invalid token provided: \(Fake.token)", causes: ["token \(Fake.token) is bad"])
        let transport = FakeTransport([Fake.json(401, echo), Fake.json(200, "not json \(Fake.token)")])
        let client = try Fake.client(transport)
        for round in 0..<2 {
            do {
                _ = try await client.listSessions(identitySourceId: Fake.source)
                Issue.record("expected an error")
            } catch {
                #expect(!error.description.contains(Fake.token), "\(error.description)")
                #expect(!(error.errorSummary ?? "").contains(Fake.token))
                #expect(!error.causes.joined().contains(Fake.token))
                if round == 0 { #expect(error.description.contains("<redacted sha256:")) }
                var dumped = ""
                dump(error, to: &dumped)
                #expect(!dumped.contains(Fake.token))
            }
        }
        #expect(transport.requests.allSatisfy { $0.header("Authorization") == "SSWS \(Fake.token)" })
    }

    @Test("http:// to a non-loopback host is refused with .insecureURL", arguments: [
        "http://example.okta.com", "http://10.0.0.1:8080", "http://127.0.0.1.evil.example", "http://localhost.evil.example",
        "ftp://example.okta.com", "file:///tmp/okta", "http://128.0.0.1", "http://[::2]:80",
    ])
    func insecureRefused(url: String) {
        let transport = FakeTransport([])
        let error = #expect(throws: OktaError.self) {
            _ = try OktaClient(configuration: Fake.configuration(url), transport: transport)
        }
        #expect(error?.kind == .insecureURL)
        #expect(error?.description.contains(Fake.token) == false)
    }

    @Test("https and loopback http are allowed", arguments: [
        "https://example.okta.com", "https://example.okta.com/prefix/", "http://127.0.0.1:8080", "http://127.9.8.7",
        "http://localhost:1234", "http://LOCALHOST", "http://[::1]:8080",
    ])
    func allowed(url: String) async throws {
        let transport = FakeTransport([Fake.json(200, "[]")])
        let client = try Fake.client(transport, configuration: Fake.configuration(url))
        _ = try await client.listSessions(identitySourceId: Fake.source)
        var expected = url.hasSuffix("/") ? String(url.dropLast()) : url
        expected += "/api/v1/identity-sources/\(Fake.source)/sessions"
        #expect(transport.requests.first?.url.absoluteString == expected)
    }

    @Test("HTTP Date parsing (IMF-fixdate) and rejects", arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777), ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("Tue, 29 Feb 2028 23:59:59 GMT", 1_835_481_599), ("06 Nov 1994 08:49:37 GMT", 784_111_777),
    ])
    func httpDate(text: String, epoch: Int) { #expect(HTTPDate.epochSeconds(text) == epoch) }

    @Test("unparseable Date headers are nil", arguments: [
        "", "yesterday", "Sun, 06 Nov 1994 08:49:37 PST", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT", "1795384800",
    ])
    func httpDateBad(text: String) { #expect(HTTPDate.epochSeconds(text) == nil) }
}
