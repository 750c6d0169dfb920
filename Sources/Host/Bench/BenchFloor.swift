/// The fewest bulk requests that can carry a run's groups and group memberships, under Okta's limits
/// (≤ 200 entities and ≤ 200 KB of body per request): the floors the bench compares what was sent with.
///
/// The membership floor is a lower bound that ignores how groups split across requests: the body bytes
/// of every `{"groupExternalId", "memberExternalIds"}` entry, one entry per group, divided by the room of
/// one request; and at least one request per 200 groups.
enum BenchFloor {
    /// Okta's limits per bulk request.
    static let maxEntities = 200
    static let maxBodyBytes = 200 * 1024

    /// Group upserts and deletes: 200 per request, one operation each.
    static func groupRequests(upserted: Int, deleted: Int) -> Int {
        ceilDiv(upserted, maxEntities) + ceilDiv(deleted, maxEntities)
    }

    /// Membership adds (or removals) of `pairs` (group, member) pairs spread over `groups` groups, whose
    /// externalIds take `groupIdBytes` and `memberIdBytes` bytes (unescaped, without quotes).
    static func membershipRequests(pairs: Int, groups: Int, groupIdBytes: Int, memberIdBytes: Int) -> Int {
        guard pairs > 0 else { return 0 }
        let envelope = #"{"memberships":[]}"#.utf8.count
        let entry = #"{"groupExternalId":,"memberExternalIds":[]}"#.utf8.count + groupIdBytes + 2
        // Each entry, the commas between entries, each member quoted, the commas between a group's members.
        let body = groups * entry + (groups - 1) + pairs * (memberIdBytes + 2) + (pairs - groups)
        return max(ceilDiv(groups, maxEntities), ceilDiv(body, maxBodyBytes - envelope))
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { a <= 0 ? 0 : (a + b - 1) / b }
}
