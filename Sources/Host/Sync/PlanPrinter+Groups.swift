extension PlanPrinter {
    /// The `--diff` lines of one group or membership entry:
    /// `+ create group G`, `~ update group G` (with attribute changes), `- delete group G (reason)`,
    /// `+ add member M to group G`, `- remove member M from group G`.
    static func groupLines(_ e: PlanEntry, store: StateStore, emit: (String) -> Void) throws {
        if e.kind == .membership {
            guard let pair = MembershipKey.split(e.externalId) else { return }
            emit(e.action == .deactivate ? "- remove member \(pair.member) from group \(pair.group)"
                                         : "+ add member \(pair.member) to group \(pair.group)")
            return
        }
        switch e.action {
        case .create:
            emit("+ create group \(e.externalId)")
            for (name, value) in (e.profile?.pairs ?? []) { emit("    \(name): \(quote(value))") }
        case .update:
            emit("~ update group \(e.externalId)")
            let old = try store.applied(kind: e.kind, externalId: e.externalId)
            for line in changes(from: Profile.pairs(of: old?.profileJSON), to: (e.profile?.pairs ?? [])) {
                emit("    " + line)
            }
        case .deactivate:
            emit("- delete group \(e.externalId) (\(e.reason ?? "deleted"))")
        }
    }
}
