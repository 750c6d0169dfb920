import Testing
@testable import Host

/// The host library without the emulator wired in: an embedded org fails with an error that says why. (The
/// starter is passed as nil rather than left uninstalled: `swift test` runs every target in one process, and
/// other targets install the emulator.)
@Suite struct InProcessOktaLauncherTests {
    @Test func withoutAnInstalledEmulatorAnEmbeddedOrgFailsClearly() {
        let org = InProcessOrg(name: "acme", tokens: ["t"], identitySources: ["0oa1"], cooldownSeconds: 10,
                               processingDelayMs: 20)
        let error = #expect(throws: EmbeddedOrgError.self) { _ = try InProcessOktaLauncher.start(org, with: nil) }
        #expect(error?.description.contains("org 'acme' is embedded") == true)
        #expect(error?.description.contains("without the emulator") == true)
    }
}
