import Foundation

/// The in-process Okta emulator behind an org whose `url` is `"embedded"` (started through
/// ``InProcessOktaLauncher``, so the host library does not link the emulator): it listens on a free loopback
/// port for the duration of the command, and its directory and sessions persist in
/// `<state>/embedded/<tenant>.sqlite`, so successive runs see the users earlier runs created.
///
/// The embedded org keeps every Okta rule (session states, limits, one open session) but shortens the
/// 5-minute rule to ``defaultCooldownSeconds`` so that trying xaas does not mean waiting five minutes.
public final class EmbeddedOkta: Sendable {
    public static let defaultCooldownSeconds: Double = 10

    private let emulator: any InProcessOkta
    public var baseURL: URL { emulator.baseURL }
    public let cooldownSeconds: Double
    public let statePath: String

    /// Starts the emulator for `tenant`, accepting `token`.
    public init(tenant: TenantConfig, token: String, stateDirectory: URL,
                cooldownSeconds: Double = EmbeddedOkta.defaultCooldownSeconds) throws {
        var seen = Set<String>()
        let sources = tenant.sources.map(\.identitySourceId).filter { seen.insert($0).inserted }
        var org = InProcessOrg(name: tenant.name, tokens: [token], identitySources: sources,
                               cooldownSeconds: cooldownSeconds, processingDelayMs: 20)
        let directory = stateDirectory.appendingPathComponent("embedded")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = directory.appendingPathComponent("\(tenant.name).sqlite").path
        org.statePath = path
        statePath = path
        emulator = try InProcessOktaLauncher.start(org)
        self.cooldownSeconds = cooldownSeconds
    }

    /// Stops serving and flushes the emulator's state.
    public func stop() {
        emulator.stop()
    }

    /// A random token for an embedded org that configures none (valid only for this process).
    public static func generatedToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
