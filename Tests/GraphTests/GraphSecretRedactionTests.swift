import Foundation
import Host
import HTTPServer
import Testing
import TestSupport

/// Defect #14.1: the Graph connector redacted its raw client secret but not the form-encoded copy a token
/// endpoint echoes (`client_secret=S3cr%2Bt%2FKey%3DVal%26Z9`). The host now redacts every form of every
/// secret the settings resolve, from every error, note and log line a plugin hands it.
@Suite struct GraphSecretRedactionTests {
    static let variable = "XAAS_TEST_GRAPH_FORM_SECRET"
    static let secret = "S3cr+t/Key=Val&Z9"

    @Test func formEncodedClientSecretEchoedByTheTokenEndpointIsRedacted() throws {
        setenv(Self.variable, Self.secret, 1)
        let server = HTTPServer(handler: ClosureHandler { request in
            let body = String(decoding: request.body, as: UTF8.self)
            return .json(400, #"{"error":"invalid_client","error_description":"bad request body: \#(body)"}"#)
        })
        let port = try server.start()
        defer { server.stop() }
        let origin = "http://127.0.0.1:\(port)"
        let settings = """
            {"baseUrl": "\(origin)/v1.0", "auth": {"type": "clientCredentials", "tokenUrl": "\(origin)/tenant/oauth2/v2.0/token",
             "clientId": "app-1", "clientSecret": {"env": "\(Self.variable)"}, "scope": "https://graph.microsoft.com/.default"}}
            """
        let instance = try PluginInstance(plugin: try GraphHarness.plugin.get(), settingsJSON: settings)
        let message: String
        do {
            _ = try instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 10)
            Issue.record("the token request should fail")
            return
        } catch {
            message = "\(error)"
        }
        #expect(message.contains("client_secret=<redacted settings.auth.clientSecret>"), "\(message)")
        #expect(!message.contains("S3cr%2Bt%2FKey%3DVal%26Z9") && !message.contains(Self.secret), "\(message)")
    }
}
