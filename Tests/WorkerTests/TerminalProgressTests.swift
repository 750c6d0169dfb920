import Foundation
import SyncTestSupport
import Testing
import TestSupport

/// `xaas sync` under a real pseudo-terminal: one live line that advances, with an ETA that matches the
/// run's real duration; without a terminal nothing of it appears.
@Suite(.serialized) struct TerminalProgressTests {
    /// A multi-session source: 20,500 users = 103 bulk requests in 3 sessions, 10 s cool-down (so the run lasts about half a minute).
    func fixture() throws -> EmulatorFixture {
        let f = try EmulatorFixture(cooldownSeconds: 10)
        try f.writeUsers(WorkshopRow.make(20_500))
        return f
    }

    struct Sample { var time: Double; var line: String; var sent: Int; var session: Int; var eta: Double? }

    static func samples(_ chunks: [PseudoTerminal.Chunk]) -> [Sample] {
        var out: [Sample] = []
        // A pty read can end in the middle of a line: only lines whose end has arrived are parsed (at the
        // time of the chunk that completed them).
        var pending = ""
        for chunk in chunks {
            let pieces = (pending + chunk.text).split(omittingEmptySubsequences: false,
                                                      whereSeparator: \.isNewline)  // "\r\n" is one Character
            pending = String(pieces.last ?? "")
            for raw in pieces.dropLast() {
                let line = String(raw).replacingOccurrences(of: "\u{1B}[1F\u{1B}[J", with: "")
                guard line.hasPrefix("acme/hr: "), line.contains(" read") else { continue }
                func int(_ pattern: String) -> Int? {
                    guard let r = line.range(of: pattern, options: .regularExpression) else { return nil }
                    return Int(line[r].drop { !$0.isNumber }.prefix { $0.isNumber })
                }
                var eta: Double?
                if let r = line.range(of: #"ETA [0-9hms]+$"#, options: .regularExpression) {
                    eta = parseDuration(String(line[r].dropFirst(4)))
                }
                out.append(Sample(time: chunk.time, line: line, sent: int(#"[0-9]+/[0-9]+ requests"#) ?? 0,
                                  session: int(#"session [0-9]+"#) ?? 0,
                                  eta: eta))
            }
        }
        return out
    }

    /// `42s`, `1m05s`, `2h03m` in seconds.
    static func parseDuration(_ text: String) -> Double? {
        var total = 0.0, number = ""
        for c in text {
            if c.isNumber { number.append(c); continue }
            guard let n = Double(number) else { return nil }
            total += n * (c == "h" ? 3600 : c == "m" ? 60 : 1)
            number = ""
        }
        return total
    }

    @Test func liveLineAdvancesAndTheEtaMatchesTheRealDuration() throws {
        let f = try fixture()
        let (status, chunks) = try PseudoTerminal.run(
            TestSupport.xaasExecutable, ["sync", "--config", f.configDir.path, "--state", f.stateDir.path])
        let text = chunks.map(\.text).joined()
        #expect(status == 0, "\(text)")
        let samples = Self.samples(chunks)
        let end = try #require(chunks.first { $0.text.contains("acme/hr: ok") }?.time, "the summary line appears")
        #expect(text.contains("created") && text.contains("3 sessions"), "finished sources print their summary as before")
        // The line advances: requests and sessions grow, never back.
        let sent = samples.map(\.sent)
        #expect(sent == sent.sorted() && sent.last == 103, "\(sent)")
        #expect(Set(samples.map(\.session)).isSuperset(of: [1, 2, 3]))
        let phases = ["reading", "sending", "waiting for Okta", "cooling down"]
        #expect(phases.allSatisfy { p in samples.contains { $0.line.contains(": \(p) — ") } })
        // The ETA, once requests have been timed, is within 10% of what the run really took from then on.
        let first = try #require(samples.first { $0.sent >= 5 && $0.eta != nil })
        let real = end - first.time
        let eta = try #require(first.eta)
        #expect(real > 10, "a run long enough to measure (\(real) s)")
        #expect(abs(eta - real) <= 0.1 * real, "ETA \(eta) s at \(first.line) vs \(real) s real")
        // It counts down to the end: the last ETA shown is within a few seconds of it.
        let last = try #require(samples.last { $0.eta != nil })
        #expect(try #require(last.eta) <= 3 && end - last.time <= 3, "\(last.line)")
    }

    @Test func withoutATerminalTheOutputIsUnchanged() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(300))
        let base = ["sync", "--config", f.configDir.path, "--state", f.stateDir.path]
        #expect(try TestSupport.xaas(base).status == 0)
        // Same state, two dry runs: with the default (auto) and with progress off.
        let auto = try TestSupport.xaas(base + ["--dry-run"])
        let never = try TestSupport.xaas(base + ["--dry-run", "--progress", "never"])
        func masked(_ s: String) -> String {
            s.replacingOccurrences(of: #"[0-9]+\.[0-9]+ ?s"#, with: "T", options: .regularExpression)
        }
        #expect(masked(auto.stdout) == masked(never.stdout))
        #expect(masked(auto.stderr) == masked(never.stderr))
        #expect(!auto.stderr.contains("\u{1B}") && !auto.stderr.contains("ETA"))
        let json = try TestSupport.xaas(base + ["--json", "--progress", "always"])
        #expect(!json.stdout.contains("ETA") && !json.stderr.contains("ETA") && !json.stderr.contains("\u{1B}"))
        let bad = try TestSupport.xaas(base + ["--progress", "sometimes"])
        #expect(bad.status == 2 && bad.stderr.contains("--progress must be auto, always or never"))
    }
}
