extension Emulator {
    /// The `appliedLost` fault: the request took effect, but the answer is lost (a 503, half of them as a
    /// dropped connection), so the client cannot know it was applied. Drawn only for successful requests
    /// and only when the fault is configured (other faults' seeded draws are unchanged).
    static func loseAppliedResponse(_ outcome: inout Outcome, _ org: inout OrgState) {
        guard case .success = outcome.result, org.config.faults.appliedLost > 0,
              org.faultRandom.chance(org.config.faults.appliedLost) else { return }
        org.stats.faultsInjected += 1
        outcome.result = .failure(.server(503))
        outcome.drop = org.faultRandom.chance(0.5)
    }
}
