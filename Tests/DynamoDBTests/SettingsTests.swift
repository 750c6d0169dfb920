import Foundation
import PluginAPI
import Testing
import TestSupport

/// Settings validation: every problem is `CONFIG`, names the setting, and never shows a secret.
@Suite struct SettingsTests {
    static func openError(_ settings: String) -> ConnectorHarness.CallError? {
        do { _ = try ConnectorHarness(settings: settings); return nil } catch let e as ConnectorHarness.CallError { return e } catch {
            return ConnectorHarness.CallError(status: -1, message: "\(error)")
        }
    }

    @Test(arguments: [
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "tabel": 1}"#, "settings.tabel"),
        (#"{"table": "T", "region": "eu-west-1"}"#, "settings.externalId"),
        (#"{"region": "eu-west-1", "externalId": "id"}"#, "settings.table"),
        (#"{"mode": "sql", "externalId": "id"}"#, "settings.mode"),
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "endpoint": "http://dynamodb.example.com"}"#, "http:// is refused"),
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "endpoint": "https://u:p@example.com"}"#, "user info"),
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "segments": 0}"#, "settings.segments"),
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "pagingParameter": "k"}"#, "settings.pagingParameter applies only"),
        (#"{"mode": "http", "endpoint": "https://x.example.com/items", "externalId": "id", "table": "T"}"#, "settings.table applies only"),
        (#"{"mode": "http", "externalId": "id"}"#, "settings.endpoint"),
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "secretAccessKey": "inline-secret-123"}"#, "settings.secretAccessKey"),
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "secretAccessKey": {"value": "inline-secret-123"}}"#, "settings.secretAccessKey.value"),
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "status": {"attribute": "active", "x": 1}}"#, "settings.status.x"),
        (#"{"table": "T", "region": "eu-west-1", "externalId": "id", "expressionAttributeValues": {":a": {"Q": "1"}}}"#, "expressionAttributeValues.:a"),
    ])
    func invalidSettingsAreConfigErrors(_ settings: String, _ fragment: String) throws {
        let error = try #require(Self.openError(settings))
        #expect(error.status == XAAS_CONFIG)
        #expect(error.message.contains(fragment), "\(error.message)")
        #expect(!error.message.contains("inline-secret-123"))
    }

    @Test func validSettingsOpenWithoutNetwork() throws {
        #expect(Self.openError(##"{"table": "T", "region": "eu-west-1", "externalId": "id", "segments": 4, "pageSize": 100, "indexName": "byEmail", "filterExpression": "#a = :t", "expressionAttributeNames": {"#a": "active"}, "expressionAttributeValues": {":t": {"BOOL": true}}, "accessKeyId": {"env": "X_NOT_SET"}, "secretAccessKey": {"file": "/nonexistent"}}"##) == nil)
        #expect(Self.openError(#"{"mode": "http", "endpoint": "http://localhost:9/items", "externalId": "id", "pagingParameter": "start", "authHeader": {"name": "x-api-key", "value": {"env": "K"}}}"#) == nil)
    }

    @Test func missingCredentialsNameTheSourceNotTheValue() throws {
        let harness = try ConnectorHarness(settings: #"{"endpoint": "http://127.0.0.1:9", "table": "T", "region": "eu-west-1", "externalId": "id", "accessKeyId": {"env": "XAAS_TEST_UNSET_VARIABLE"}, "secretAccessKey": {"file": "/nonexistent/secret"}}"#)
        let error = try #require(throws: ConnectorHarness.CallError.self) { try harness.check() }
        #expect(error.status == XAAS_CONFIG)
        #expect(error.message.contains("XAAS_TEST_UNSET_VARIABLE") && error.message.contains("settings.accessKeyId"))
    }

    @Test func secretFilesReadableByOthersAreRefused() throws {
        let dir = try TestSupport.makeTemporaryDirectory("ddb-secret")
        let file = dir.appendingPathComponent("secret")
        try "super-secret-value".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o644)
        let harness = try ConnectorHarness(settings: #"{"endpoint": "http://127.0.0.1:9", "table": "T", "region": "eu-west-1", "externalId": "id", "accessKeyId": {"file": "\#(file.path)"}, "secretAccessKey": {"file": "\#(file.path)"}}"#)
        let error = try #require(throws: ConnectorHarness.CallError.self) { try harness.check() }
        #expect(error.status == XAAS_CONFIG && error.message.contains("chmod 600"))
        #expect(!error.message.contains("super-secret-value"))
    }

    @Test func unreachableEndpointIsTransientAfterRetries() throws {
        // Port 9 (discard) on loopback is closed in the test environment: connection refused.
        let harness = try ConnectorHarness(settings: #"{"mode": "http", "endpoint": "http://127.0.0.1:9/items", "externalId": "id", "maxAttempts": 2}"#)
        let error = try #require(throws: ConnectorHarness.CallError.self) { _ = try harness.readAll() }
        #expect(error.status == XAAS_TRANSIENT, "\(error)")
    }
}
