import Foundation

/// The emulator's configuration: the orgs it serves, the clock and the fault seed (the `--config` JSON).
///
/// ```json
/// {"orgs":[{"name":"acme","tokens":["t1"],"identitySources":["0oa1"],"rateLimit":{"perMinute":600},
///   "cooldownSeconds":300,"processingDelayMs":50,"faults":{"error500":0.01}}],
///  "clock":"system","seed":1}
/// ```
/// Every key is optional except `orgs[].name`; unknown keys are errors (they are usually typos).
/// `docs/emulator.md` lists every setting.
public struct EmulatorConfiguration: Sendable {
    public var orgs: [Org]
    /// `"clock": "manual"`: time moves only through `POST /emulator/v1/clock/advance`.
    public var manualClock: Bool
    /// Seeds every random choice (IDs, faults) so a run reproduces.
    public var seed: UInt64
    /// Where the manual clock starts (epoch seconds); the system clock ignores it.
    public var startTime: Double
    /// `"clockSkewSeconds"`: how far the emulated Okta's clock is ahead of this host's (negative: behind).
    /// Moves the system clock and the time client assertions and DPoP proofs are checked against, so a
    /// test can show what a host with a wrong clock sees.
    public var clockSkewSeconds: Double = 0

    public init(orgs: [Org], manualClock: Bool = false, seed: UInt64 = 1, startTime: Double = 1_767_225_600) {
        self.orgs = orgs
        self.manualClock = manualClock
        self.seed = seed
        self.startTime = startTime
    }

    /// How the first session gate ("5-minute rule") is read (reference §12 #2).
    public enum SessionGate: String, Sendable {
        /// Only one `CREATED`/`IN_PROGRESS` session per source; no cool-down.
        case activeOnly
        /// Also no new session within `cooldownSeconds` of the last trigger, whatever its state now.
        case sinceTrigger
        /// Also no new session within `cooldownSeconds` of the last trigger while that session is still `TRIGGERED`.
        case both
    }

    /// Fault injection for one org. Probabilities are per Okta API request (0…1), drawn from the seeded generator.
    public struct Faults: Sendable, Equatable {
        /// Probability of a 500 E0000009 answer.
        public var error500: Double = 0
        /// Probability of a 503 answer.
        public var error503: Double = 0
        /// Probability that a 429 storm starts; a storm answers the next `stormLength` requests with 429.
        public var storm429: Double = 0
        public var stormLength: Int = 3
        /// Probability of a dropped connection (`X-Emulator-Drop: 1`; see ``Emulator/dropHeader``).
        public var drop: Double = 0
        /// Probability that a successful request is applied but its answer lost (503 or a dropped connection).
        public var appliedLost: Double = 0
        /// Probability that a triggered session ends in `ERROR` (its data is discarded).
        public var sessionError: Double = 0
        /// Added latency for every Okta API request, in milliseconds.
        public var latencyMs: Int = 0
        /// Added latency per endpoint key (as in the stats' `byEndpoint`, e.g. `"bulk-upsert"`).
        public var routeLatencyMs: [String: Int] = [:]

        public init() {}
    }

    /// A token: its value and, for Bearer use, its scopes (nil = every scope).
    public struct Token: Sendable, Equatable {
        public var value: String
        public var scopes: [String]?
        public init(_ value: String, scopes: [String]? = nil) {
            self.value = value
            self.scopes = scopes
        }
    }

