/// Limits that stop a sync run before it deactivates too many users (the "truncated file" pain point).
///
/// Config: `"safeguards": {"maxDeactivationPercent": 20, "maxDeactivations": 1000, "maxClearingUpdatePercent": 20,
/// "maxInvalidPercent": 50}`; `null` disables a limit.
public struct Safeguards: Sendable, Equatable {
    /// The default `maxDeactivationPercent`.
    public static let defaultMaxDeactivationPercent: Double = 20

    /// Block a run that would deactivate more than this percentage of the users xaas manages for the source
    /// (0–100; default 20; `nil` = no percentage limit).
    public var maxDeactivationPercent: Double?
    /// Block a run that would deactivate more than this many users (default `nil` = no count limit).
    public var maxDeactivations: Int?
    /// The default ``maxClearingUpdatePercent``.
    public static let defaultMaxClearingUpdatePercent: Double = 20
    /// The default ``maxInvalidPercent``.
    public static let defaultMaxInvalidPercent: Double = 50
    /// Block a run whose updates remove profile attributes from more than this percentage of the applied
    /// active users (a mapping typo; default 20; `nil` = off).
    public var maxClearingUpdatePercent: Double? = Safeguards.defaultMaxClearingUpdatePercent
    /// Block a run in which more than this percentage of the user records read are invalid (default 50; `nil` = off).
    public var maxInvalidPercent: Double? = Safeguards.defaultMaxInvalidPercent

    public init(maxDeactivationPercent: Double? = Safeguards.defaultMaxDeactivationPercent, maxDeactivations: Int? = nil) {
        self.maxDeactivationPercent = maxDeactivationPercent
        self.maxDeactivations = maxDeactivations
    }
}
