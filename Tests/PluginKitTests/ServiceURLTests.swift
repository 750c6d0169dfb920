import PluginKit
import Testing

@Suite struct ServiceURLTests {
    @Test(arguments: ["https://graph.example.com/v1.0", "http://127.0.0.1:8080", "http://127.9.0.1", "http://localhost:1",
                      "http://[::1]:9000/x"])
    func accepted(_ text: String) throws {
        #expect(try ServiceURL.parse(text, setting: "settings.url", credentialsHint: "settings.auth").absoluteString == text)
    }

    @Test(arguments: [
        ("http://graph.example.com", "settings.url: plain http is only allowed to a loopback host"),
        ("http://127.0.0.1.evil.com", "http:// is refused for 127.0.0.1.evil.com"),
        ("https://user:secret@example.com", "must not contain user info or credentials; use settings.auth"),
        ("ftp://example.com", "unsupported scheme \"ftp\""),
        ("not a url", "is not an absolute URL"),
    ])
    func refused(_ text: String, _ message: String) {
        do {
            _ = try ServiceURL.parse(text, setting: "settings.url", credentialsHint: "settings.auth")
            Issue.record("\(text) was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect(!"\(error)".contains("secret"))
        }
    }
}
