/// Limits that stop a sync run before it deactivates too many users (the "truncated file" pain point).
///
/// Config: `"safeguards": {"maxDeactivationPercent": 20, "maxDeactivations": 1000}`; `null` disables a limit.
public struct Safeguards: Sendable, Equatable {
    /// The default `maxDeactivationPercent`.
    public static let defaultMaxDeactivationPercent: Double = 20

    /// Block a run that would deactivate more than this percentage of the users xaas manages for the source
    /// (0–100; default 20; `nil` = no percentage limit).
    public var maxDeactivationPercent: Double?
    /// Block a run that would deactivate more than this many users (default `nil` = no count limit).
    public var maxDeactivations: Int?

    public init(maxDeactivationPercent: Double? = Safeguards.defaultMaxDeactivationPercent, maxDeactivations: Int? = nil) {
        self.maxDeactivationPercent = maxDeactivationPercent
        self.maxDeactivations = maxDeactivations
    }
}
