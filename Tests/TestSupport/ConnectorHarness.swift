import Foundation
import PluginAPI

/// (Copied from `Tests/CSVTests/ConnectorHarness.swift`, plus ``signForTest(_:)``.)
///
/// Drives a connector `.so` through the real C ABI (dlopen, entry, open, read_page, release_page,
/// close) the way the host does, and hands back plain Swift values for assertions.
///
/// ## Threading
/// Each harness is used by one test at a time; `cancel` may be called from another thread.
public final class ConnectorHarness: @unchecked Sendable {
    /// One record as a test sees it.
    public struct TestRecord: Equatable, Sendable, CustomStringConvertible {
        public var externalId: String
        public var status: UInt32
        /// (name, value) pairs in order.
        public var attributes: [[String]]
        public var values: [String] { attributes.map { $0[1] } }
        public var description: String { "\(externalId) \(status) \(attributes)" }
        /// The last value of each attribute name.
        public var dictionary: [String: String] {
            Dictionary(attributes.map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
        }
    }

    /// A failed call: the status and the plugin's message.
    public struct CallError: Error, CustomStringConvertible {
        public var status: Int32
        public var message: String
        public var description: String { "status \(status): \(message)" }

        public init(status: Int32, message: String) {
            self.status = status
            self.message = message
        }
    }

    /// A whole read.
    public struct ReadResult: Sendable {
        public var records: [TestRecord] = []
        public var skipped: UInt64 = 0
        public var notes: [String] = []
        public var pages = 0
        public var cursors: [String] = []
    }

    public let descriptor: UnsafePointer<xaas_plugin_descriptor>
    private var ops: xaas_plugin_ops { descriptor.pointee.ops.pointee }
    private var instance: UnsafeMutableRawPointer?

    /// Loads `lib<product>.so` from the build directory and opens an instance with `settings`.
    public init(product: String, settings: String) throws {
        let path = TestSupport.connectorLibrary(product).path
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw CallError(status: -1, message: "dlopen \(path): \(String(cString: dlerror()))")
        }
        guard let symbol = dlsym(handle, XAAS_PLUGIN_ENTRY_V1) else {
            throw CallError(status: -1, message: "no entry symbol in \(path)")
        }
        let entry = unsafeBitCast(symbol, to: xaas_plugin_entry_v1_fn.self)
        let found: UnsafePointer<xaas_plugin_descriptor>? = "0.0.0-test".withCString { version in
            "test".withCString { runtime in
                var info = xaas_host_info(struct_size: MemoryLayout<xaas_host_info>.size, abi_major: 1, abi_minor: 0,
                                          host_version: version, runtime: runtime)
                return entry(&info)
            }
        }
        guard let found else { throw CallError(status: -1, message: "entry returned NULL") }
        descriptor = found
        var out: UnsafeMutableRawPointer?
        let bytes = Array(settings.utf8)
        let status = Self.withError { err in
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    ops.open(descriptor, nil, $0.baseAddress, $0.count, &out, err)
                }
            }
        }
        if let failure = status { throw failure }
        instance = out
    }

    deinit {
        if let instance { ops.close(instance) }
    }

    /// Calls `body` with a host-owned error buffer; returns the error when the status is not OK.
    private static func withError(_ body: (UnsafeMutablePointer<xaas_error>) -> xaas_status) -> CallError? {
        let capacity = 4096
        let message = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        defer { message.deallocate() }
        message[0] = 0
        var err = xaas_error(struct_size: MemoryLayout<xaas_error>.size, message: message, capacity: capacity,
                             retry_after_ms: 0)
        let status = body(&err)
        return status == XAAS_OK ? nil : CallError(status: status, message: String(cString: message))
    }

    /// `check`.
    public func check() throws {
        if let failure = Self.withError({ ops.check!(instance, $0) }) { throw failure }
    }

    /// `cancel` (thread-safe).
    public func cancel() { ops.cancel!(instance) }

    /// One `read_page` call; returns the page's records, skipped count, notes and next cursor.
    public func readPage(cursor: String?, pageSize: UInt32) throws -> (ReadResult, String?) {
        var page = xaas_page()
        page.struct_size = MemoryLayout<xaas_page>.size
        let failure = Self.withError { err in
            func call(_ c: UnsafePointer<CChar>?) -> xaas_status {
                var request = xaas_read_request(struct_size: MemoryLayout<xaas_read_request>.size, cursor: c,
                                                checkpoint: nil, page_size_hint: pageSize)
                return ops.read_page(instance, &request, &page, err)
            }
            if let cursor { return cursor.withCString { call($0) } }
            return call(nil)
        }
        if let failure { throw failure }
        defer { ops.release_page(instance, &page) }
        var result = ReadResult(pages: 1)
        for i in 0..<page.record_count {
            let r = page.records[i]
            var attributes: [[String]] = []
            for j in 0..<r.attribute_count {
                attributes.append([Self.string(r.attributes[j].name), Self.string(r.attributes[j].value)])
            }
            result.records.append(TestRecord(externalId: Self.string(r.external_id), status: r.status,
                                             attributes: attributes))
        }
        result.skipped = page.skipped_count
        for i in 0..<page.note_count { result.notes.append(String(cString: page.notes[i]!)) }
        return (result, page.next_cursor.map { String(cString: $0) })
    }

    /// Reads every page from the start.
    public func readAll(pageSize: UInt32 = 100) throws -> ReadResult {
        var total = ReadResult()
        var cursor: String?
        repeat {
            let (page, next) = try readPage(cursor: cursor, pageSize: pageSize)
            total.records += page.records
            total.skipped += page.skipped
            total.notes += page.notes
            total.pages += 1
            if let next { total.cursors.append(next) }
            cursor = next
        } while cursor != nil
        return total
    }

    private static func string(_ s: xaas_str) -> String {
        guard let ptr = s.ptr, s.len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: ptr, count: s.len), as: UTF8.self)
    }
}
