/// Estimates the time left in a run from what remains of its plan and Okta's rules: at most
/// `maxRequestsPerSession` bulk requests per import session, a new session only `cooldownSeconds` after
/// the last trigger, each trigger followed by the import itself (`importSeconds`, observed), and each
/// request taking `secondsPerRequest` (observed, or what the org's rate budget allows).
///
/// A pure function of its inputs, replayed session by session (``secondsLeft(now:)``).
public struct EtaModel: Sendable, Equatable {
    public var requestsLeft: Int
    /// Requests already sent in the open (not yet triggered) session; 0 when none is open.
    public var requestsInOpenSession = 0
    public var sessionOpen = false
    public var maxRequestsPerSession = 50
    public var cooldownSeconds: Double
    /// When this source last triggered an import (Unix time), if ever.
    public var lastTriggerAt: Double?
    /// Set while waiting for a triggered session to complete: when it was triggered.
    public var waitingSince: Double?
    public var secondsPerRequest: Double
    public var importSeconds: Double

    public init(requestsLeft: Int, cooldownSeconds: Double, secondsPerRequest: Double, importSeconds: Double) {
        self.requestsLeft = requestsLeft
        self.cooldownSeconds = cooldownSeconds
        self.secondsPerRequest = secondsPerRequest
        self.importSeconds = importSeconds
    }

    /// Seconds from `now` until the last session of the plan has completed.
    public func secondsLeft(now: Double) -> Double {
        var clock = now
        var lastTrigger = lastTriggerAt
        var open = sessionOpen
        var inSession = sessionOpen ? requestsInOpenSession : 0
        if let since = waitingSince {
            // The triggered session completes after its import; nothing else can happen meanwhile.
            clock += max(0, importSeconds - (now - since))
            open = false
        }
        var left = max(0, requestsLeft)
        while left > 0 {
            if !open {
                if let last = lastTrigger { clock = max(clock, last + cooldownSeconds) }
                open = true
                inSession = 0
            }
            let n = min(left, max(1, maxRequestsPerSession - inSession))
            clock += Double(n) * secondsPerRequest
            left -= n
            inSession += n
            if left > 0 {
                lastTrigger = clock
                clock += importSeconds
                open = false
            }
        }
        if open && inSession > 0 { clock += importSeconds }
        return clock - now
    }
}
