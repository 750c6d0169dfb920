import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Group and membership planning and sending against the in-memory Okta double: the requests each run
/// sends (kinds, order, counts), safeguards, failed and incremental reads, packing to the floor.
@Suite struct GroupSyncEngineTests {
    let stateDir: URL
    let okta = FakeImportTarget()

    init() throws { stateDir = try TestSupport.makeTemporaryDirectory("group-engine") }

    func run(_ records: [SourceRecord], source: ArraySource? = nil, groups: GroupPlanner.Rules? = GroupPlanner.Rules(config: nil),
             approveGroups: Int? = nil, dryRun: Bool = false, pageSize: Int = 500) async -> RunReport {
        var options = SyncEngine.Options()
        options.dryRun = dryRun
        options.session.cooldownSeconds = 0
        var engine = SyncEngine(options: options)
        engine.sleep = { _ in }
        let src = source ?? ArraySource(records: records)
        var job = SyncEngine.Job(
            tenant: "acme", source: "hr", stateDirectory: stateDir, pageSize: pageSize,
            rules: Planner.Rules(filter: nil, map: workshopMapping),
            safeguards: SafeguardCheck(maxDeactivationPercent: 20, maxDeactivations: nil, approvedDeactivations: nil),
            openSource: { src }, target: okta)
        job.groups = groups
        job.approvedGroupDeletions = approveGroups
        return await engine.run(job).report
    }

    static func group(_ id: String, _ name: String, status: SourceRecord.Status = .active) -> SourceRecord {
        SourceRecord(kind: .group, externalId: id, status: status, attributes: [SourceAttribute("cn", name)])
    }

    static func members(_ group: String, _ ids: [String], attribute: String = "member") -> SourceRecord {
        SourceRecord(kind: .membership, externalId: group, attributes: ids.map { SourceAttribute(attribute, $0) })
    }

    /// Every bulk request sent so far: (endpoint, body as JSON), in order.
    var requests: [(String, JSONValue)] {
        okta.state.withLock { s in
            s.order.flatMap { id in (s.bodies[id] ?? []).map { ($0.0.rawValue, (try? JSONValue.parse(bytes: $0.1)) ?? .null) } }
        }
    }

    func requests(after count: Int) -> [(String, JSONValue)] { Array(requests.dropFirst(count)) }

