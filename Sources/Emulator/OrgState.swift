/// Request counters of one org (the inspection API's `stats`).
struct OrgStats: Sendable {
    var requests = 0
    var bulkRequests = 0
    var sessionsCreated = 0
    var rateLimited = 0
    var faultsInjected = 0
    /// `use_dpop_nonce` challenges the resource server sent (``EmulatorConfiguration/Org/resourceDPoPNonce``).
    var dpopNonceChallenges = 0
    var byEndpoint: [String: Int] = [:]
    /// Requests per emulated minute (epoch minute → count).
    var perMinute: [Int: Int] = [:]

    var json: [String: Any] {
        let minutes = perMinute.keys.sorted().map { m -> [String: Any] in
            ["minute": OktaTime.iso(Double(m) * 60), "requests": perMinute[m] ?? 0]
        }
        return ["requests": requests, "bulkRequests": bulkRequests, "sessionsCreated": sessionsCreated,
                "rateLimited": rateLimited, "faultsInjected": faultsInjected,
                "dpopNonceChallenges": dpopNonceChallenges, "byEndpoint": byEndpoint,
                "requestsPerMinute": minutes]
    }
}

/// A forced answer queued through `POST /emulator/v1/orgs/{org}/next-response`.
struct ForcedResponse: Sendable {
    var status: Int
    var body: [UInt8]
    var remaining: Int
}

/// Everything the emulator knows about one org. Guarded by the emulator's state lock.
struct OrgState: Sendable {
    let config: EmulatorConfiguration.Org
    var directories: [String: SourceDirectory] = [:]
    var sessions: [String: EmulatorSession] = [:]
    /// Session IDs in creation order.
    var sessionOrder: [String] = []
    /// Per source: triggered sessions waiting for processing, in trigger order.
    var queues: [String: [String]] = [:]
    /// Per source: when the previous session finished processing (sequential processing).
    var lastFinished: [String: Double] = [:]
    /// Per source: the last triggered session and when.
    var lastTrigger: [String: (session: String, at: Double)] = [:]
    /// The current rate-limit window: start (epoch s) and requests counted.
    var windowStart: Double = -1
    var windowCount = 0
    /// Requests left in a 429 storm.
    var stormRemaining = 0
    var faultRandom: SeededRandom
    var stats = OrgStats()
    var forced: [ForcedResponse] = []
    /// Sessions changed since the last flush to the state file.
    var dirtySessions: Set<String> = []

    init(config: EmulatorConfiguration.Org, seed: UInt64) {
        self.config = config
        self.faultRandom = SeededRandom(seed: seed ^ SeededRandom.hash(config.name))
        for source in config.identitySources { directories[source] = SourceDirectory(source: source) }
    }

    /// The rate-limit ceiling sent in headers (a large number when unlimited).
    var limit: Int { config.rateLimitPerMinute ?? 1_000_000 }

    /// Counts a request in the rolling window; returns (allowed, remaining, reset epoch seconds).
    mutating func countRequest(now: Double) -> (allowed: Bool, remaining: Int, reset: Int) {
        if windowStart < 0 || now >= windowStart + 60 {
            windowStart = now
            windowCount = 0
        }
        let reset = Int((windowStart + 60).rounded(.up))
        if windowCount >= limit { return (false, 0, reset) }
        windowCount += 1
        return (true, limit - windowCount, reset)
    }

    /// Moves idle open sessions past the expiry to `EXPIRED`.
    mutating func expireSessions(now: Double) {
        for id in sessionOrder {
            guard var s = sessions[id], s.status.isOpen, now - s.lastActivity >= config.expirySeconds else { continue }
            s.status = .expired
            s.lastUpdated = s.lastActivity + config.expirySeconds
            s.operations = []
            sessions[id] = s
            dirtySessions.insert(id)
        }
    }

    /// The open (`CREATED`/`IN_PROGRESS`) session of a source, if any.
    func openSession(source: String) -> EmulatorSession? {
        sessionOrder.lazy.compactMap { sessions[$0] }.first { $0.source == source && $0.status.isOpen }
    }
}
