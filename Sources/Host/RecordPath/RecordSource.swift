import Foundation

/// Where the planner pulls records from: a connector instance, or a test double.
///
/// ## Threading
/// Called from one dedicated thread at a time (plugin calls block; never from the async pool).
public protocol RecordSource {
    /// The next page; `cursor == nil` starts a read (from `checkpoint` for incremental sources).
    func readPage(cursor: String?, checkpoint: String?, pageSizeHint: Int) throws -> SourcePage
}

/// An error that says whether the same read may be retried, and after how long.
public protocol RetryableReadError: Error {
    /// Milliseconds to wait before retrying the same call, or `nil` when retrying cannot help.
    var retryDelayMilliseconds: UInt32? { get }
}

extension PluginInstance: RecordSource {}

extension PluginError: RetryableReadError {
    public var retryDelayMilliseconds: UInt32? { isRetryable ? retryAfterMilliseconds : nil }
}

/// The first stage of the record path: one read of a ``RecordSource`` as a sequence of pages. Follows the
/// cursors from the first page (at `checkpoint`, for incremental sources) to the last, retries a page the
/// connector says may be retried (its `retry_after_ms`, with backoff, capped), and stops a read whose
/// connector hands back a cursor it gave before.
public struct PageReader {
    public var source: any RecordSource
    public var pageSize: Int
    /// Where an incremental source resumes; `nil` for a full read.
    public var checkpoint: String?
    public var maxRetries = 5
    /// No wait before retrying a page is longer than this, whatever `retry_after_ms` the connector asked for.
    public var maxRetryDelaySeconds = 300.0
    public var sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    public var isCancelled: () -> Bool = { false }

    private var cursor: String?
    private var started = false
    private var loops = CursorLoopDetector()
    /// Why the read must stop after the page just returned (a cursor loop).
    private var stop: String?

    public init(source: any RecordSource, pageSize: Int, checkpoint: String?) {
        self.source = source
        self.pageSize = pageSize
        self.checkpoint = checkpoint
    }

    /// The next page, or `nil` after the last one. Throws why the read stopped early (the connector's error
    /// after its retries, "cancelled", a cursor loop detected on the page before); a read that threw is over.
    public mutating func next() throws -> SourcePage? {
        if let stop { throw ReadStopped(description: stop) }
        guard !started || cursor != nil else { return nil }
        if isCancelled() { throw ReadStopped(description: "cancelled") }
        let page = try readWithRetry()
        started = true
        cursor = page.nextCursor
        stop = loops.check(cursor)
        return page
    }

    /// Why a read stopped before its end (cancelled, or a connector bug).
    public struct ReadStopped: Error, CustomStringConvertible {
        public var description: String
    }

    private func readWithRetry() throws -> SourcePage {
        var attempt = 0
        while true {
            do {
                return try source.readPage(cursor: cursor, checkpoint: started ? nil : checkpoint, pageSizeHint: pageSize)
            } catch let error as any RetryableReadError {
                guard let delay = error.retryDelayMilliseconds, attempt < maxRetries, !isCancelled() else { throw error }
                attempt += 1
                let backoff = min(60.0, 0.5 * pow(2.0, Double(attempt - 1)))
                sleep(min(maxRetryDelaySeconds, max(Double(delay) / 1000, backoff)))
            }
        }
    }
}
