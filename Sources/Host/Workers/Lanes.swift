/// Runs lanes of work with at most `jobs` lanes at a time; the items of one lane run one after another.
/// `xaas sync` and `xaas serve` make one lane per tenant, so runs of different tenants overlap while
/// one org never sees two of its sources' runs (and their requests) at once.
enum Lanes {
    static func run<Item: Sendable>(_ lanes: [[Item]], jobs: Int, _ body: @escaping @Sendable (Item) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func addLane() {
                let lane = lanes[next]
                next += 1
                group.addTask { for item in lane { await body(item) } }
            }
            while next < min(max(1, jobs), lanes.count) { addLane() }
            for await _ in group where next < lanes.count { addLane() }
        }
    }
}
