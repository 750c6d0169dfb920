import Foundation
import Testing
import XaasText

/// The one loopback / https-only rule: which hosts are loopback, which URLs may carry a credential.
@Suite struct LoopbackRuleTests {
    @Test("loopback hosts", arguments: [
        "localhost", "LOCALHOST", "LocalHost", "127.0.0.1", "127.9.8.7", "127.255.255.255", "127.0.0.0",
        "::1", "[::1]", "0:0:0:0:0:0:0:1", "0000:0000:0000:0000:0000:0000:0000:0001", "[::ffff:127.0.0.1]", "::FFFF:127.1.2.3",
    ])
    func loopback(host: String) {
        #expect(LoopbackRule.isLoopbackHost(host))
    }

    @Test("not loopback", arguments: [
        "", "localhost.", "localhost.evil.example", "sub.localhost", "127.0.0.1.", "127.0.0.1.nip.io", "127.1", "127.0.1",
        "127.0.0.256", "127.000.0.1", "0127.0.0.1", " 127.0.0.1", "128.0.0.1", "10.0.0.1", "0.0.0.0", "::", "[::]", "::2",
        "[::2]", "::ffff:10.0.0.1", "::1%lo", "[::1", "example.okta.com", "127.0.0.1:8080",
    ])
    func notLoopback(host: String) {
        #expect(!LoopbackRule.isLoopbackHost(host))
    }

    @Test("peer addresses as a server reports them", arguments: [
        ("127.0.0.1:5000", true), ("[::1]:5000", true), ("[::ffff:127.0.0.1]:80", true), ("::1", true), ("127.0.0.1", true),
        ("10.1.2.3:5000", false), ("[::2]:5000", false), ("[::ffff:10.0.0.1]:80", false), ("0.0.0.0:80", false),
        ("localhost.:80", false),
    ])
    func peer(address: String, loopback: Bool) {
        #expect(LoopbackRule.isLoopbackPeer(address) == loopback)
    }

    @Test("URLs that may carry a credential", arguments: [
        "https://acme.okta.com", "https://acme.okta.com:8443/path?q=1", "HTTPS://ACME.OKTA.COM", "http://127.0.0.1:8080",
        "http://localhost", "HTTP://LOCALHOST:1", "http://[::1]:8080/hook", "http://127.9.8.7", "https://10.0.0.1",
    ])
    func allowed(url: String) throws {
        #expect(LoopbackRule.check(try #require(URL(string: url))) == nil)
    }

    @Test("URLs refused, and why", arguments: [
        ("http://example.okta.com", LoopbackRule.Violation.plainHTTPToRemote(host: "example.okta.com")),
        ("http://localhost.:8080", .plainHTTPToRemote(host: "localhost.")),
        ("http://127.0.0.1.evil.example", .plainHTTPToRemote(host: "127.0.0.1.evil.example")),
        ("http://0.0.0.0:8080", .plainHTTPToRemote(host: "0.0.0.0")),
        ("http://10.0.0.1:8080", .plainHTTPToRemote(host: "10.0.0.1")),
        ("https://user:secret@acme.okta.com", .userInfo),
        ("http://127.0.0.1@evil.example", .userInfo),
        ("http://user@127.0.0.1", .userInfo),
        ("ftp://example.okta.com", .unsupportedScheme("ftp")),
        ("FTP://example.okta.com", .unsupportedScheme("ftp")),
        ("file:///tmp/okta", .notAbsolute),
        ("acme.okta.com", .notAbsolute),
        ("/relative/path", .notAbsolute),
    ])
    func refused(url: String, violation: LoopbackRule.Violation) throws {
        #expect(LoopbackRule.check(try #require(URL(string: url))) == violation)
    }
}