    /// (group, members) of every membership entry in `bodies`.
    static func entries(_ bodies: [(String, JSONValue)], _ endpoint: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (e, body) in bodies where e == endpoint {
            for m in body["memberships"]?.arrayValue ?? [] {
                out[m["groupExternalId"]?.stringValue ?? "", default: []] += m["memberExternalIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            }
        }
        return out
    }

    func baseline() -> [SourceRecord] {
        let users = workshopUsers(6)
        return users + [Self.group("g1", "Engineering"), Self.group("g2", "Sales"), Self.group("g3", "Ops"),
                        Self.members("g1", ["emp-00001", "emp-00002", "ghost"]), Self.members("g2", ["emp-00003"]),
                        Self.members("g3", ["emp-00004", "emp-00005"])]
    }

    @Test func firstRunSendsUsersThenGroupsThenMembershipsAndSkipsUnknownMembers() async throws {
        let r = await run(baseline())
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(r.groups == { var g = GroupCounts(); g.created = 3; return g }())
        #expect((r.memberships.added, r.memberships.removed, r.memberships.skipped) == (5, 0, 1))
        #expect(r.notes.contains { $0.contains("1 group membership(s) left out: member is not an in-scope user") })
        #expect(requests.map(\.0) == ["bulk-upsert", "bulk-groups-upsert", "bulk-group-memberships-upsert"])
        let groups = requests[1].1["profiles"]?.arrayValue ?? []
        #expect(groups.compactMap { $0["profile"]?["displayName"]?.stringValue }.sorted() == ["Engineering", "Ops", "Sales"])
        #expect(Self.entries(requests, "bulk-group-memberships-upsert")
                == ["g1": ["emp-00001", "emp-00002"], "g2": ["emp-00003"], "g3": ["emp-00004", "emp-00005"]])
        let store = try StateStore(directory: stateDir, tenant: "acme", source: "hr")
        #expect(try store.groupCounts() == (3, 5))

        // Unchanged source: nothing is sent.
        let again = await run(baseline())
        #expect(again.bulkRequests == 0 && again.groups.unchanged == 3)
    }

    @Test func membershipChangeRemovedAndRenamedGroupSendExactlyThoseRequests() async throws {
        _ = await run(baseline())
        let before = requests.count
        var records = workshopUsers(6)
        records += [Self.group("g1", "Engineering"), Self.group("g2", "Sales & Marketing"), Self.group("g4", "New"),
                    Self.group("g3", "Ops"),
                    Self.members("g1", ["emp-00001", "emp-00006"]), Self.members("g2", ["emp-00003"]),
                    Self.members("g3", ["emp-00004", "emp-00005"])]
        var r = await run(records, groups: GroupPlanner.Rules(config: nil))
        #expect(r.status == .ok, "\(r.error ?? "")")
        let sent = requests(after: before)
        #expect(sent.map(\.0) == ["bulk-groups-upsert", "bulk-group-memberships-upsert", "bulk-group-memberships-delete"])
        #expect(sent[0].1["profiles"]?.arrayValue?.compactMap { $0["externalId"]?.stringValue }.sorted() == ["g2", "g4"])
        #expect(Self.entries(sent, "bulk-group-memberships-upsert") == ["g1": ["emp-00006"]])
        #expect(Self.entries(sent, "bulk-group-memberships-delete") == ["g1": ["emp-00002"]])
        #expect((r.groups.created, r.groups.updated, r.groups.unchanged) == (1, 1, 2))

        // g3 disappears from a complete read (1 of 4 groups = 25% > 20%: approve it).
        let mark = requests.count
        records.removeAll { $0.externalId == "g3" }
        r = await run(records)
        #expect(r.status == .blocked && requests.count == mark)
        r = await run(records, approveGroups: 1)
        #expect(r.status == .ok, "\(r.error ?? "")")
        // The group delete takes its memberships with it: no membership request.
        #expect(requests(after: mark).map(\.0) == ["bulk-groups-delete"])
        #expect(requests.last?.1["externalIds"] == .array([.string("g3")]))
        let store = try StateStore(directory: stateDir, tenant: "acme", source: "hr")
        #expect(try store.appliedMemberships() == ["g1": ["emp-00001", "emp-00006"], "g2": ["emp-00003"]])
    }

    @Test func removingHalfTheGroupsIsBlockedThenApproved() async throws {
        _ = await run(baseline() + [Self.group("g4", "Four")])
        let mark = requests.count
        let half = (baseline() + [Self.group("g4", "Four")]).filter { $0.externalId != "g1" && $0.externalId != "g2" }
        var r = await run(half)
        #expect(r.status == .blocked, "\(r.error ?? "")")
        #expect(r.error?.contains("the plan deletes 2 of 4 groups (50.0% > groups.safeguards.maxDeletePercent 20)") == true)
        #expect(r.error?.contains("--approve-group-deletions 2") == true)
        #expect(requests.count == mark)
        r = await run(half, approveGroups: 1)
        #expect(r.status == .blocked && requests.count == mark)
        r = await run(half, approveGroups: 2)
        #expect(r.status == .ok && r.groups.deleted == 2, "\(r.error ?? "")")
    }

    @Test func aFailedReadDeletesNoGroupAndRemovesNoMembership() async throws {
        _ = await run(baseline())
        let mark = requests.count
        // Page 1 holds users and g1 with one member fewer, then the source fails.
        let records = workshopUsers(6) + [Self.group("g1", "Engineering"), Self.members("g1", ["emp-00001"])]
        let failing = ArraySource(records: records + [Self.group("g9", "never read")], failAfterPages: 1)
        let r = await run([], source: failing, pageSize: records.count)
        #expect(r.status == .failed)
        #expect((r.groups.deleted, r.memberships.removed) == (0, 0))
        #expect(requests(after: mark).allSatisfy { !$0.0.hasSuffix("-delete") })
    }

    @Test func incrementalReadsChangeOnlyWhatTheyName() async throws {
        _ = await run(baseline())
        let mark = requests.count
        let delta = [Self.members("g1", ["emp-00006"], attribute: "memberAdded"),
                     Self.members("g3", ["emp-00004"], attribute: "memberRemoved")]
        let r = await run([], source: ArraySource(records: delta, incremental: true))
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect((r.memberships.added, r.memberships.removed, r.groups.deleted) == (1, 1, 0))
        let sent = requests(after: mark)
        #expect(Self.entries(sent, "bulk-group-memberships-upsert") == ["g1": ["emp-00006"]])
        #expect(Self.entries(sent, "bulk-group-memberships-delete") == ["g3": ["emp-00004"]])
        #expect(sent.count == 2)
        let store = try StateStore(directory: stateDir, tenant: "acme", source: "hr")
        #expect(try store.appliedMemberships()
                == ["g1": ["emp-00001", "emp-00002", "emp-00006"], "g2": ["emp-00003"], "g3": ["emp-00005"]])
    }

