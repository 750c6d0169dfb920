/// Rewrites statement parameters between the two spellings the state SQL may use: SQLite's `?`/`?N` and
/// PostgreSQL's `$N`. Quoted text ('…', "…") is left alone. Both rewrites keep SQLite's numbering: a bare
/// `?` takes the largest number used so far plus one.
enum SQLPlaceholders {
    /// `$N` → `?N` (SQLite numbers `$N` by first appearance, not by N; `?N` binds parameter N).
    static func sqlite(_ sql: String) -> String {
        guard sql.utf8.contains(UInt8(ascii: "$")) else { return sql }
        return rewrite(sql, marker: "$") { number, _ in "?\(number!)" }
    }

    /// `?` and `?N` → `$N`.
    static func postgres(_ sql: String) -> String {
        guard sql.utf8.contains(UInt8(ascii: "?")) else { return sql }
        var largest = 0
        return rewrite(sql, marker: "?") { number, _ in
            let n = number ?? largest + 1
            largest = max(largest, n)
            return "$\(n)"
        }
    }

    /// Replaces each `marker` outside quotes, with the number that follows it (if any), by `replacement`.
    private static func rewrite(_ sql: String, marker: Character, _ replacement: (Int?, Int) -> String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var quote: Character?
        var index = sql.startIndex
        var count = 0
        while index < sql.endIndex {
            let c = sql[index]
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                index = sql.index(after: index)
                continue
            }
            if c == "'" || c == "\"" {
                quote = c
                out.append(c)
                index = sql.index(after: index)
                continue
            }
            guard c == marker else {
                out.append(c)
                index = sql.index(after: index)
                continue
            }
            var end = sql.index(after: index)
            while end < sql.endIndex, sql[end].isASCII, sql[end].isNumber { end = sql.index(after: end) }
            let digits = sql[sql.index(after: index)..<end]
            let number = digits.isEmpty ? nil : Int(digits)
            if number == nil && marker == "$" {
                out.append(c)   // a `$` not followed by digits is not a parameter
            } else {
                count += 1
                out += replacement(number, count)
            }
            index = end
        }
        return out
    }
}

/// One backend's rewritten statements, each rewritten once (statements repeat for every record).
struct SQLPlaceholderCache {
    private var rewritten: [String: String] = [:]
    private let rewrite: (String) -> String

    init(_ rewrite: @escaping (String) -> String) { self.rewrite = rewrite }

    mutating func native(_ sql: String) -> String {
        if let cached = rewritten[sql] { return cached }
        let text = rewrite(sql)
        rewritten[sql] = text
        return text
    }
}
