import Emulator
import Foundation
import HTTPServer
import Synchronization
@testable import Host

/// A virtual clock: `sleep(until:)` jumps time forward instead of waiting, and tells `onAdvance` how far
/// (to move an emulator's manual clock in step).
final class VirtualClock: RateLimitClock {
    private let time: Mutex<Double>
    private let onAdvance: @Sendable (Double) -> Void
    private let idle: @Sendable () -> Bool

    /// `idle`: time moves only when it holds (e.g. no granted request is still on its way to the emulator,
    /// which would otherwise arrive a virtual minute late).
    init(start: Double = 1_767_225_600, idle: @escaping @Sendable () -> Bool = { true },
         onAdvance: @escaping @Sendable (Double) -> Void = { _ in }) {
        time = Mutex(start)
        self.idle = idle
        self.onAdvance = onAdvance
    }

    func now() -> Double { time.withLock { $0 } }

    func sleep(until deadline: Double) async {
        for _ in 0..<200_000 where !idle() { try? await Task.sleep(nanoseconds: 50_000) }
        let delta = time.withLock { t -> Double in
            let d = max(0, deadline - t)
            t += d
            return d
        }
        if delta > 0 { onAdvance(delta) }
        await Task.yield()
    }

    /// Moves time forward (used by sleepers that are not the limiter's, e.g. the client's 429 back-off).
    func advance(_ seconds: Double) async { await sleep(until: now() + seconds) }
}

/// A clock whose sleeps block until ``open(at:)``; afterwards sleeps jump like ``VirtualClock``.
final class GatedClock: RateLimitClock {
    private struct State {
        var now: Double
        var open = false
        var sleepers: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(start: Double) { state = Mutex(State(now: start)) }

    func now() -> Double { state.withLock { $0.now } }

    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Double) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.open { s.now = max(s.now, deadline); return true }
                s.sleepers.append(c)
                return false
            }
            if go { c.resume() }
        }
    }

    /// Sets the time and releases every sleeper.
    func open(at time: Double) {
        let sleepers = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            s.now = max(s.now, time)
            defer { s.sleepers = [] }
            return s.sleepers
        }
        for c in sleepers { c.resume() }
    }
}

/// Wraps a store and records every grant (the second of its bucket, and the caller's task-locals) at the
/// moment it is made, so tests see the true order and time of permits.
final class RecordingStore: RateLimitBudgetStore {
    struct Grant: Sendable, Equatable {
        var second: Int
        var source: String?
        var priority: RateLimitPriority
    }
    let inner: any RateLimitBudgetStore
    private let log: Mutex<[Grant]>
    private let onGrant: @Sendable () -> Void

    init(_ inner: any RateLimitBudgetStore, onGrant: @escaping @Sendable () -> Void = {}) {
        self.inner = inner
        self.log = Mutex([])
        self.onGrant = onGrant
    }

    var grants: [Grant] { log.withLock { $0 } }

    func update<T>(_ body: (inout RateLimitBudget) -> T) -> T {
        let source = RateLimitContext.source, priority = RateLimitContext.priority
        return inner.update { budget in
            let before = budget.grants
            let result = body(&budget)
            if let changed = budget.grants.first(where: { b in (before.first { $0.second == b.second }?.count ?? 0) < b.count }) {
                log.withLock { $0.append(Grant(second: changed.second, source: source, priority: priority)) }
                onGrant()
            }
            return result
        }
    }
}

/// An ``HTTPTransport`` that hands requests straight to an in-process emulator (no sockets).
struct EmulatorTransport: HTTPTransport {
    let emulator: Emulator

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        var target = request.url.path
        if let q = request.url.query { target += "?" + q }
        let response = emulator.handle(HTTPRequest(
            method: request.method, target: target,
            headers: HTTPHeaders(request.headers.map { (name: $0.0, value: $0.1) }), body: request.body ?? []))
        return TransportResponse(status: response.status, headers: response.headers.fields.map { ($0.name, $0.value) },
                                 body: response.body)
    }
}

enum RateLimitCheck {
    /// The largest number of grants whose buckets lie within any `span` consecutive seconds.
    static func maxInAnyWindow(_ seconds: [Int], span: Int) -> Int {
        let sorted = seconds.sorted()
        var best = 0, lo = 0
        for hi in sorted.indices {
            while sorted[hi] - sorted[lo] >= span { lo += 1 }
            best = max(best, hi - lo + 1)
        }
        return best
    }
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let value = Mutex(0)
    var current: Int { value.withLock { $0 } }
    func add(_ n: Int) { value.withLock { $0 += n } }
}

/// Passes permits and responses to a limiter and counts requests granted but not yet answered
/// (the grant itself is counted by a ``RecordingStore``, at the moment it is made).
final class InFlightObserver: RateLimitObserver {
    let inner: OrgRateLimiter
    let inFlight: Counter

    init(_ inner: OrgRateLimiter, inFlight: Counter) {
        self.inner = inner
        self.inFlight = inFlight
    }

    func waitForPermit() async { await inner.waitForPermit() }

    func observe(_ snapshot: RateLimitSnapshot) {
        inner.observe(snapshot)
        inFlight.add(-1)
    }
}
