import XaasJSON

/// Renders a persisted plan for `xaas sync --dry-run --diff`: one line per entity, attribute changes
/// indented below updates, then the run's dated lifecycle events (``LifecycleDiff``). Profiles are read
/// back from state, so memory stays bounded.
public enum PlanPrinter {
    /// Calls `emit` with each line of the plan of `runId`.
    public static func diff(store: StateStore, runId: Int64, emit: (String) -> Void) throws {
        var after: Int64 = 0
        while true {
            let entries = try store.planEntries(runId: runId, actions: PlanAction.allCases, afterSeq: after, limit: 1000)
            guard let last = entries.last else { return try LifecycleDiff.lines(store: store, runId: runId, emit: emit) }
            after = last.seq
            for e in entries {
                if e.kind != .user {
                    try groupLines(e, store: store, emit: emit)
                    continue
                }
                switch e.action {
                case .create:
                    emit("+ create \(e.externalId)")
                    for (name, value) in (e.profile?.pairs ?? []) { emit("    \(name): \(quote(value))") }
                case .update:
                    emit("~ update \(e.externalId)\(e.reason.map { " (\($0))" } ?? "")")
                    let old = try store.applied(kind: e.kind, externalId: e.externalId)
                    for line in changes(from: Profile.pairs(of: old?.profileJSON), to: (e.profile?.pairs ?? [])) {
                        emit("    " + line)
                    }
                case .deactivate:
                    emit("- deactivate \(e.externalId) (\(e.reason ?? "inactive"))")
                }
            }
        }
    }

    /// `name: "old" → "new"` lines for every attribute that differs (added, removed or changed).
    static func changes(from old: [(String, String)], to new: [(String, String)]) -> [String] {
        let before = Dictionary(old, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new, uniquingKeysWith: { a, _ in a })
        var lines: [String] = []
        for (name, value) in new where before[name] != value {
            lines.append("\(name): \(before[name].map(quote) ?? "(none)") → \(quote(value))")
        }
        for (name, value) in old where after[name] == nil {
            lines.append("\(name): \(quote(value)) → (none)")
        }
        return lines
    }

    static func quote(_ s: String) -> String {
        var out = ""
        JSONValue.writeString(s, to: &out)
        return out
    }
}
