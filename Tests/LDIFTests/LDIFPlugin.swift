import Foundation
import Glibc
import PluginAPI
import TestSupport

/// Drives the built `libLDIFConnector.so` through the v1 C ABI (dlopen, open, read_page loop,
/// release_page, close), the way the host does, and copies every page into Swift values.
enum LDIFPlugin {
    /// One record as the host sees it.
    struct Rec: Equatable, CustomStringConvertible {
        var kind: String
        var externalId: String
        var status: String
        var attributes: [(name: String, value: String)]

        static func == (a: Rec, b: Rec) -> Bool {
            a.kind == b.kind && a.externalId == b.externalId && a.status == b.status
                && a.attributes.map(\.name) == b.attributes.map(\.name) && a.attributes.map(\.value) == b.attributes.map(\.value)
        }

        /// Every value of `name`, in order.
        func values(_ name: String) -> [String] { attributes.filter { $0.name == name }.map(\.value) }
        var description: String { "\(kind) \(externalId) \(status) \(attributes.map { "\($0.name)=\($0.value)" })" }
    }

    /// A whole read.
    struct Result {
        var records: [Rec] = []
        var notes: [String] = []
        var skipped = 0
        var incremental = false
        var pages = 0
        /// The number of attribute values of each page.
        var pageValues: [Int] = []
        var users: [Rec] { records.filter { $0.kind == "user" } }
        var groups: [Rec] { records.filter { $0.kind == "group" } }
        var memberships: [Rec] { records.filter { $0.kind == "membership" } }
    }

    /// A non-OK status from the plugin.
    struct Failure: Error, CustomStringConvertible {
        var status: Int32
        var message: String
        var description: String { "status \(status): \(message)" }
    }

    typealias Entry = @convention(c) (UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>?

    nonisolated(unsafe) static let descriptor: UnsafePointer<xaas_plugin_descriptor>? = {
        let path = TestSupport.connectorLibrary("LDIFConnector").path
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE),
              let symbol = dlsym(handle, XAAS_PLUGIN_ENTRY_V1) else { return nil }
        let entry = unsafeBitCast(symbol, to: Entry.self)
        var info = xaas_host_info(struct_size: MemoryLayout<xaas_host_info>.size, abi_major: 1, abi_minor: 0,
                                  host_version: nil, runtime: nil)
        return entry(&info)
    }()

    /// Writes `settings` (a JSON object text) and reads everything, `pageSize` records a page.
    /// `cursorTransform` may replace each cursor (to test resuming from a fresh instance).
    static func read(_ settings: String, pageSize: UInt32 = 100, reopenEachPage: Bool = false,
                     cancelled: Bool = false) throws -> Result {
        guard let descriptor, let ops = descriptor.pointee.ops else {
            throw Failure(status: -1, message: "cannot load \(TestSupport.connectorLibrary("LDIFConnector").path): \(String(cString: dlerror()))")
        }
        var result = Result()
        var instance = try open(ops, descriptor, settings, services: cancelled ? cancelledServices : nil)
        defer { ops.pointee.close(instance) }
        var cursor: String? = nil
        repeat {
            if reopenEachPage, cursor != nil {
                ops.pointee.close(instance)
                instance = try open(ops, descriptor, settings)
            }
            var page = xaas_page()
            page.struct_size = MemoryLayout<xaas_page>.size
            var message = [CChar](repeating: 0, count: 4096)
            let status: Int32 = message.withUnsafeMutableBufferPointer { buffer in
                var err = xaas_error(struct_size: MemoryLayout<xaas_error>.size, message: buffer.baseAddress,
                                     capacity: buffer.count, retry_after_ms: 0)
                return withOptionalCString(cursor) { c in
                    var request = xaas_read_request(struct_size: MemoryLayout<xaas_read_request>.size, cursor: c,
                                                    checkpoint: nil, page_size_hint: pageSize)
                    return ops.pointee.read_page(instance, &request, &page, &err)
                }
            }
            guard status == XAAS_OK else { throw Failure(status: status, message: String(cString: message)) }
            result.pages += 1
            result.pageValues.append((0..<page.record_count).reduce(0) { $0 + Int(page.records[$1].attribute_count) })
            for i in 0..<page.record_count {
                let r = page.records[i]
                var attributes: [(String, String)] = []
                for k in 0..<r.attribute_count {
                    attributes.append((string(r.attributes[k].name), string(r.attributes[k].value)))
                }
                result.records.append(Rec(kind: ["user", "group", "membership"][Int(r.kind)], externalId: string(r.external_id),
                                          status: ["active", "inactive", "deleted"][Int(r.status)], attributes: attributes))
            }
            for i in 0..<page.note_count { result.notes.append(String(cString: page.notes[i]!)) }
            result.skipped += Int(page.skipped_count)
            result.incremental = page.flags & XAAS_PAGE_INCREMENTAL != 0
            cursor = page.next_cursor.map { String(cString: $0) }
            ops.pointee.release_page(instance, &page)
        } while cursor != nil
        return result
    }

