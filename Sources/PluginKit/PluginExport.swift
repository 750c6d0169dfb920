public import PluginAPI
import Glibc
import RuntimeInfo

/// Turns a Swift ``Connector`` type into the C descriptor and operations table of the xaas ABI.
///
/// ## Ownership
/// The descriptor, its strings and the shared operations table are allocated once and never freed
/// (the host never unloads a plugin). Instances are retained from `open` to `close`; pages are
/// retained from `read_page` to `release_page`.
///
/// ## Threading
/// ``makeDescriptor(_:)`` is meant to initialise a global `let` (lazy and thread-safe in Swift).
/// ``entry(_:_:)`` is thread-safe.
public enum PluginExport {
    /// Builds the static descriptor for `type`. Call once, from a global `let`.
    public static func makeDescriptor<C: Connector>(_ type: C.Type) -> StaticDescriptor {
        let info = C.info
        let factory = ConnectorFactory { settings, host in try C(settings: settings, host: host) }
        let stride = MemoryLayout<xaas_plugin_descriptor>.stride
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: stride + MemoryLayout<UnsafeMutableRawPointer>.stride, alignment: 16)
        let descriptor = raw.bindMemory(to: xaas_plugin_descriptor.self, capacity: 1)
        descriptor.initialize(to: xaas_plugin_descriptor(
            struct_size: MemoryLayout<xaas_plugin_descriptor>.size,
            abi_major: UInt32(XAAS_ABI_MAJOR),
            abi_minor: UInt32(XAAS_ABI_MINOR),
            runtime: UnsafePointer(strdup(SwiftRuntime.identifier)),
            id: UnsafePointer(strdup(info.id)),
            name: UnsafePointer(strdup(info.name)),
            version: UnsafePointer(strdup(info.version)),
            description: UnsafePointer(strdup(info.description)),
            source_kind: UnsafePointer(strdup(info.sourceKind)),
            capabilities: info.capabilities.rawValue,
            settings_schema_json: UnsafePointer(strdup(info.settingsSchema)),
            ops: UnsafePointer(swiftConnectorOps),
            get_extension: nil))
        (raw + stride).storeBytes(of: Unmanaged.passRetained(factory).toOpaque(), as: UnsafeMutableRawPointer.self)
        return StaticDescriptor(pointer: UnsafePointer(descriptor))
    }

    /// The body of a plugin's `xaas_plugin_entry_v1`: returns `descriptor` when the host speaks ABI 1
    /// (any minor: PluginKit reads every host struct by prefix and lays pages out at the 1.0 record
    /// stride, which every 1.x host reads).
    public static func entry(
        _ host: UnsafePointer<xaas_host_info>?, _ descriptor: StaticDescriptor
    ) -> UnsafePointer<xaas_plugin_descriptor>? {
        guard let host, HostStruct.read(host, \.abi_major) == UInt32(XAAS_ABI_MAJOR) else { return nil }
        return descriptor.pointer
    }

    /// Writes `error` into the host's error struct (truncating at a UTF-8 boundary) and returns its status.
    @discardableResult
    static func report(_ error: any Error, to err: UnsafeMutablePointer<xaas_error>?) -> xaas_status {
        let connectorError = (error as? ConnectorError)
            ?? ConnectorError.internalError("unexpected error: \(error)")
        writeError(connectorError.message, retryAfter: connectorError.retryAfterMilliseconds, to: err)
        return connectorError.status
    }

    static func writeError(_ message: String, retryAfter: UInt32, to err: UnsafeMutablePointer<xaas_error>?) {
        guard let err, let capacity = HostStruct.read(err, \.capacity) else { return }
        if HostStruct.has(err, \.retry_after_ms) { err.pointee.retry_after_ms = retryAfter }
        guard let buffer = err.pointee.message, capacity > 0 else { return }
        var bytes = Array(message.utf8)
        let limit = capacity - 1
        if bytes.count > limit {
            var cut = limit
            while cut > 0, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }  // do not split a UTF-8 sequence
            bytes.removeSubrange(cut...)
        }
        bytes.withUnsafeBytes { src in
            UnsafeMutableRawPointer(buffer).copyMemory(from: src.baseAddress!, byteCount: src.count)
        }
        buffer[bytes.count] = 0
    }
}

/// A descriptor that lives for the whole process and is never mutated after creation, so it may sit
/// in a global `let`.
public struct StaticDescriptor: @unchecked Sendable {
    public let pointer: UnsafePointer<xaas_plugin_descriptor>
}

/// Creates connector instances; stored behind the descriptor.
final class ConnectorFactory {
    let make: (Settings, HostServices) throws -> any Connector
    init(make: @escaping (Settings, HostServices) throws -> any Connector) { self.make = make }
}

