import Foundation
import PluginAPI
import PluginKit
import XaasJSON

/// The `graph` connector: users (and optionally groups and memberships) from a Microsoft-Graph-style
/// paginated REST API, following `@odata.nextLink` verbatim, with delta rounds for incremental reads.
///
/// A read is a sequence of phases, each page one HTTP page: users (the list, or `/users/delta`), then with
/// `groups: true` the groups pages, each followed by one page per group holding its membership record
/// (with `delta` on, `/groups/delta` pages instead: GraphConnector+GroupDelta.swift).
/// The cursor (``GraphCursor``) carries the link to fetch next, so any instance can resume a read.
///
/// ## Threading
/// `[instance-serial]` except ``cancel()``, which stops the request in flight from any thread.
final class GraphConnector: Connector {
    static let info = ConnectorInfo(
        id: "org.xaas.graph", name: "graph", version: "1.0.0",
        description: "Users and groups from a Microsoft-Graph-style REST API (paging, throttling, delta)",
        sourceKind: "rest",
        capabilities: [.check, .cancel, .incremental, .deletes, .groups, .memberships],
        settingsSchema: GraphSettings.schema)

    let settings: GraphSettings
    let client: GraphClient
    private let http: GraphHTTP

    init(settings: Settings, host: HostServices) throws {
        self.settings = try GraphSettings(settings)
        client = GraphClient(settings: self.settings, host: host)
        http = client.http
    }

    func cancel() { http.cancel() }

    func check() throws {
        http.resetCancel()
        let base = settings.baseURL.absoluteString
        _ = try client.get(base + settings.usersPath + "?$top=1&$select=id")
        if settings.groups { _ = try client.get(base + "/groups?$top=1&$select=id") }
    }

    func readPage(_ request: PageRequest) throws -> Page {
        if let text = request.cursor {
            let cursor = try GraphCursor(text: text)
            switch cursor.phase {
            case .users:
                return try readUsers(cursor.url ?? "", incremental: cursor.incremental, fromCheckpoint: false, notes: [],
                                     followingLink: true, savedGroupsDelta: cursor.groupsDelta)
            case .groups:
                return try readGroups(cursor.url ?? "", incremental: cursor.incremental, followingLink: cursor.url != settings.firstGroupsURL)
            case .members: return try readMembers(cursor)
            case .groupsDelta: return try readGroupsDelta(cursor)
            }
        }
        http.resetCancel()
        var notes: [String] = []
        if settings.delta, let saved = request.checkpoint {
            if let checkpoint = DeltaCheckpoint(text: saved), checkpoint.select == settings.selectText,
               let url = URL(string: checkpoint.deltaLink), GraphSettings.origin(of: url) == settings.origin {
                do {
                    return try readUsers(checkpoint.deltaLink, incremental: true, fromCheckpoint: true, notes: [],
                                         followingLink: true, savedGroupsDelta: checkpoint.groupsDeltaLink)
                } catch let resync as ResyncNeeded {
                    notes.append(resync.reason)
                }
            } else {
                notes.append("the saved delta checkpoint does not match settings.baseUrl/select (changed since the last run)")
            }
            notes[notes.count - 1] += "; reading everything again (a full snapshot, not incremental)"
        }
        return try readUsers(settings.firstUsersURL, incremental: false, fromCheckpoint: false, notes: notes)
    }

    /// Thrown by ``readUsers`` when a checkpointed delta link must be abandoned (410, expired sync state).
    private struct ResyncNeeded: Error {
        var reason: String
    }

    /// One users (or delta) page.
    private func readUsers(_ url: String, incremental: Bool, fromCheckpoint: Bool, notes: [String],
                           followingLink: Bool = false, savedGroupsDelta: String? = nil) throws -> Page {
        var headers: [String: String] = [:]
        if settings.delta { headers["Prefer"] = "odata.maxpagesize=\(settings.pageSize)" }
        if settings.advancedQuery { headers["ConsistencyLevel"] = "eventual" }
        let json: JSONValue
        switch try client.get(url, headers: headers, allowResync: settings.delta, followingLink: followingLink) {
        case .ok(let body): json = body
        case .resync(let reason):
            if fromCheckpoint { throw ResyncNeeded(reason: reason) }
            throw ConnectorError.sourceData("\(Self.display(url)): \(reason) during the read; run again (the next run starts over)")
        }
        guard let items = json["value"]?.arrayValue else {
            throw ConnectorError.sourceData("\(Self.display(url)): the response has no \"value\" array")
        }
        var records: [Record] = []
        var index: [String: Int] = [:]
        var notes = notes
        var skipped = 0
        for (i, item) in items.enumerated() {
            guard case .object(let members) = item else {
                throw ConnectorError.sourceData("\(Self.display(url)): value[\(i)] is not an object")
            }
            let record: Record
            if let removed = item["@removed"] {
                let attributes = GraphValues.attributes(of: members)
                let reason = removed["reason"]?.stringValue ?? "deleted"
                guard let id = GraphValues.first(settings.externalId, in: attributes), !id.isEmpty else {
                    skipped += 1
                    notes.append("user \(item["id"]?.stringValue ?? "?") was removed (\(reason)) but the delta entry has no "
                                 + "\(settings.externalId); use \"externalId\": \"id\" to track removals (skipped)")
                    continue
                }
                record = Record(kind: .user, externalId: id, status: .deleted)
            } else {
                let attributes = GraphValues.attributes(of: members)
                guard let id = GraphValues.first(settings.externalId, in: attributes), !id.isEmpty else {
                    throw ConnectorError.sourceData(
                        "\(Self.display(url)): value[\(i)] (user id \(item["id"]?.stringValue ?? "?")) has no value for "
                        + "\(settings.externalId) (settings.externalId)")
                }
                record = Record(kind: .user, externalId: id, status: settings.status?.status(of: attributes) ?? .active,
                                attributes: attributes)
            }
            // Delta replays an object within a page: the later entry wins.
            if let at = index[record.externalId] { records[at] = record } else {
                index[record.externalId] = records.count
                records.append(record)
            }
        }
        if let next = json["@odata.nextLink"]?.stringValue {
            var cursor = GraphCursor(phase: .users, url: next, incremental: incremental)
            cursor.groupsDelta = savedGroupsDelta
            return Page(records: records, nextCursor: cursor.text,
                        incremental: incremental, skippedCount: skipped, notes: notes)
        }
        var checkpoint: String?
        if settings.delta {
            guard let deltaLink = json["@odata.deltaLink"]?.stringValue else {
                throw ConnectorError.sourceData(
                    "\(Self.display(url)): the last delta page has neither @odata.nextLink nor @odata.deltaLink")
            }
            if settings.groups {
                // The checkpoint is written once the groups delta round has its deltaLink too.
                let next = groupsDeltaStart(usersDelta: deltaLink, incremental: incremental, saved: savedGroupsDelta)
                return Page(records: records, nextCursor: next.text, incremental: incremental, skippedCount: skipped, notes: notes)
            }
            checkpoint = DeltaCheckpoint(deltaLink: deltaLink, select: settings.selectText).text
        }
        let next = settings.groups ? GraphCursor(phase: .groups, url: settings.firstGroupsURL, incremental: incremental).text : nil
        return Page(records: records, nextCursor: next, checkpoint: checkpoint, incremental: incremental,
                    skippedCount: skipped, notes: notes)
    }

