import PluginAPI
import PluginKit
import Testing
import TestSupport
@testable import Host

/// A connector for driving PluginKit's exports by hand.
final class OlderHostConnector: Connector {
    static let info = ConnectorInfo(
        id: "org.xaas.test.olderhost", name: "olderhost", version: "0.1.0", description: "older-host test",
        sourceKind: "memory", capabilities: [], settingsSchema: #"{"type":"object"}"#)

    init(settings: Settings, host: HostServices) throws {}

    func readPage(_ request: PageRequest) throws -> Page {
        if request.cursor == "limited" { throw ConnectorError.rateLimited("slow down", retryAfterMilliseconds: 1500) }
        return Page(records: [Record(externalId: "u1", attributes: [.init("email", "a@x")]), Record(externalId: "u2")],
                    nextCursor: nil)
    }
}

private let olderHostDescriptor = PluginExport.makeDescriptor(OlderHostConnector.self)

/// The other direction of the minor-version promise: connectors built with this header (PluginKit and
/// the static C connector) serve a 1.0 host, whose page has no `record_stride` and whose structs
/// are shorter than the plugin's own: they write only inside the host's `struct_size`.
@Suite("Plugins serve an older host")
struct OlderHostTests {
    static let pageSize10 = MemoryLayout<xaas_page>.offset(of: \.record_stride)!
    static let canary: UInt8 = 0xA5

    /// Calls `read_page` with a 1.0-sized page followed by canary bytes; returns the page (zero beyond
    /// 1.0) and whether the canary survived.
    static func readAs10Host(_ plugin: LoadedPlugin, settings: String) throws -> (xaas_page, Bool, UnsafeMutableRawPointer?) {
        var instance: UnsafeMutableRawPointer? = nil
        var message = [CChar](repeating: 0, count: 256)
        var err = xaas_error(struct_size: MemoryLayout<xaas_error>.size, message: nil, capacity: 256, retry_after_ms: 0)
        let opened = message.withUnsafeMutableBufferPointer { buffer in
            err.message = buffer.baseAddress
            var bytes = Array(settings.utf8CString)
            return bytes.withUnsafeMutableBufferPointer {
                plugin.ops.open!(plugin.descriptor, nil, $0.baseAddress, settings.utf8.count, &instance, &err)
            }
        }
        try #require(opened == XAAS_OK, "open: \(Self.text(message))")
        let raw = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<xaas_page>.size + 32, alignment: 16)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: canary, count: MemoryLayout<xaas_page>.size + 32)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: pageSize10)
        raw.storeBytes(of: pageSize10, as: Int.self)
        var request = xaas_read_request(struct_size: MemoryLayout<xaas_read_request>.size, cursor: nil, checkpoint: nil,
                                        page_size_hint: 10)
        let page = raw.assumingMemoryBound(to: xaas_page.self)
        let status = plugin.ops.read_page!(instance, &request, page, &err)
        try #require(status == XAAS_OK)
        let intact = (pageSize10 ..< MemoryLayout<xaas_page>.size + 32).allSatisfy { raw.load(fromByteOffset: $0, as: UInt8.self) == canary }
        var copy = xaas_page()
        withUnsafeMutableBytes(of: &copy) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: pageSize10)) }
        plugin.ops.release_page!(instance, page)
        return (copy, intact, instance)
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static let expected = [SourceRecord(externalId: "u1", attributes: [.init("email", "a@x")]), SourceRecord(externalId: "u2")]

    @Test("PluginKit writes a 1.0 page only up to its struct_size, at the 1.0 record stride")
    func pluginKit() throws {
        let plugin = try PluginLoader.validate(descriptor: olderHostDescriptor.pointer, path: "<in-process>")
        let (page, intact, instance) = try Self.readAs10Host(plugin, settings: "{}")
        defer { plugin.ops.close!(instance) }
        #expect(intact, "PluginKit wrote beyond the host's page struct_size")
        #expect(page.record_count == 2)
    }

    @Test("the static C connector writes a 1.0 page only up to its struct_size")
    func staticConnector() throws {
        let plugin = try PluginRegistry.load(path: TestSupport.connectorLibrary("StaticConnector").path)
        let settings = #"{"records":[{"externalId":"u1","attributes":{"email":"a@x"}},{"externalId":"u2"}]}"#
        let (page, intact, instance) = try Self.readAs10Host(plugin, settings: settings)
        defer { plugin.ops.close!(instance) }
        #expect(intact, "the static connector wrote beyond the host's page struct_size")
        #expect(page.record_count == 2)
    }

    @Test("records of a page without record_stride decode at the 1.0 stride")
    func decodesAt10Stride() throws {
        // The pages above were released; read again through the host with the 1.0 rule (abi_minor 0).
        let plugin = try PluginRegistry.load(path: TestSupport.connectorLibrary("StaticConnector").path)
        let settings = #"{"records":[{"externalId":"u1","attributes":{"email":"a@x"}},{"externalId":"u2"}]}"#
        var instance: UnsafeMutableRawPointer? = nil
        var err = xaas_error(struct_size: MemoryLayout<xaas_error>.size, message: nil, capacity: 0, retry_after_ms: 0)
        let opened = Array(settings.utf8CString).withUnsafeBufferPointer {
            plugin.ops.open!(plugin.descriptor, nil, $0.baseAddress, settings.utf8.count, &instance, &err)
        }
        try #require(opened == XAAS_OK)
        defer { plugin.ops.close!(instance) }
        var page = xaas_page()
        page.struct_size = Self.pageSize10
        var request = xaas_read_request(struct_size: MemoryLayout<xaas_read_request>.size, cursor: nil, checkpoint: nil,
                                        page_size_hint: 10)
        try #require(plugin.ops.read_page!(instance, &request, &page, &err) == XAAS_OK)
        defer { plugin.ops.release_page!(instance, &page) }
        #expect(page.record_stride == 0)
        #expect(try PageDecoder(plugin: "static", abiMinor: 0).decode(page, structSize: Self.pageSize10).records == Self.expected)
    }

    @Test("PluginKit fills a short error struct without its retry_after_ms")
    func shortError() throws {
        let plugin = try PluginLoader.validate(descriptor: olderHostDescriptor.pointer, path: "<in-process>")
        var instance: UnsafeMutableRawPointer? = nil
        var message = [CChar](repeating: 0, count: 64)
        let status: xaas_status = message.withUnsafeMutableBufferPointer { buffer in
            var err = xaas_error(struct_size: MemoryLayout<xaas_error>.offset(of: \.retry_after_ms)!, message: buffer.baseAddress,
                                 capacity: 64, retry_after_ms: 777)
            guard plugin.ops.open!(plugin.descriptor, nil, nil, 0, &instance, &err) == XAAS_OK else { return -1 }
            var page = xaas_page()
            page.struct_size = MemoryLayout<xaas_page>.size
            let status = "limited".withCString { cursor in
                var request = xaas_read_request(struct_size: MemoryLayout<xaas_read_request>.size, cursor: cursor,
                                                checkpoint: nil, page_size_hint: 10)
                return plugin.ops.read_page!(instance, &request, &page, &err)
            }
            #expect(err.retry_after_ms == 777, "PluginKit wrote retry_after_ms outside the host's struct_size")
            return status
        }
        defer { plugin.ops.close!(instance) }
        #expect(status == XAAS_RATE_LIMITED)
        #expect(Self.text(message) == "slow down")
    }
}
