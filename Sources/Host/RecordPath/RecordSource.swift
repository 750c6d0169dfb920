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