    /// One emulated Okta org.
    public struct Org: Sendable {
        public var name: String
        /// API tokens (SSWS or Bearer) of this org. A token belongs to exactly one org.
        public var tokens: [String] {
            get { tokenScopes.map(\.value) }
            set { tokenScopes = newValue.map { Token($0) } }
        }
        public var tokenScopes: [Token]
        /// OAuth service apps that may get access tokens at `/oauth2/v1/token`.
        public var serviceApps: [ServiceApp] = []
        /// Lifetime of issued access tokens (Okta: one hour).
        public var accessTokenSeconds: Double = 3600
        /// The resource server demands a server nonce in DPoP proofs: a call whose proof lacks the current
        /// one is answered 401 `use_dpop_nonce` with a `DPoP-Nonce` header (RFC 9449 §9), as Okta may do.
        public var resourceDPoPNonce = false
        /// Seconds (emulator clock) after which the resource server's nonce changes; 0 = never.
        public var resourceDPoPNonceSeconds: Double = 0
        /// The identity source (app instance) IDs of this org.
        public var identitySources: [String]
        /// Requests per minute for the org (nil = unlimited; headers still sent with a large limit).
        public var rateLimitPerMinute: Int?
        /// The "5-minute rule" length.
        public var cooldownSeconds: Double = 300
        public var sessionGate: SessionGate = .both
        /// Time from trigger (or from the previous session's completion) to completion, in emulated ms.
        public var processingDelayMs: Int = 50
        /// Inactivity after which a `CREATED`/`IN_PROGRESS` session becomes `EXPIRED`.
        public var expirySeconds: Double = 86400
        public var faults = Faults()
        // Limits (reference §6, §12 #1).
        public var maxItems = 200
        public var maxBytes = 200 * 1024
        public var maxRequestsPerSession = 50
        public var limitErrorStatus = 400
        // Unconfirmed points (reference §12).
        public var unknownSessionStatus = 400
        public var allowTriggerFromCreated = false
        /// `true`: a non-string profile value fails the upload (400); `false`: the import ends in ERROR.
        public var rejectNonStringAtUpload = true
        public var requiredOnCreate = ["email", "userName"]
        /// `true`: a new user missing a required field makes the session end in ERROR; `false`: skipped, counted as failed.
        public var missingRequiredFailsSession = false
        public var entityTypeErrorCode = "E0000001"
        public var createSessionStatus = 201
        public var deleteEntityStatus = 200
        public var listSessionsIncludesInactive = false
        /// `true`: the same externalId twice in one session fails the upload; `false`: last write wins.
        public var rejectDuplicates = false
        public var sessionGateErrorSummary =
            "Only one active import session per identity source may be created every 5 minutes."

        public init(name: String, tokens: [String], identitySources: [String], rateLimitPerMinute: Int? = nil) {
            self.name = name
            self.tokenScopes = tokens.map { Token($0) }
            self.identitySources = identitySources
            self.rateLimitPerMinute = rateLimitPerMinute
        }
    }

    /// The demo org: `demo`, token `demo-token`, identity source `0oademo000000000001`, system clock.
    public static func demo() -> EmulatorConfiguration {
        EmulatorConfiguration(orgs: [Org(name: "demo", tokens: ["demo-token"], identitySources: ["0oademo000000000001"])])
    }

    /// Reads and parses a configuration file; errors name the file and the JSON path.
    public static func load(path: String) throws -> EmulatorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EmulatorConfigurationError(path: path, location: "", message: "cannot read the file")
        }
        do {
            return try parse(data: data)
        } catch var error as EmulatorConfigurationError {
            error.path = path
            throw error
        }
    }

    /// Parses configuration JSON text; errors name the JSON path (e.g. `orgs[0].rateLimit.perMinute`).
    public static func parse(json: String) throws -> EmulatorConfiguration {
        try parse(data: Data(json.utf8))
    }

    static func parse(data: Data) throws -> EmulatorConfiguration {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw EmulatorConfigurationError(location: "", message: "not valid JSON (\(error.localizedDescription))")
        }
        return try EmulatorConfigReader(root: root).read()
    }
}

/// A configuration error: the file (when loaded from one), the JSON path and what is wrong.
public struct EmulatorConfigurationError: Error, CustomStringConvertible, Sendable {
    public var path: String = ""
    public var location: String
    public var message: String

    public var description: String {
        let file = path.isEmpty ? "emulator configuration" : path
        return location.isEmpty ? "\(file): \(message)" : "\(file): \(location): \(message)"
    }
}
