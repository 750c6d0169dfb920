import XaasJSON

/// The persisted resume point of delta reads: the deltaLink and the `$select` it was made for
/// (a changed selection starts a new round, since a delta link only reports selected properties).
struct DeltaCheckpoint: Equatable {
    var deltaLink: String
    var select: String

    var text: String {
        JSONValue.object([("v", .number("1")), ("deltaLink", .string(deltaLink)), ("select", .string(select))]).serialized
    }

    init(deltaLink: String, select: String) {
        self.deltaLink = deltaLink
        self.select = select
    }

    /// `nil` when `text` is not a checkpoint of this connector.
    init?(text: String) {
        guard let json = try? JSONValue.parse(text), let link = json["deltaLink"]?.stringValue,
              let select = json["select"]?.stringValue else { return nil }
        deltaLink = link
        self.select = select
    }
}
