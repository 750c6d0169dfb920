import Glibc
import PluginAPI
import PluginKit
import Synchronization

/// The `csv` connector: users from one CSV file, streamed page by page.
///
/// `open` only validates settings; `check` and the first `read_page` open the file (a missing file
/// is `NOT_FOUND`). A read keeps the file open between pages; its cursor (byte offset, line and the
/// file's identity) lets any instance resume it, and a file that changes during a read fails the
/// read with `SOURCE_DATA`.
///
/// ## Threading
/// `[instance-serial]` except ``cancel()``, which only sets an atomic flag that `readPage` polls
/// between rows.
final class CSVConnector: Connector {
    static let info = ConnectorInfo(
        id: "org.xaas.csv", name: "csv", version: "1.0.0",
        description: "Users (and groups from a column of group names) from a CSV file (RFC 4180, UTF-8, header row)",
        sourceKind: "file", capabilities: [.check, .cancel, .groups, .memberships], settingsSchema: CSVOptions.schema)

    private let options: CSVOptions
    private let host: HostServices
    /// Set by `cancel()` from any thread; cleared when a new read starts.
    private let cancelRequested = Atomic<Bool>(false)
    /// The read in progress, kept open between pages.
    private var session: CSVSession?

    init(settings: Settings, host: HostServices) throws {
        options = try CSVOptions(settings)
        self.host = host
    }

    func check() throws {
        _ = try CSVSession(options: options, resume: nil)
    }

    func cancel() {
        cancelRequested.store(true, ordering: .relaxed)
    }

    func readPage(_ request: PageRequest) throws -> Page {
        let current: CSVSession
        if let text = request.cursor {
            let cursor = try CSVCursor(text: text)
            if let session, session.cursor == cursor {
                current = session
            } else {
                session = nil
                current = try CSVSession(options: options, resume: cursor)
                session = current
            }
        } else {
            cancelRequested.store(false, ordering: .relaxed)
            session = nil
            current = try CSVSession(options: options, resume: nil)
            session = current
        }
        do {
            let page = try current.readPage(size: request.pageSizeHint) {
                self.cancelRequested.load(ordering: .relaxed) || self.host.isCancelled
            }
            if page.nextCursor == nil { session = nil }
            return page
        } catch {
            session = nil
            throw error
        }
    }
}

private let descriptor = PluginExport.makeDescriptor(CSVConnector.self)

/// The plugin's entry point (ABI v1).
@c(xaas_plugin_entry_v1)
public func xaasPluginEntry(_ host: UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>? {
    PluginExport.entry(host, descriptor)
}
