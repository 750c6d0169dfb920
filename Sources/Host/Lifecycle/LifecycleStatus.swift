import Foundation
import XaasJSON

/// The lifecycle part of `xaas status`: each source's next dated events (from its last run that was not a
/// dry run), as JSON (`"nextDue"`) and as text lines below the table.
enum LifecycleStatus {
    /// How many events are listed per source.
    static let limit = 5

    /// The next events of `store`'s source after the lifecycle clock's now (none when it has no lifecycle).
    static func next(_ store: StateStore?, clock: LifecycleClock = .current) -> [DueEvent] {
        guard let store else { return [] }
        return (try? store.nextLifecycleEvents(after: clock.now(), limit: limit)) ?? []
    }

    static func json(_ events: [DueEvent]) -> JSONValue {
        let iso = ISO8601DateFormatter()
        return .array(events.map { e in
            .object([("externalId", .string(e.externalId)), ("action", .string(e.event.action.rawValue)),
                     ("due", .string(iso.string(from: e.event.due))), ("detail", .string(e.event.detail))])
        })
    }

    /// `tenant/source: next due:` followed by one indented line per event.
    static func lines(tenant: String, source: String, _ events: [DueEvent]) -> [String] {
        guard !events.isEmpty else { return [] }
        return ["\(tenant)/\(source): next due:"] + events.map { "  \($0.externalId) \($0.event.detail)" }
    }
}
