import Foundation
import PluginAPI
import PluginKit
import Testing
import TestSupport

@Suite("PluginKit SecretSetting: {\"env\"}/{\"file\"} references")
struct SecretSettingTests {
    private func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as ConnectorError {
            #expect(error.status == XAAS_CONFIG)
            return error.message
        } catch { Issue.record("unexpected \(error)") }
        return nil
    }

    @Test func parsesReferencesAndNamesTheSetting() throws {
        let s = try Settings(json: #"{"a": {"env": "MY_VAR"}, "b": {"file": "/etc/secret"}}"#)
        #expect(try SecretSetting.parse(s, "a") == SecretSetting(.env("MY_VAR"), setting: "settings.a"))
        let b = try #require(try SecretSetting.parse(s, "b"))
        #expect(b.source == .file("/etc/secret") && b.setting == "settings.b")
        #expect(b.description == "file /etc/secret")
        #expect(try SecretSetting.parse(s, "absent") == nil)
        try s.rejectUnknownKeys()
    }

    @Test("invalid references are CONFIG errors naming the setting, never the value", arguments: [
        (#"{"k": "inline-secret-123"}"#, "settings.k: write a reference"),
        (#"{"k": {"value": "inline-secret-123"}}"#, "settings.k.value"),
        (#"{"k": {}}"#, "settings.k: expected"),
        (#"{"k": {"env": "A", "file": "/b"}}"#, "settings.k: expected"),
        (#"{"k": {"env": "NOT-A-NAME"}}"#, "settings.k.env"),
        (#"{"k": {"file": "relative/path"}}"#, "settings.k.file must be an absolute path"),
    ])
    func invalid(_ json: String, _ fragment: String) throws {
        let s = try Settings(json: json)
        let text = try #require(message { _ = try SecretSetting.parse(s, "k") })
        #expect(text.contains(fragment), "\(text)")
        #expect(!text.contains("inline-secret-123"))
    }

    @Test func requiredNamesTheMissingSetting() throws {
        let s = try Settings(json: #"{}"#)
        #expect(message { _ = try SecretSetting.required(s, "token") }?.contains("settings.token is required") == true)
    }

    @Test func resolvesEnvironmentVariables() throws {
        let path = try #require(ProcessInfo.processInfo.environment["PATH"])
        #expect(try SecretSetting(.env("PATH"), setting: "settings.p").resolve() == path)
        let text = message { _ = try SecretSetting(.env("XAAS_TEST_UNSET_VARIABLE"), setting: "settings.p").resolve() }
        #expect(text == "settings.p: environment variable XAAS_TEST_UNSET_VARIABLE is not set or empty")
    }

    @Test func resolvesFilesOnlyTheOwnerCanRead() throws {
        let dir = try TestSupport.makeTemporaryDirectory("secret-setting")
        let file = dir.appendingPathComponent("secret")
        try "super-secret-value\r\n".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o600)
        let secret = SecretSetting(.file(file.path), setting: "settings.s")
        #expect(try secret.resolve() == "super-secret-value")

        chmod(file.path, 0o640)
        let open = try #require(message { _ = try secret.resolve() })
        #expect(open.contains("settings.s") && open.contains("(mode 640); run: chmod 600 \(file.path)"))
        #expect(!open.contains("super-secret-value"))

        try "two\nlines\n".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o600)
        #expect(message { _ = try secret.resolve() }?.contains("must hold exactly one non-empty line") == true)

        let missing = SecretSetting(.file(dir.appendingPathComponent("nope").path), setting: "settings.s")
        #expect(message { _ = try missing.resolve() }?.contains("not found") == true)
        let directory = SecretSetting(.file(dir.path), setting: "settings.s")
        #expect(message { _ = try directory.resolve() }?.contains("is not a regular file") == true)
    }
}
