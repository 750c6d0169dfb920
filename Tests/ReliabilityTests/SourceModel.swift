import Foundation
import SyncTestSupport

/// A small seeded generator (SplitMix64): the same seed gives the same source changes and kill instants.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }
}

/// The generated source of truth: a CSV with creates, updates, deactivations (`active=false`), removals and
/// out-of-scope records (department `Contractors`, excluded by the source's filter), and the directory a
/// converged sync must leave in the emulator.
///
/// Groups: the sync engine does not sync groups on main yet. When it does, set ``syncsGroups`` and add group
/// columns/files in ``csv`` and the expected groups in ``expectedGroups`` (the harness compares both).
struct SourceModel {
    static let syncsGroups = false
    static let filter = #"dept != "Contractors""#
    static let mapping = """
        {"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}", "title": "${title}"}
        """

    struct Row: Equatable {
        var id: String
        var active: Bool
        var dept: String
        var title: String
        var first: String
        var last: String
        var email: String
    }

    private(set) var rows: [String: Row] = [:]
    private var nextId = 1
    /// Every externalId that ever reached the directory as ACTIVE (so a removal must deactivate it).
    private(set) var everSynced: Set<String> = []

    /// Starts with `count` active, in-scope users.
    init(count: Int, random: inout SeededRandom) {
        for _ in 0..<count { add(&random, active: true, dept: "Eng") }
    }

    private mutating func add(_ random: inout SeededRandom, active: Bool, dept: String) {
        let n = nextId
        nextId += 1
        let id = "emp-\(100_000 + n)"
        rows[id] = Row(id: id, active: active, dept: dept, title: "Title \(random.int(0..<7))",
                       first: "Ann\(n)", last: n % 11 == 0 ? "Müller-Łukasz" : "Lee\(n)", email: "user\(n)@example.com")
    }

    /// One round of changes: about `size` records created, updated, deactivated, reactivated, removed or
    /// moved out of (or back into) scope. Keeps deactivations a modest share, as a real feed does.
    mutating func mutate(_ random: inout SeededRandom, size: Int) {
        let ids = rows.keys.sorted()
        for _ in 0..<size {
            switch random.int(0..<10) {
            case 0, 1: add(&random, active: true, dept: random.chance(0.2) ? "Contractors" : "Sales")
            case 2, 3, 4:
                let id = random.pick(ids)
                rows[id]?.title = "Title \(random.int(0..<50))"
            case 5:
                let id = random.pick(ids)
                rows[id]?.last = "Renamed\(random.int(0..<1000))"
            case 6: rows[random.pick(ids)]?.active = false
            case 7: rows[random.pick(ids)]?.active = true
            case 8: rows[random.pick(ids)]?.dept = random.chance(0.5) ? "Contractors" : "Eng"
            default: rows.removeValue(forKey: random.pick(ids))
            }
        }
    }

    /// The CSV text of the current rows (sorted by id).
    var csv: String {
        var text = "id,active,dept,title,first,last,email\n"
        for r in rows.values.sorted(by: { $0.id < $1.id }) {
            text += "\(r.id),\(r.active),\(r.dept),\(r.title),\(r.first),\(r.last),\(r.email)\n"
        }
        return text
    }

    /// The users that must be ACTIVE after a converged sync, with their mapped profile.
    var expectedActive: [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for r in rows.values where r.active && r.dept != "Contractors" {
            out[r.id] = ["userName": r.email, "email": r.email, "firstName": r.first, "lastName": r.last, "title": r.title]
        }
        return out
    }

    /// Records a converged sync.
    mutating func markSynced() { everSynced.formUnion(expectedActive.keys) }

    /// Differences between `directory` and the converged state: lost or stale updates, users active that
    /// should not be, users missing or deactivated that should be active. Empty = converged.
    func differences(_ directory: [String: DirectoryUser]) -> [String] {
        var problems: [String] = []
        let expected = expectedActive
        for (id, profile) in expected.sorted(by: { $0.key < $1.key }) {
            guard let user = directory[id] else { problems.append("\(id): missing (expected ACTIVE)"); continue }
            if user.status != "ACTIVE" { problems.append("\(id): \(user.status), expected ACTIVE (wrong deactivation)") }
            for (key, value) in profile where user.profile[key] != value {
                problems.append("\(id).\(key): \(user.profile[key] ?? "nil"), expected \(value) (lost update)")
            }
        }
        for (id, user) in directory where user.status == "ACTIVE" && expected[id] == nil {
            problems.append("\(id): ACTIVE, expected not active (missed deactivation)")
        }
        return problems
    }

    /// Users active both before and after a round that the directory shows deactivated: a wrong
    /// deactivation, whatever state a crash left.
    static func wronglyDeactivated(_ directory: [String: DirectoryUser], before: [String: [String: String]],
                                   after: [String: [String: String]]) -> [String] {
        directory.filter { $0.value.status == "DEPROVISIONED" && before[$0.key] != nil && after[$0.key] != nil }
            .keys.sorted()
    }
}
