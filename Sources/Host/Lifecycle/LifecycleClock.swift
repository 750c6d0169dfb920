import Foundation
import Glibc

/// The clock lifecycle dates are compared with: the system clock, or — as a **testing aid** — one that
/// starts at `XAAS_NOW` (ISO 8601, e.g. `XAAS_NOW=2026-12-04T10:00:00Z`) and then runs at real speed.
///
/// This is the one place that reads `XAAS_NOW`. The first process that reads it records the real time it
/// started at in `XAAS_NOW_ANCHOR` (Unix seconds), which worker processes inherit, so every process of one
/// `xaas sync` or `xaas serve` sees the same moving clock. Leave both unset in production.
public struct LifecycleClock: Sendable {
    /// Added to the system time.
    public let offset: TimeInterval

    public init(offset: TimeInterval = 0) { self.offset = offset }

    /// The lifecycle's current instant.
    public func now() -> Date { Date().addingTimeInterval(offset) }

    /// The system-clock instant at which the lifecycle clock reads `instant` (what a scheduler sleeps until).
    public func systemDate(for instant: Date) -> Date { instant.addingTimeInterval(-offset) }

    /// The process's clock, from the environment (see the type's documentation).
    public static let current: LifecycleClock = fromEnvironment()

    static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    private static func fromEnvironment() -> LifecycleClock {
        let env = ProcessInfo.processInfo.environment
        guard let text = env["XAAS_NOW"], !text.isEmpty else { return LifecycleClock() }
        guard let start = parse(text) else {
            StandardError.print("xaas: XAAS_NOW=\(text) is not an ISO 8601 instant such as 2026-12-04T10:00:00Z; using the system clock")
            return LifecycleClock()
        }
        let anchor: Double
        if let recorded = env["XAAS_NOW_ANCHOR"].flatMap(Double.init) {
            anchor = recorded
        } else {
            anchor = Date().timeIntervalSince1970
            setenv("XAAS_NOW_ANCHOR", String(anchor), 1)
        }
        return LifecycleClock(offset: start.timeIntervalSince1970 - anchor)
    }
}
