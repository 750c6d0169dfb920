import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The emulator's notion of now: the system clock (plus a configured skew), or a manual clock that moves
/// only when told. Not thread-safe on its own: the emulator reads and advances it under its state lock.
struct EmulatorClock: Sendable {
    let manual: Bool
    /// The manual clock's current time (epoch seconds); unused by the system clock.
    var manualNow: Double
    /// How far the emulated Okta's wall clock is ahead of this host's (negative: behind).
    let skew: Double

    init(manual: Bool, start: Double, skew: Double = 0) {
        self.manual = manual
        self.manualNow = start
        self.skew = skew
    }

    /// Now, in epoch seconds.
    var now: Double { manual ? manualNow : wallNow }

    /// The emulated Okta's wall clock (the host's plus ``skew``), even under the manual clock: client
    /// assertions and DPoP proofs carry the signer's real time and are checked against this.
    var wallNow: Double { Date().timeIntervalSince1970 + skew }

    /// Moves the manual clock forward (no effect on the system clock).
    mutating func advance(by seconds: Double) {
        if manual { manualNow += max(0, seconds) }
    }
}

/// Date text in the formats Okta uses (thread-safe: no shared formatter).
enum OktaTime {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func parts(_ seconds: Double) -> tm {
        var t = time_t(seconds.rounded(.down))
        var out = tm()
        gmtime_r(&t, &out)
        return out
    }

    private static func pad(_ n: Int32, _ width: Int = 2) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `2026-05-13T05:52:24.000Z` (second precision, as observed).
    static func iso(_ seconds: Double) -> String {
        let p = parts(seconds)
        return "\(pad(p.tm_year + 1900, 4))-\(pad(p.tm_mon + 1))-\(pad(p.tm_mday))T"
            + "\(pad(p.tm_hour)):\(pad(p.tm_min)):\(pad(p.tm_sec)).000Z"
    }

    /// RFC 1123, e.g. `Wed, 13 May 2026 05:52:24 GMT` (the `Date` header).
    static func http(_ seconds: Double) -> String {
        let p = parts(seconds)
        return "\(days[Int(p.tm_wday)]), \(pad(p.tm_mday)) \(months[Int(p.tm_mon)]) \(pad(p.tm_year + 1900, 4)) "
            + "\(pad(p.tm_hour)):\(pad(p.tm_min)):\(pad(p.tm_sec)) GMT"
    }
}

/// A small seeded generator (SplitMix64) so a run with the same seed makes the same IDs and faults.
struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The generator's state (persisted so IDs never repeat across restarts).
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// `true` with probability `p` (draws nothing when `p` is 0, so disabled faults do not shift the sequence).
    mutating func chance(_ p: Double) -> Bool { p > 0 && unit() < p }

    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// `prefix` followed by alphanumerics up to `length` characters (Okta IDs are 20: `aps…`, `0ua…`).
    mutating func oktaID(_ prefix: String, length: Int = 20) -> String {
        var s = prefix
        for _ in 0..<(length - prefix.count) { s.append(Self.alphabet[Int(next() % 62)]) }
        return s
    }

    /// A stable 64-bit hash of a string (FNV-1a), to derive per-org seeds.
    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
