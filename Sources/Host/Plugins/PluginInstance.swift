import PluginAPI
import Synchronization

/// Severity of a message a plugin logs through the host services.
public enum PluginLogLevel: Int32, Sendable {
    case debug, info, warning, error

    /// The level for an `XAAS_LOG_*` value; out-of-range values are clamped.
    init(clamping raw: Int32) {
        self = PluginLogLevel(rawValue: min(max(raw, 0), 3)) ?? .error
    }
}

/// One open instance of a connector plugin (`open` … `close`).
///
/// ## Threading
/// Plugin operations run on the calling thread (the sync engine calls them from dedicated threads,
/// never the Swift concurrency pool). ``check()`` and ``readPage(cursor:checkpoint:pageSizeHint:)``
/// are `[instance-serial]`: a lock serialises them, so concurrent callers wait rather than break the
/// plugin's contract. ``cancel()`` is thread-safe and never takes that lock.
///
/// ## Ownership
/// The host-services table and its context live from `open` until `close` returns (in `deinit`).
/// Pages are copied into Swift memory and released to the plugin before `readPage` returns.
public final class PluginInstance: @unchecked Sendable {
    /// Capacity of the host-owned error message buffer, including the terminating NUL.
    public static let errorMessageCapacity = 4096

    public let plugin: LoadedPlugin
    /// The plugin's opaque instance handle. Used only while holding `serial` (or in `deinit`).
    private let handle: UnsafeMutableRawPointer
    /// Serialises instance operations; guards `handle` and `errorBuffer`.
    private let serial = Mutex<Void>(())
    private let errorBuffer: ErrorBuffer
    private let services: UnsafeMutablePointer<xaas_host_services>
    private let context: HostServicesContext
    /// Removes the secrets the settings resolve from every message the plugin hands the host.
    public let redactor: SecretRedactor
    /// Turns C pages into ``SourcePage``s; used only while holding `serial`.
    private let decoder: PageDecoder

    /// Opens an instance with `settingsJSON` (a UTF-8 JSON object). `log` receives every message the
    /// plugin logs, from any thread. `redactor` defaults to one built from the settings (pass the run's
    /// own so a `{"command"}` secret is not run again for it).
    public init(plugin: LoadedPlugin, settingsJSON: String, redactor: SecretRedactor? = nil,
                log: @escaping @Sendable (PluginLogLevel, String) -> Void = { _, _ in }) throws(PluginError) {
        self.plugin = plugin
        let redactor = redactor ?? SecretRedactor(settingsJSON: settingsJSON)
        self.redactor = redactor
        let context = HostServicesContext(log: { level, message in log(level, redactor.redact(message)) })
        let services = UnsafeMutablePointer<xaas_host_services>.allocate(capacity: 1)
        services.initialize(to: xaas_host_services(
            struct_size: MemoryLayout<xaas_host_services>.size,
            context: Unmanaged.passRetained(context).toOpaque(),
            log: hostServicesLog, is_cancelled: hostServicesIsCancelled, get_extension: hostServicesGetExtension))
        let errorBuffer = ErrorBuffer()
        var settings = settingsJSON
        var out: UnsafeMutableRawPointer? = nil
        let status = PluginCallWatch.around("\(plugin.name): open") {
            settings.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    plugin.ops.open!(plugin.descriptor, services, chars.baseAddress, chars.count, &out, errorBuffer.error)
                }
            }
        }
        guard status == XAAS_OK, let handle = out else {
            Unmanaged<HostServicesContext>.fromOpaque(services.pointee.context!).release()
            services.deallocate()
            if status == XAAS_OK {
                throw PluginError(.internalError, "\(plugin.name): open returned OK without an instance")
            }
            throw redactor.redact(errorBuffer.failure(status, operation: "open", plugin: plugin.name))
        }
        self.handle = handle
        self.services = services
        self.context = context
        self.errorBuffer = errorBuffer
        self.decoder = PageDecoder(plugin: plugin.name, abiMinor: plugin.abiMinor)
    }

    deinit {
        plugin.ops.close?(handle)
        Unmanaged<HostServicesContext>.fromOpaque(services.pointee.context!).release()
        services.deallocate()
    }

    /// Runs the plugin's cheap connectivity / access test. Does nothing when the plugin has no `check`.
    public func check() throws(PluginError) {
        guard let check = plugin.ops.check else { return }
        try serial.withLock { _ throws(PluginError) in
            errorBuffer.reset()
            let status = PluginCallWatch.around("\(plugin.name): check") { check(handle, errorBuffer.error) }
            if status != XAAS_OK { throw redactor.redact(errorBuffer.failure(status, operation: "check", plugin: plugin.name)) }
        }
    }

    /// Reads the next page: `cursor` from the previous page (`nil` starts a read), `checkpoint` the
    /// last persisted resume point (used only when `cursor` is `nil`). The records are copied out and
    /// the C page is released before this returns.
    public func readPage(cursor: String?, checkpoint: String?, pageSizeHint: Int) throws(PluginError) -> SourcePage {
        try serial.withLock { _ throws(PluginError) -> SourcePage in
            errorBuffer.reset()
            var page = xaas_page()  // zero-filled: fields a plugin does not know stay 0
            page.struct_size = MemoryLayout<xaas_page>.size
            let readPage = plugin.ops.read_page!
            let status = PluginCallWatch.around("\(plugin.name): read_page") { withOptionalCString(cursor) { cursorPointer in
                withOptionalCString(checkpoint) { checkpointPointer in
                    var request = xaas_read_request(
                        struct_size: MemoryLayout<xaas_read_request>.size, cursor: cursorPointer,
                        checkpoint: checkpointPointer, page_size_hint: UInt32(clamping: max(1, pageSizeHint)))
                    return readPage(handle, &request, &page, errorBuffer.error)
                }
            } }
            guard status == XAAS_OK else {
                throw redactor.redact(errorBuffer.failure(status, operation: "read_page", plugin: plugin.name))
            }
            defer { plugin.ops.release_page!(handle, &page) }
            var decoded = try decoder.decode(page)
            if !redactor.isEmpty { decoded.notes = decoded.notes.map(redactor.redact) }
            return decoded
        }
    }

    /// Asks an in-flight call to stop soon: calls the plugin's `cancel` (when it has one) and makes
    /// the services' `is_cancelled` return 1 from now on. Thread-safe.
    public func cancel() {
        context.cancelled.store(true, ordering: .releasing)
        plugin.ops.cancel?(handle)
    }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool { context.cancelled.load(ordering: .acquiring) }
}

