import Testing
@testable import Host

/// The host library without the emulator wired in (this test target links Host but not EmbeddedEmulator,
/// and nothing here installs a starter): an embedded org fails with an error that says why.
@Suite struct InProcessOktaLauncherTests {
    @Test func withoutAnInstalledEmulatorAnEmbeddedOrgFailsClearly() {
        let org = InProcessOrg(name: "acme", tokens: ["t"], identitySources: ["0oa1"], cooldownSeconds: 10,
                               processingDelayMs: 20)
        let error = #expect(throws: EmbeddedOrgError.self) { _ = try InProcessOktaLauncher.start(org) }
        #expect(error?.description.contains("org 'acme' is embedded") == true)
        #expect(error?.description.contains("without the emulator") == true)
    }
}
