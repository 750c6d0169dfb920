import Host

/// What the `xaas` executable adds to the host library from the emulator: embedded orgs and `xaas bench`
/// get the real emulator in-process (``install()``), and the `xaas emulator` command (``commands``).
/// The host library itself never links the emulator; it knows it only through ``InProcessOkta``.
public enum EmbeddedEmulator {
    /// Makes the emulator the host's in-process Okta. Call once at startup (idempotent).
    public static func install() {
        InProcessOktaLauncher.install { org in try EmulatorOnLoopback(org: org) }
    }

    /// `xaas emulator`.
    public static var commands: [CommandLineTool.Command] { CommandLineTool.emulatorCommands }
}