/// What the C host-services callbacks reach through `context`.
final class HostServicesContext: Sendable {
    let log: @Sendable (PluginLogLevel, String) -> Void
    let cancelled = Atomic<Bool>(false)
    init(log: @escaping @Sendable (PluginLogLevel, String) -> Void) { self.log = log }
}

/// The host-owned `xaas_error` and its message buffer, reused for every call on one instance.
/// Used only under the instance's lock (or before the instance exists).
final class ErrorBuffer {
    let error: UnsafeMutablePointer<xaas_error>
    private let message: UnsafeMutablePointer<CChar>

    init() {
        message = .allocate(capacity: PluginInstance.errorMessageCapacity)
        error = .allocate(capacity: 1)
        error.initialize(to: xaas_error(struct_size: MemoryLayout<xaas_error>.size, message: message,
                                        capacity: PluginInstance.errorMessageCapacity, retry_after_ms: 0))
        reset()
    }

    deinit {
        message.deallocate()
        error.deallocate()
    }

    func reset() {
        message[0] = 0
        error.pointee.retry_after_ms = 0
    }

    /// The error for a non-OK `status`, with the plugin's message (repaired if not UTF-8).
    func failure(_ status: xaas_status, operation: String, plugin: String) -> PluginError {
        message[PluginInstance.errorMessageCapacity - 1] = 0  // never trust the plugin to terminate
        var text = String(cString: message)
        if text.isEmpty { text = "\(operation) failed with status \(status) and no message" }
        if status == XAAS_END || status < 0 || status > XAAS_UNSUPPORTED {
            text = "\(operation) returned unknown status \(status): \(text)"
        }
        return PluginError(PluginError.Code(status: status), "\(plugin): \(text)",
                           retryAfterMilliseconds: error.pointee.retry_after_ms)
    }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString(body)
}

private func hostServicesLog(_ context: UnsafeMutableRawPointer?, _ level: Int32, _ message: UnsafePointer<CChar>?) {
    guard let context, let message else { return }
    let box = Unmanaged<HostServicesContext>.fromOpaque(context).takeUnretainedValue()
    box.log(PluginLogLevel(clamping: level), String(cString: message))
}

private func hostServicesIsCancelled(_ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let context else { return 0 }
    return Unmanaged<HostServicesContext>.fromOpaque(context).takeUnretainedValue()
        .cancelled.load(ordering: .acquiring) ? 1 : 0
}

private func hostServicesGetExtension(_ context: UnsafeMutableRawPointer?, _ id: UnsafePointer<CChar>?) -> UnsafeRawPointer? {
    nil
}