    /// One groups page: a group record per group; the next pages hold their memberships.
    private func readGroups(_ url: String, incremental: Bool, followingLink: Bool) throws -> Page {
        guard case .ok(let json) = try client.get(url, followingLink: followingLink) else { throw ConnectorError.internalError("unexpected resync") }
        guard let items = json["value"]?.arrayValue else {
            throw ConnectorError.sourceData("\(Self.display(url)): the response has no \"value\" array")
        }
        var records: [Record] = []
        for (i, item) in items.enumerated() {
            guard case .object(let members) = item, let id = item["id"]?.stringValue, !id.isEmpty else {
                throw ConnectorError.sourceData("\(Self.display(url)): value[\(i)] is not a group object with an id")
            }
            records.append(Record(kind: .group, externalId: id, attributes: GraphValues.attributes(of: members)))
        }
        let groupsNext = json["@odata.nextLink"]?.stringValue
        let next: GraphCursor?
        if !records.isEmpty {
            next = GraphCursor(phase: .members, url: groupsNext, pendingGroups: records.map(\.externalId), incremental: incremental)
        } else {
            next = groupsNext.map { GraphCursor(phase: .groups, url: $0, incremental: incremental) }
        }
        return Page(records: records, nextCursor: next?.text, incremental: incremental)
    }

    /// The membership record of the first pending group (all its member pages).
    private func readMembers(_ cursor: GraphCursor) throws -> Page {
        guard let group = cursor.pendingGroups.first else {
            throw ConnectorError(status: XAAS_INVALID_ARGUMENT, "Graph connector cursor without pending groups")
        }
        var notes: [String] = []
        var memberIds: [String] = []
        var others = 0
        var link: String? = settings.membersURL(groupId: group)
        var records: [Record] = []
        do {
            while let url = link {
                let followingLink = url != settings.membersURL(groupId: group)
                guard case .ok(let json) = try client.get(url, followingLink: followingLink) else {
                    throw ConnectorError.internalError("unexpected resync")
                }
                for item in json["value"]?.arrayValue ?? [] {
                    let type = item["@odata.type"]?.stringValue ?? "#microsoft.graph.user"
                    guard type == "#microsoft.graph.user", case .object(let members) = item else { others += 1; continue }
                    if let id = GraphValues.first(settings.externalId, in: GraphValues.attributes(of: members)), !id.isEmpty {
                        memberIds.append(id)
                    } else {
                        notes.append("group \(group): member \(item["id"]?.stringValue ?? "?") has no \(settings.externalId); left out")
                    }
                }
                link = json["@odata.nextLink"]?.stringValue
            }
            if others > 0 { notes.append("group \(group): \(others) member(s) that are not users (groups, devices, apps) left out") }
            records = [Record(kind: .membership, externalId: group, attributes: memberIds.map { Record.Attribute("member", $0) })]
        } catch let error as ConnectorError where error.status == XAAS_NOT_FOUND {
            notes.append("group \(group) disappeared during the read; its members are left out")
        }
        let rest = Array(cursor.pendingGroups.dropFirst())
        let next: GraphCursor?
        if !rest.isEmpty {
            next = cursor.carrying(.members, url: cursor.url, pendingGroups: rest)
        } else {
            next = cursor.url.map { cursor.carrying(cursor.usersDelta == nil ? .groups : .groupsDelta, url: $0) }
        }
        return Page(records: records, nextCursor: next?.text, checkpoint: next == nil ? finalCheckpoint(cursor) : nil,
                    incremental: cursor.incremental, notes: notes)
    }

    /// A link for messages: its path (queries may be long and carry opaque tokens).
    static func display(_ url: String) -> String {
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        return "GET " + (path.firstRange(of: "://").map { String(path[$0.upperBound...].drop { $0 != "/" }) } ?? path)
    }
}

private let descriptor = PluginExport.makeDescriptor(GraphConnector.self)

/// The plugin's entry point (ABI v1).
@c(xaas_plugin_entry_v1)
public func xaasPluginEntry(_ host: UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>? {
    PluginExport.entry(host, descriptor)
}