    /// Host services whose `is_cancelled` always says yes (lives for the whole process).
    nonisolated(unsafe) static let cancelledServices: UnsafePointer<xaas_host_services> = {
        let p = UnsafeMutablePointer<xaas_host_services>.allocate(capacity: 1)
        p.initialize(to: xaas_host_services(struct_size: MemoryLayout<xaas_host_services>.size, context: nil,
                                            log: nil, is_cancelled: { _ in 1 }, get_extension: nil))
        return UnsafePointer(p)
    }()

    private static func open(_ ops: UnsafePointer<xaas_plugin_ops>, _ descriptor: UnsafePointer<xaas_plugin_descriptor>,
                             _ settings: String, services: UnsafePointer<xaas_host_services>? = nil) throws -> UnsafeMutableRawPointer? {
        var instance: UnsafeMutableRawPointer? = nil
        var message = [CChar](repeating: 0, count: 4096)
        let bytes = Array(settings.utf8)
        let status: Int32 = message.withUnsafeMutableBufferPointer { buffer in
            var err = xaas_error(struct_size: MemoryLayout<xaas_error>.size, message: buffer.baseAddress,
                                 capacity: buffer.count, retry_after_ms: 0)
            return bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { c in
                    ops.pointee.open(descriptor, services, c.baseAddress, c.count, &instance, &err)
                }
            }
        }
        guard status == XAAS_OK else { throw Failure(status: status, message: String(cString: message)) }
        return instance
    }

    private static func string(_ s: xaas_str) -> String {
        guard let p = s.ptr, s.len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: s.len), as: UTF8.self)
    }

    private static func withOptionalCString<T>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let s else { return body(nil) }
        return s.withCString { body($0) }
    }
}

/// Files for LDIF tests.
enum LDIFFixtures {
    /// `shared/corpora`: beside the checkout, else `$XAAS_SHARED_DIR/corpora`, else /work/shared/corpora.
    static var corpora: URL? {
        if let c = TestSupport.sharedCorpora { return c }
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["XAAS_SHARED_DIR"] { candidates.append(env + "/corpora") }
        candidates.append("/work/shared/corpora")
        return candidates.first { FileManager.default.fileExists(atPath: $0) }.map { URL(fileURLWithPath: $0) }
    }

    /// Writes `text` to a fresh temporary file and returns its path.
    static func write(_ text: String, name: String = "input.ldif") throws -> String {
        try write(Data(text.utf8), name: name)
    }

    static func write(_ data: Data, name: String = "input.ldif") throws -> String {
        let dir = try TestSupport.makeTemporaryDirectory("xaas-ldif")
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// A settings JSON object for `path` plus extra members (`"key": value` JSON text).
    static func settings(_ path: String, _ extra: String = "") -> String {
        let quoted = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "{\"path\": \"\(quoted)\"\(extra.isEmpty ? "" : ", " + extra)}"
    }

    /// Reads LDIF `text` with `extra` settings.
    static func read(_ text: String, _ extra: String = "", pageSize: UInt32 = 100) throws -> LDIFPlugin.Result {
        try LDIFPlugin.read(settings(try write(text), extra), pageSize: pageSize)
    }
}
