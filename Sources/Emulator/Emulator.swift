import Dispatch
import Foundation
import HTTPServer
import Synchronization

/// Everything mutable in the emulator. Lives inside ``Emulator``'s `Mutex`.
struct EmulatorState: @unchecked Sendable {  // unchecked: `store` holds a SQLite handle; only used under the Mutex
    var clock: EmulatorClock
    var orgs: [String: OrgState] = [:]
    var tokens: [String: (org: String, scopes: [String]?)] = [:]
    /// Access tokens issued by `/oauth2/v1/token`, used `jti`s, the DPoP nonce.
    var oauth = OAuthState()
    var names = AttributeNames()
    var ids: SeededRandom
    var store: EmulatorStore?
    var running = true
    /// Set by a reset: the next flush empties the state file first.
    var resetStore = false
}

/// The Okta Identity Sources ("XaaS") emulator as an ``HTTPHandler``: every org of its configuration, the session
/// state machine, limits, error bodies, rate limits, asynchronous sequential processing, a Universal Directory
/// model, fault injection, an injectable clock and the inspection API under `/emulator/v1/…`.
///
/// Threading: `handle(_:)` may be called from any number of threads; all state sits behind one `Mutex`.
/// A background thread completes triggered sessions; ``shutdown()`` stops it and flushes the state file.
public final class Emulator: HTTPHandler, Sendable {
    /// Marks an injected dropped connection (value `1`). Such a response also has
    /// ``HTTPResponse/dropsConnection`` set, so ``HTTPServer`` closes the socket without answering; only
    /// in-process callers see the 503 it carries.
    public static let dropHeader = "X-Emulator-Drop"

    public let configuration: EmulatorConfiguration
    let state: Mutex<EmulatorState>
    private let wake = DispatchSemaphore(value: 0)
    private let workerDone = DispatchSemaphore(value: 0)

    /// Builds the emulator; with `statePath`, the directory and sessions persist in that SQLite file
    /// (created when missing, loaded when present).
    public init(configuration: EmulatorConfiguration, statePath: String? = nil) throws {
        self.configuration = configuration
        let clock = EmulatorClock(manual: configuration.manualClock, start: configuration.startTime,
                                  skew: configuration.clockSkewSeconds)
        var s = EmulatorState(clock: clock, ids: SeededRandom(seed: configuration.seed ^ 0x5EED))
        for org in configuration.orgs {
            s.orgs[org.name] = OrgState(config: org, seed: configuration.seed)
            for token in org.tokenScopes { s.tokens[token.value] = (org.name, token.scopes) }
        }
        if let statePath {
            let store = try EmulatorStore(path: statePath)
            try store.load(into: &s)
            s.store = store
        }
        state = Mutex(s)
        let wake = self.wake, done = self.workerDone
        // The worker holds the emulator weakly, so dropping the last reference ends it.
        let worker = Thread { [weak self] in
            var lastFlush = Date()
            while true {
                let wait: Double? = self?.workerStep(lastFlush: &lastFlush)
                guard let wait else { break }
                _ = wake.wait(timeout: .now() + .milliseconds(Int(wait * 1000)))
            }
            done.signal()
        }
        worker.name = "xaas-emulator-processing"
        worker.start()
    }

    deinit {
        stop(waitForWorker: false)
    }

    /// Answers one request (thread-safe).
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        if path.hasPrefix("/emulator/v1/") || path == "/emulator/v1" {
            return handleInspection(request)
        }
        if path == "/oauth2/v1/token" { return handleToken(request) }
        return handleOkta(request)
    }

    /// Stops background processing and flushes the state file. Safe to call more than once.
    public func shutdown() {
        stop(waitForWorker: true)
    }

    private func stop(waitForWorker: Bool) {
        let wasRunning = state.withLock { s -> Bool in
            let was = s.running
            s.running = false
            return was
        }
        guard wasRunning else { return }
        wake.signal()
        if waitForWorker { workerDone.wait() }
        state.withLock { s in
            s.flush()
            s.store = nil  // closes the state file
        }
    }

    /// Completes every triggered session whose processing time has come (normally done by the background
    /// thread; tests call it to avoid waiting).
    public func processDueSessions() {
        _ = state.withLock { s in s.processDue() }
    }

    /// Wakes the worker (after a trigger or a clock change).
    func wakeWorker() { wake.signal() }

    /// One round of the worker: processes due sessions, flushes about once a second, and returns how long to
    /// sleep (nil once stopped). The manual clock moves only on advance, which wakes the worker.
    private func workerStep(lastFlush: inout Date) -> Double? {
        let (running, nextDue, manual) = state.withLock { s -> (Bool, Double?, Bool) in
            guard s.running else { return (false, nil, s.clock.manual) }
            return (true, s.processDue(), s.clock.manual)
        }
        guard running else { return nil }
        if Date().timeIntervalSince(lastFlush) >= 1 {
            state.withLock { s in s.flush() }
            lastFlush = Date()
        }
        guard let nextDue, !manual else { return 1.0 }
        return max(0.001, min(1.0, nextDue - Date().timeIntervalSince1970))
    }
}

extension EmulatorState {
    /// Processes every due session of every org; returns the earliest time another becomes due.
    mutating func processDue() -> Double? {
        let now = clock.now
        var earliest: Double?
        for name in Array(orgs.keys) {
            guard var org = orgs.removeValue(forKey: name) else { continue }
            org.expireSessions(now: now)
            if let due = org.processDue(now: now, names: &names, ids: &ids) {
                earliest = min(earliest ?? due, due)
            }
            orgs[name] = org
        }
        return earliest
    }

    /// Writes changed entries to the state file, if any (errors go to stderr: the emulator keeps serving).
    mutating func flush() {
        guard let store else {
            // No state file: drop the change tracking so it does not grow without bound.
            for name in Array(orgs.keys) {
                orgs[name]!.dirtySessions = []
                for source in Array(orgs[name]!.directories.keys) {
                    orgs[name]!.directories[source]!.dirtyUsers = []
                    orgs[name]!.directories[source]!.dirtyGroups = []
                }
            }
            return
        }
        do {
            try store.flush(&self)
        } catch {
            FileHandle.standardError.write(Data("xaas emulator: cannot write the state file: \(error)\n".utf8))
        }
    }
}