    @Test func groupFilterExcludedGroupIsDeletedAndInvalidGroupReported() async throws {
        _ = await run(baseline())
        var rules = GroupPlanner.Rules(config: nil)
        rules.filter = RecordFilter { $0.firstValue("cn") != "Ops" }
        rules.maxDeletePercent = nil
        let r = await run(baseline() + [Self.group("bad", "")], groups: rules)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(r.groups.deleted == 1)
        #expect(r.problems.contains { $0.contains("group \"bad\": field displayName: empty") })
        #expect(requests.last?.0 == "bulk-groups-delete")
    }

    @Test func tenThousandUsersInThreeHundredGroupsPackToTheFloor() async throws {
        let users = workshopUsers(10_000)
        var records = users
        for g in 0..<300 { records.append(Self.group(String(format: "grp-%03d", g), "Group \(g)")) }
        for g in 0..<300 {
            let ids = stride(from: g, to: 10_000, by: 300).map { users[$0].externalId }
            records.append(Self.members(String(format: "grp-%03d", g), ids))
        }
        let r = await run(records)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect((r.created, r.groups.created, r.memberships.added) == (10_000, 300, 10_000))
        var perKind: [String: Int] = [:]
        for (endpoint, _) in requests { perKind[endpoint, default: 0] += 1 }
        // ⌈10,000/200⌉ user requests, ⌈300/200⌉ group requests, ⌈300 entries/200⌉ membership requests.
        #expect(perKind == ["bulk-upsert": 50, "bulk-groups-upsert": 2, "bulk-group-memberships-upsert": 2])
        #expect((r.bulkRequests, r.sessions) == (54, 2))
        #expect(okta.state.withLock { s in s.bodies.values.allSatisfy { $0.count <= 50 } })
    }

    @Test func groupRecordsArePassedOverWhenGroupSyncIsOff() async throws {
        let r = await run(baseline(), groups: nil)
        #expect(r.status == .ok && r.groups == GroupCounts())
        #expect(requests.map(\.0) == ["bulk-upsert"])
        #expect(r.notes.contains { $0.contains("passed over") })
    }

    @Test func nestedGroupsAreFlattenedAndACycleIsReportedOnce() async throws {
        let records = workshopUsers(4) + [
            Self.group("outer", "Outer"), Self.group("inner", "Inner"), Self.group("loop", "Loop"),
            Self.members("outer", ["emp-00001"]), Self.members("outer", ["inner"], attribute: "memberGroup"),
            Self.members("inner", ["emp-00002"]), Self.members("inner", ["loop"], attribute: "memberGroup"),
            Self.members("loop", ["emp-00003"]), Self.members("loop", ["inner"], attribute: "memberGroup"),
        ]
        let r = await run(records)
        #expect(r.status == .ok, "\(r.error ?? "")")
        let store = try StateStore(directory: stateDir, tenant: "acme", source: "hr")
        #expect(try store.appliedMemberships() == ["inner": ["emp-00002", "emp-00003"],
                                                   "loop": ["emp-00002", "emp-00003"],
                                                   "outer": ["emp-00001", "emp-00002", "emp-00003"]])
        #expect(r.notes.contains { $0.contains("2 group(s) contain themselves") && $0.contains("\"inner\"") && $0.contains("\"loop\"") },
                "\(r.notes)")
    }
}