/// One open instance: the connector and the services it was opened with.
final class ConnectorInstance {
    let connector: any Connector
    init(connector: any Connector) { self.connector = connector }
}

nonisolated(unsafe) let swiftConnectorOps: UnsafeMutablePointer<xaas_plugin_ops> = {
    let ops = UnsafeMutablePointer<xaas_plugin_ops>.allocate(capacity: 1)
    ops.initialize(to: xaas_plugin_ops(
        struct_size: MemoryLayout<xaas_plugin_ops>.size,
        open: pluginKitOpen,
        check: pluginKitCheck,
        discover: nil,
        read_page: pluginKitReadPage,
        release_page: pluginKitReleasePage,
        cancel: pluginKitCancel,
        close: pluginKitClose))
    return ops
}()

private func pluginKitOpen(
    _ descriptor: UnsafePointer<xaas_plugin_descriptor>?, _ services: UnsafePointer<xaas_host_services>?,
    _ json: UnsafePointer<CChar>?, _ length: Int, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ err: UnsafeMutablePointer<xaas_error>?
) -> xaas_status {
    guard let descriptor, let out else {
        PluginExport.writeError("open: descriptor and out_instance are required", retryAfter: 0, to: err)
        return XAAS_INVALID_ARGUMENT
    }
    out.pointee = nil
    let factoryPointer = (UnsafeRawPointer(descriptor) + MemoryLayout<xaas_plugin_descriptor>.stride)
        .load(as: UnsafeMutableRawPointer.self)
    let factory = Unmanaged<ConnectorFactory>.fromOpaque(factoryPointer).takeUnretainedValue()
    let text: String
    if let json, length > 0 {
        let bytes = UnsafeRawBufferPointer(start: json, count: length)
        guard let s = String(validating: bytes, as: UTF8.self) else {
            PluginExport.writeError("settings are not valid UTF-8", retryAfter: 0, to: err)
            return XAAS_CONFIG
        }
        text = s
    } else {
        text = "{}"
    }
    do {
        let settings = try Settings(json: text)
        let connector = try factory.make(settings, HostServices(services))
        out.pointee = Unmanaged.passRetained(ConnectorInstance(connector: connector)).toOpaque()
        return XAAS_OK
    } catch {
        return PluginExport.report(error, to: err)
    }
}

private func instance(_ raw: UnsafeMutableRawPointer?) -> ConnectorInstance? {
    guard let raw else { return nil }
    return Unmanaged<ConnectorInstance>.fromOpaque(raw).takeUnretainedValue()
}

private func pluginKitCheck(_ raw: UnsafeMutableRawPointer?, _ err: UnsafeMutablePointer<xaas_error>?) -> xaas_status {
    guard let instance = instance(raw) else { return XAAS_INVALID_ARGUMENT }
    do {
        try instance.connector.check()
        return XAAS_OK
    } catch {
        return PluginExport.report(error, to: err)
    }
}

private func pluginKitReadPage(
    _ raw: UnsafeMutableRawPointer?, _ request: UnsafePointer<xaas_read_request>?,
    _ out: UnsafeMutablePointer<xaas_page>?, _ err: UnsafeMutablePointer<xaas_error>?
) -> xaas_status {
    // Every field of the 1.0 page is needed; record_stride (1.1) is written only when the host has it.
    guard let instance = instance(raw), let request, let out, HostStruct.has(UnsafePointer(out), \.plugin_data) else {
        PluginExport.writeError("read_page: bad arguments", retryAfter: 0, to: err)
        return XAAS_INVALID_ARGUMENT
    }
    let pageRequest = PageRequest(
        cursor: HostStruct.read(request, \.cursor)?.map { String(cString: $0) },
        checkpoint: HostStruct.read(request, \.checkpoint)?.map { String(cString: $0) },
        pageSizeHint: max(1, Int(HostStruct.read(request, \.page_size_hint) ?? 1)))
    do {
        let page = try instance.connector.readPage(pageRequest)
        PageArena.fill(out, with: page)
        return XAAS_OK
    } catch {
        return PluginExport.report(error, to: err)
    }
}

private func pluginKitReleasePage(_ raw: UnsafeMutableRawPointer?, _ page: UnsafeMutablePointer<xaas_page>?) {
    guard let page, let data = page.pointee.plugin_data else { return }
    Unmanaged<PageArena>.fromOpaque(data).release()
    page.pointee.plugin_data = nil
}

private func pluginKitCancel(_ raw: UnsafeMutableRawPointer?) {
    instance(raw)?.connector.cancel()
}

private func pluginKitClose(_ raw: UnsafeMutableRawPointer?) {
    guard let raw else { return }
    Unmanaged<ConnectorInstance>.fromOpaque(raw).release()
}
