/// A reliability harness could not do what it was set up for (not a finding about xaas).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
