import XaasJSON

/// The persisted resume point of delta reads: the users' deltaLink and the `$select` it was made for
/// (a changed selection starts a new round, since a delta link only reports selected properties), and,
/// with `groups` on, the groups' deltaLink (`/groups/delta`).
struct DeltaCheckpoint: Equatable {
    var deltaLink: String
    var select: String
    /// The deltaLink of the last complete groups delta round, if groups were read.
    var groupsDeltaLink: String?

    var text: String {
        var members: [(key: String, value: JSONValue)] = [("v", .number("1")), ("deltaLink", .string(deltaLink)),
                                                          ("select", .string(select))]
        if let groupsDeltaLink { members.append(("groupsDeltaLink", .string(groupsDeltaLink))) }
        return JSONValue.object(members).serialized
    }

    init(deltaLink: String, select: String, groupsDeltaLink: String? = nil) {
        self.deltaLink = deltaLink
        self.select = select
        self.groupsDeltaLink = groupsDeltaLink
    }

    /// `nil` when `text` is not a checkpoint of this connector.
    init?(text: String) {
        guard let json = try? JSONValue.parse(text), let link = json["deltaLink"]?.stringValue,
              let select = json["select"]?.stringValue else { return nil }
        deltaLink = link
        self.select = select
        groupsDeltaLink = json["groupsDeltaLink"]?.stringValue
    }
}
