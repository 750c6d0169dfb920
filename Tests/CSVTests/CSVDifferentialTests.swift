import Foundation
import Testing
import TestSupport

/// Generated adversarial CSV, read by the connector and by Python's `csv` module (strict excel
/// dialect, `newline=""`, `utf-8-sig`); both must produce the same records, or both must fail.
@Suite(.enabled(if: TestSupport.python(with: ["csv", "json"]) != nil, "python3 (with the csv module) not installed"))
struct CSVDifferentialTests {
    /// Reads each job's file with Python's csv module and prints, per file, the rows (blank rows
    /// dropped as DictReader does) as objects keyed by header, or {"error": message}.
    static let oracle = #"""
    import csv, json, sys
    out = []
    for job in json.load(sys.stdin):
        try:
            with open(job["path"], newline="", encoding="utf-8-sig") as f:
                rows = [r for r in csv.reader(f, delimiter=job["delimiter"], strict=True) if r != []]
            header, data = rows[0], rows[1:]
            if any(len(r) != len(header) for r in data):
                out.append({"error": "ragged"})
            else:
                out.append({"records": [dict(zip(header, r)) for r in data]})
        except Exception as e:
            out.append({"error": str(e)})
    json.dump(out, sys.stdout)
    """#

    struct Job {
        var path: String
        var delimiter: String
        var idColumn: String
        var defect: String?
    }

    @Test func generatedFilesMatchPythonCsv() throws {
        var rng = SplitMix64(seed: 0x5eed_c5f)
        let fixture = try CSVFixture()
        var jobs: [Job] = []
        for n in 0..<80 {
            let (bytes, job) = Self.generate(&rng, name: "gen\(n).csv", directory: fixture.directory)
            try fixture.write(bytes, name: "gen\(n).csv")
            jobs.append(job)
        }
        let input = try JSONSerialization.data(withJSONObject: jobs.map { ["path": $0.path, "delimiter": $0.delimiter] })
        let python = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", Self.oracle], stdin: input)
        try #require(python.status == 0, "python failed: \(python.stderr)")
        let answers = try #require(JSONSerialization.jsonObject(with: python.stdoutData) as? [[String: Any]])
        try #require(answers.count == jobs.count)
        var compared = 0, failedBoth = 0
        for (job, answer) in zip(jobs, answers) {
            let settings = CSVFixture.settings(path: job.path, externalId: job.idColumn,
                                               ["delimiter": job.delimiter])
            // Through the CLI (`xaas plugins read csv`), as a user would …
            let cli = try fixture.cliRead(settings: settings)
            // … and through the ABI with a small random page size, to cross page boundaries.
            let pageSize = UInt32.random(in: 1...7, using: &rng)
            let paged = Result { try ConnectorHarness(settings: settings).readAll(pageSize: pageSize) }
            switch (cli, answer["records"] as? [[String: String]]) {
            case (.success(let records), let expected?):
                #expect(records.map(\.attributes) == expected, "\(job.path)")
                #expect(records.map(\.externalId) == expected.map { $0[job.idColumn] ?? "?" }, "\(job.path)")
                let pagedRecords = try paged.get().records
                #expect(pagedRecords.map(\.dictionary) == expected, "\(job.path) (page size \(pageSize))")
                #expect(job.defect == nil, "\(job.path): defect \(job.defect ?? "") went unnoticed by both")
                compared += 1
            case (.failure(let error), nil):
                #expect(job.defect != nil, "\(job.path): both failed without a planted defect: \(answer)")
                #expect(error.message.contains("\(job.path) line"), "\(error.message)")
                #expect(throws: ConnectorHarness.CallError.self) { try paged.get() }
                failedBoth += 1
            case (.success, nil):
                Issue.record("\(job.path): Python failed (\(answer["error"] ?? "?")) but the connector read it")
            case (.failure(let error), _?):
                Issue.record("\(job.path): the connector failed (\(error)) but Python read it")
            }
        }
        #expect(compared > 50 && failedBoth > 3, "compared \(compared), failed both \(failedBoth)")
    }

    static let pieces = ["a", "Zoë", "日本", "😀", "\"", ",", ";", "\t", "|", "\r", "\n", "\r\n", " ", "x y",
                         "e\u{301}", "\u{2028}", "\u{85}", "\"\"", "0123", "=1+1"]
    static let names = ["id", "name", "e-mail", "prénom", "名前", "note, x", "q\"uote", "a|b", "tab\there", "login"]

    /// One random CSV file (and how to read it); ~12% carry a planted strict-mode defect.
    static func generate(_ rng: inout SplitMix64, name: String, directory: URL) -> ([UInt8], Job) {
        let delimiter = [",", ";", "\t", "|"].randomElement(using: &rng)!
        let columns = Array(names.shuffled(using: &rng).prefix(Int.random(in: 2...6, using: &rng)))
        let idIndex = Int.random(in: 0..<columns.count, using: &rng)
        func quoted(_ field: String) -> String {
            // Work on scalars: Swift's Character view would hide "\r" inside a "\r\n" grapheme.
            let special: Set<Unicode.Scalar> = ["\"", "\r", "\n", delimiter.unicodeScalars.first!]
            let needs = field.unicodeScalars.contains { special.contains($0) }
            guard needs || Int.random(in: 0..<5, using: &rng) == 0 else { return field }
            var out = "\""
            for s in field.unicodeScalars {
                if s == "\"" { out += "\"\"" } else { out.unicodeScalars.append(s) }
            }
            return out + "\""
        }
        func ending() -> String { ["\n", "\r\n", "\r"].randomElement(using: &rng)! }
        var text = columns.map(quoted).joined(separator: delimiter) + ending()
        for row in 0..<Int.random(in: 0...40, using: &rng) {
            var fields: [String] = []
            for c in 0..<columns.count {
                var value = (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                if c == idIndex { value = "u\(row)" + value }
                fields.append(quoted(value))
            }
            text += fields.joined(separator: delimiter) + ending()
            if Int.random(in: 0..<8, using: &rng) == 0 { text += ending() }  // a blank line
        }
        var defect: String?
        switch Int.random(in: 0..<16, using: &rng) {
        case 0: defect = "unterminated quote"; text += "u999" + delimiter + "\"never closed\n" + delimiter
        case 1: defect = "text after closing quote"; text += "\"u998\"x" + String(repeating: delimiter, count: columns.count - 1) + "\n"
        default: break
        }
        if defect == nil, Bool.random(using: &rng), text.hasSuffix("\n") || text.hasSuffix("\r") {
            text.removeLast()  // no final line end (a CRLF loses only its LF: still a line end)
        }
        var bytes = Array(text.utf8)
        if Int.random(in: 0..<3, using: &rng) == 0 { bytes = [0xEF, 0xBB, 0xBF] + bytes }
        let path = directory.appendingPathComponent(name).path
        return (bytes, Job(path: path, delimiter: delimiter, idColumn: columns[idIndex], defect: defect))
    }
}

/// A small seeded generator so every run tests the same files.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
