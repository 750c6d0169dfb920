import Foundation

extension SessionRunner {
    /// Okta keeps a session that only deactivates users it does not have in `CREATED` and refuses its
    /// start-import ("The import session has no data to import"). Called after start-import of `id`
    /// failed: when the session still reads `CREATED` and every entity we sent in it is a deactivation,
    /// there is nothing for Okta to do, so the session is cancelled and the deactivations are committed
    /// (the users are gone either way). Returns true when it settled the session that way; otherwise the
    /// caller rethrows the start-import error. A crash in between converges: the next run's recovery
    /// re-plans the deactivations and lands here again.
    func settleEmptyDeactivationSession(_ id: String) async throws -> Bool {
        guard let session = try? await target.getSession(id), session.status == .created else { return false }
        let entities = try store.sessionEntities(id)
        guard !entities.isEmpty, entities.allSatisfy({ $0.status == .inactive }) else { return false }
        log("session \(id) only deactivated \(entities.count) user\(entities.count == 1 ? "" : "s") that Okta does not have "
            + "(it stayed CREATED); cancelling it and recording them as gone")
        try? await target.cancelSession(id)
        try store.commitSession(id)
        return true
    }
}
