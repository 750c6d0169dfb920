import PluginAPI
import PluginKit
import XaasJSON

/// The `dynamodb` connector: users from a DynamoDB table (signed Scan calls, optionally a parallel scan)
/// or from an API-Gateway-style `GET …/items` endpoint.
///
/// `open` only validates settings; credentials and the network are touched by `check` and `read_page`.
/// Each `read_page` makes one request: in a parallel scan the segments take turns, each following its
/// own `LastEvaluatedKey`, so pages interleave. A read ends only when every chain has no
/// `LastEvaluatedKey`; empty pages continue. The cursor is opaque text (see ``ScanCursor``).
///
/// ## Threading
/// `[instance-serial]` except ``cancel()``, which cancels the request in flight (thread-safe through
/// PluginKit's ``BlockingHTTPClient``).
final class DynamoDBConnector: Connector {
    static let info = ConnectorInfo(
        id: "org.xaas.dynamodb", name: "dynamodb", version: "1.0.0",
        description: "Users from a DynamoDB table (Scan, SigV4) or an API-Gateway items endpoint",
        sourceKind: "rest", capabilities: [.check, .cancel], settingsSchema: DynamoDBOptions.schema)

    private let options: DynamoDBOptions
    private let client: BlockingHTTPClient
    private let scanner: TableScanner?
    private let endpoint: ItemsEndpoint?

    init(settings: Settings, host: HostServices) throws {
        let options = try DynamoDBOptions(settings)
        let client = BlockingHTTPClient(timeoutSeconds: Double(options.timeoutSeconds),
                                        secretHeaders: [options.items?.authHeaderName].compactMap { $0 })
        let transport = RetryingTransport(client: client, maxAttempts: options.maxAttempts, host: host)
        self.options = options
        self.client = client
        scanner = options.scan.map { TableScanner(options: options, scan: $0, transport: transport) }
        endpoint = options.items.map { ItemsEndpoint(options: options, items: $0, transport: transport) }
    }

    func cancel() { client.cancel() }

    func check() throws {
        client.resetCancel()
        if let scanner {
            _ = try scanner.scanPage(segment: 0, startKey: nil, limit: 1)
        } else if let endpoint {
            _ = try endpoint.fetchPage(token: nil)
        }
    }

    private var cursorPrefix: String { scanner != nil ? "ddb1" : "http1" }
    private var fingerprint: String { scanner?.fingerprint ?? endpoint?.fingerprint ?? "" }
    private var sourceName: String { scanner?.sourceName ?? endpoint?.sourceName ?? "source" }

    func readPage(_ request: PageRequest) throws -> Page {
        var cursor: ScanCursor
        if let text = request.cursor {
            cursor = try ScanCursor(text: text, prefix: cursorPrefix, fingerprint: fingerprint)
        } else {
            client.resetCancel()
            cursor = ScanCursor(fingerprint: fingerprint, segments: scanner?.segmentCount ?? 1)
        }
        let segment = cursor.next
        var startKey: JSONValue?
        if case .resume(let key) = cursor.segments[segment] { startKey = key }
        let raw: RawPage
        if let scanner {
            let limit = options.scan?.pageSize ?? request.pageSizeHint
            raw = try scanner.scanPage(segment: segment, startKey: startKey, limit: limit > 0 ? limit : nil)
        } else {
            raw = try endpoint!.fetchPage(token: startKey)
        }
        let place = (scanner?.segmentCount ?? 1) > 1 ? "\(sourceName) segment \(segment)" : sourceName
        var records: [Record] = []
        records.reserveCapacity(raw.items.count)
        for (index, item) in raw.items.enumerated() {
            records.append(try record(from: item, typed: raw.typed, place: "\(place), item \(index + 1) of the page"))
        }
        cursor.advance(lastEvaluatedKey: raw.lastEvaluatedKey)
        return Page(records: records, nextCursor: cursor.isFinished ? nil : cursor.text(prefix: cursorPrefix))
    }

    /// One item as a record: flattened attributes, externalId from the configured attribute, status rule.
    func record(from item: JSONValue, typed: Bool, place: String) throws -> Record {
        let attributes: [Record.Attribute]
        do {
            attributes = typed ? try ItemFlattener.typedAttributes(of: item) : try ItemFlattener.plainAttributes(of: item)
        } catch {
            throw ConnectorError.sourceData("\(place)\(Self.keyHint(item, options.externalId)): \(error.message)")
        }
        guard let id = attributes.first(where: { $0.name == options.externalId })?.value, !id.isEmpty else {
            throw ConnectorError.sourceData(
                "\(place): attribute \(options.externalId) (settings.externalId) is missing or empty; "
                + "attributes present: \(attributes.prefix(12).map(\.name).joined(separator: ", "))")
        }
        let status = options.status?.status(of: attributes) ?? .active
        return Record(externalId: id, status: status, attributes: attributes)
    }

    /// ` (externalId "…")` when the item's externalId can be read, for messages.
    private static func keyHint(_ item: JSONValue, _ key: String) -> String {
        guard let value = item[key] else { return "" }
        if let s = value.stringValue ?? value["S"]?.stringValue ?? value["N"]?.stringValue { return " (\(key) \"\(s.prefix(80))\")" }
        return ""
    }
}

private let descriptor = PluginExport.makeDescriptor(DynamoDBConnector.self)

/// The plugin's entry point (ABI v1).
@c(xaas_plugin_entry_v1)
public func xaasPluginEntry(_ host: UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>? {
    PluginExport.entry(host, descriptor)
}
