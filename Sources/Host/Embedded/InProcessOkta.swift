import Foundation
import Synchronization

/// One Okta org the host asks to be emulated inside its own process: an embedded org (`url: "embedded"`)
/// or the org of `xaas bench`. Only what the host needs to say; the emulator keeps every other Okta rule.
public struct InProcessOrg: Sendable {
    public var name: String
    /// The API tokens (SSWS) the org accepts.
    public var tokens: [String]
    public var identitySources: [String]
    /// Okta's 5-minute rule, in seconds (shortened for embedded orgs).
    public var cooldownSeconds: Double
    /// `true`: the cool-down counts from the previous trigger whatever that session's state (Okta's strict
    /// reading, used by the bench); `false`: the emulator's default reading.
    public var cooldownSinceTrigger = false
    /// Emulated processing time of one triggered session.
    public var processingDelayMs: Int
    /// The org's limit per minute for the Identity Sources API (`nil`: the emulator's default).
    public var rateLimitPerMinute: Int?
    /// `true`: the emulator's clock moves only through ``InProcessOkta/advanceClock(by:)``.
    public var manualClock = false
    /// The SQLite file the directory and sessions persist in (`nil`: memory only).
    public var statePath: String?

    public init(name: String, tokens: [String], identitySources: [String], cooldownSeconds: Double,
                processingDelayMs: Int) {
        self.name = name
        self.tokens = tokens
        self.identitySources = identitySources
        self.cooldownSeconds = cooldownSeconds
        self.processingDelayMs = processingDelayMs
    }
}

/// An emulated org serving on a loopback port in this process.
///
/// Threading: any thread may call; ``stop()`` once, when done.
public protocol InProcessOkta: AnyObject, Sendable {
    /// `http://127.0.0.1:PORT`.
    var baseURL: URL { get }
    /// The time the emulator's clock starts at (seconds since 1970; meaningful for a manual clock).
    var clockStart: Double { get }
    /// Moves a manual clock forward by `seconds` and processes the sessions that fall due before returning.
    func advanceClock(by seconds: Double)
    /// CPU time (seconds) the emulator has spent so far, serving requests and processing sessions (so
    /// `xaas bench` can tell the host's CPU from the emulator's in the same process).
    var cpuSeconds: Double { get }
    /// Stops serving and flushes the org's state file.
    func stop()
}

/// How the host starts an ``InProcessOkta``. The host library does not link the emulator: the `xaas`
/// executable installs a starter at startup (`EmbeddedEmulator.install()`), and so do tests that need one.
public enum InProcessOktaLauncher {
    /// Starts an emulated org on a free loopback port.
    public typealias Start = @Sendable (InProcessOrg) throws -> any InProcessOkta

    private static let installed = Mutex<Start?>(nil)

    /// Makes `start` the way this process starts emulated orgs (the last call wins).
    public static func install(_ start: @escaping Start) {
        installed.withLock { $0 = start }
    }

    /// Starts `org` with the installed starter; fails with a clear error when this build has none.
    static func start(_ org: InProcessOrg) throws -> any InProcessOkta {
        try start(org, with: installed.withLock { $0 })
    }

    /// Starts `org` with `starter`, or fails with a clear error when there is none.
    static func start(_ org: InProcessOrg, with starter: Start?) throws -> any InProcessOkta {
        guard let starter else { throw EmbeddedOrgError.noEmulator(org: org.name) }
        return try starter(org)
    }
}

/// An embedded org (or the bench's emulated org) could not be started.
public enum EmbeddedOrgError: Error, CustomStringConvertible, Sendable {
    case noEmulator(org: String)

    public var description: String {
        switch self {
        case .noEmulator(let org):
            "org '\(org)' is embedded, but this program was built without the emulator (use the xaas executable)"
        }
    }
}
