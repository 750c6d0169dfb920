import PluginAPI
import PluginKit
import RuntimeInfo
import Synchronization
import Testing
@testable import Host

/// A PluginKit connector driven through the C ABI in-process: the host's instance/page code on one
/// side, PluginKit's descriptor/arena code on the other.
final class RoundTripConnector: Connector {
    static let info = ConnectorInfo(
        id: "org.xaas.test.roundtrip", name: "roundtrip", version: "0.1.0", description: "round-trip test",
        sourceKind: "memory", capabilities: [.check, .cancel, .incremental],
        settingsSchema: #"{"type":"object","properties":{"mode":{"type":"string"}}}"#)

    let mode: String
    let host: HostServices

    init(settings: Settings, host: HostServices) throws {
        mode = try settings.string("mode") ?? "records"
        try settings.rejectUnknownKeys()
        self.host = host
        host.log(.warning, "opened in mode \(mode)")
    }

    func check() throws {
        if mode == "check-fails" { throw ConnectorError.auth("token rejected by the source") }
    }

    static let longMessage = String(repeating: "é", count: 5000)  // 10,000 UTF-8 bytes

    func readPage(_ request: PageRequest) throws -> Page {
        if host.isCancelled { throw ConnectorError.cancelled("stopped on request") }
        switch mode {
        case "long-error": throw ConnectorError.sourceData(Self.longMessage)
        case "rate-limited": throw ConnectorError.rateLimited("slow down", retryAfterMilliseconds: 1500)
        case "trap-free-internal": throw CocoaLikeError()
        default: break
        }
        if request.cursor == nil {
            var attributes = (0 ..< 300).map { Record.Attribute("attr\($0)", "value \($0)") }
            attributes += [Record.Attribute("empty", ""), Record.Attribute("name", "Zoë Ñúñez 日本"),
                           Record.Attribute("groups", "a"), Record.Attribute("groups", "b")]
            return Page(records: [
                Record(externalId: "u1", attributes: attributes),
                Record(kind: .group, externalId: "g1", status: .inactive),
                Record(kind: .membership, externalId: "g1", attributes: [.init("member", "u1")]),
            ], nextCursor: "page-2", skippedCount: 3, notes: ["row 7: missing id", "row 9: bad email"])
        }
        guard request.cursor == "page-2" else { throw ConnectorError.internalError("unexpected cursor") }
        return Page(records: [Record(externalId: "u2", status: .deleted)], nextCursor: nil,
                    checkpoint: "cp-\(request.pageSizeHint)", incremental: true)
    }

    struct CocoaLikeError: Error {}
}

private let roundTripDescriptor = PluginExport.makeDescriptor(RoundTripConnector.self)

@Suite("Swift plugin round trip")
struct SwiftPluginRoundTripTests {
    func plugin() throws -> LoadedPlugin {
        try PluginLoader.validate(descriptor: roundTripDescriptor.pointer, path: "<in-process>")
    }

    @Test("the host's runtime string is PluginKit's")
    func runtimeStringsMatch() throws {
        #expect(HostRuntime.identifier == SwiftRuntime.identifier)
        #expect(try plugin().runtime == HostRuntime.identifier)
    }

    @Test("records, attributes, empty values, notes and skipped counts survive the C ABI")
    func pages() throws {
        let messages = Mutex<[String]>([])
        let instance = try PluginInstance(plugin: try plugin(), settingsJSON: "{}") { level, message in
            messages.withLock { $0.append("\(level):\(message)") }
        }
        #expect(messages.withLock { $0 } == ["warning:opened in mode records"])
        try instance.check()
        let first = try instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 50)
        #expect(first.records.count == 3)
        let user = first.records[0]
        #expect(user.kind == .user && user.status == .active && user.externalId == "u1")
        #expect(user.attributes.count == 304)
        #expect(user.attributes[299] == SourceAttribute("attr299", "value 299"))
        #expect(user.values("empty") == [""])
        #expect(user.values("name") == ["Zoë Ñúñez 日本"])
        #expect(user.values("groups") == ["a", "b"])
        #expect(first.records[1] == SourceRecord(kind: .group, externalId: "g1", status: .inactive))
        #expect(first.records[2].kind == .membership && first.records[2].values("member") == ["u1"])
        #expect(first.skippedCount == 3)
        #expect(first.notes == ["row 7: missing id", "row 9: bad email"])
        #expect(first.nextCursor == "page-2" && first.checkpoint == nil && !first.incremental)
        let second = try instance.readPage(cursor: "page-2", checkpoint: nil, pageSizeHint: 50)
        #expect(second.records == [SourceRecord(externalId: "u2", status: .deleted)])
        #expect(second.nextCursor == nil && second.checkpoint == "cp-50" && second.incremental)
    }

    @Test("a long error message is truncated at a UTF-8 boundary")
    func truncation() throws {
        let instance = try PluginInstance(plugin: try plugin(), settingsJSON: #"{"mode":"long-error"}"#)
        let error = try #require(throws: PluginError.self) { try instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 1) }
        #expect(error.code == .sourceData)
        let text = error.message.dropFirst("roundtrip: ".count)
        #expect(text.utf8.count <= PluginInstance.errorMessageCapacity - 1)
        #expect(text.utf8.count >= PluginInstance.errorMessageCapacity - 2)
        #expect(text.allSatisfy { $0 == "é" })
    }

    @Test("statuses map to codes, with retry-after")
    func statuses() throws {
        let limited = try PluginInstance(plugin: try plugin(), settingsJSON: #"{"mode":"rate-limited"}"#)
        let error = try #require(throws: PluginError.self) { try limited.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 1) }
        #expect(error.code == .rateLimited && error.retryAfterMilliseconds == 1500 && error.isRetryable)
        let internalFailure = try PluginInstance(plugin: try plugin(), settingsJSON: #"{"mode":"trap-free-internal"}"#)
        #expect(throws: PluginError.self) { try internalFailure.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 1) }
        let check = try PluginInstance(plugin: try plugin(), settingsJSON: #"{"mode":"check-fails"}"#)
        let auth = try #require(throws: PluginError.self) { try check.check() }
        #expect(auth.code == .auth && auth.message == "roundtrip: token rejected by the source")
    }

    @Test("open errors are config errors naming the setting")
    func openErrors() throws {
        let error = try #require(throws: PluginError.self) {
            try PluginInstance(plugin: try plugin(), settingsJSON: #"{"mood":"x"}"#)
        }
        #expect(error.code == .config && error.message.contains("settings.mood: unknown setting"))
        let notJSON = try #require(throws: PluginError.self) { try PluginInstance(plugin: try plugin(), settingsJSON: "{") }
        #expect(notJSON.code == .config)
    }

    @Test("cancel makes is_cancelled return 1")
    func cancel() throws {
        let instance = try PluginInstance(plugin: try plugin(), settingsJSON: "{}")
        #expect(!instance.isCancelled)
        instance.cancel()
        #expect(instance.isCancelled)
        let error = try #require(throws: PluginError.self) { try instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 1) }
        #expect(error.code == .cancelled)
    }
}
