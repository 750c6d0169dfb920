/// Detects a connector that hands back a cursor it already gave earlier in the same read: following it
/// would read the same pages forever. One per read; remembers a 64-bit hash per page (not the cursors).
public struct CursorLoopDetector: Sendable {
    private var seen = Set<Int>()
    private var pages = 0

    public init() {}

    /// Records `cursor` (the `next_cursor` of the page just read); returns why the read must stop when the
    /// cursor was seen before, else nil.
    public mutating func check(_ cursor: String?) -> String? {
        pages += 1
        guard let cursor else { return nil }
        guard seen.insert(cursor.hashValue).inserted else {
            return "the connector returned the cursor \"\(cursor.prefix(60))\" again after \(pages) pages of this read; "
                + "following it would never end (a connector bug)"
        }
        return nil
    }
}
