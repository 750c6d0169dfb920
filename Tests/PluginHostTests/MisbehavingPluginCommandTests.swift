import Foundation
import Testing
import TestSupport

/// Defects #14.5 and #14.6: `xaas plugins validate|read` against C plugins that misbehave in `read_page`.
/// Validation runs in a child process, so a crash, abort or `exit(3)` is reported (exit 1) instead of taking
/// `validate` down; a hang ends at `--timeout`; a garbage length or a zeroed `struct_size` is rejected.
@Suite(.serialized, .enabled(if: CPluginBuilder.compiler != nil, "needs a C compiler (cc) to build the test plugins"))
struct MisbehavingPluginCommandTests {
    typealias Mode = MisbehavingPlugin.Mode

    let directory: URL
    let settings: URL

    init() throws {
        directory = try TestSupport.makeTemporaryDirectory("misbehaving")
        settings = directory.appendingPathComponent("settings.json")
        try "{}".write(to: settings, atomically: true, encoding: .utf8)
    }

    func plugin(_ mode: Mode) throws -> String {
        try MisbehavingPlugin.build(mode, in: directory).path
    }

    func validate(_ mode: Mode, _ extra: [String] = []) throws -> TestSupport.ProcessResult {
        try TestSupport.xaas(["plugins", "validate", try plugin(mode), "--settings", settings.path] + extra)
    }

    @Test func validateReportsASegfaultAbortOrExitOfThePlugin() throws {
        for (mode, expected) in [(Mode.segv, "SIGSEGV"), (.abort, "SIGABRT"), (.exit3, "exit status 3")] {
            let r = try validate(mode)
            #expect(r.status == 1, "\(mode): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(expected), "\(mode): \(r.stderr)")
            #expect(r.stdout.contains("open: ok"), "progress before the crash is shown: \(r.stdout)")
        }
    }

    @Test func validateOfAHangingPluginEndsAtTheTimeout() throws {
        let started = Date()
        let r = try validate(.hang, ["--timeout", "2"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("did not finish within 2 s"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func readOfAHangingPluginEndsAtTheTimeout() throws {
        let r = try TestSupport.xaas(["plugins", "read", try plugin(.hang), "--settings", settings.path, "--timeout", "2"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("read_page did not return within 2 s"), "\(r.stderr)")
    }

    @Test func aHugeAttributeLengthIsRejectedNotAnAbort() throws {
        for command in ["validate", "read"] {
            let r = try TestSupport.xaas(["plugins", command, try plugin(.hugeLength), "--settings", settings.path])
            #expect(r.status == 1, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("value length 1099511627776 is more than"), "\(command): \(r.stderr)")
        }
    }

    @Test func aZeroPageStructSizeIsRejected() throws {
        let r = try validate(.zeroStructSize)
        #expect(r.status == 1)
        #expect(r.stderr.contains("page.struct_size is 0"), "\(r.stderr)")
    }

    @Test func readStopsOnARepeatedCursor() throws {
        let r = try TestSupport.xaas(["plugins", "read", try plugin(.repeatCursor), "--settings", settings.path, "--timeout", "20"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("returned the cursor \"same-cursor\" again"), "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 10, "the two pages before the repeat are printed")
    }

    /// Every malformed page is reported by `validate` with exit 1: a clear `source data error` where the host
    /// can check the page, the signal where reading it crashed the (child) check.
    @Test func validateReportsEveryMalformedPage() throws {
        let cases: [(Mode, String)] = [
            (.hugeCount, "record_count 1099511627776 is more than"), (.nonUTF8, "attribute email: value is not valid UTF-8"),
            (.wrongRecordSize, "record 0: struct_size 7 is outside"), (.countPastRecords, "record 5: struct_size 0 is outside"),
            (.badRecordsPointer, "SIGSEGV"), (.badStringPointer, "SIGSEGV"),
        ]
        for (mode, expected) in cases {
            let r = try validate(mode)
            #expect(r.status == 1, "\(mode): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(expected), "\(mode): \(r.stderr)")
        }
        let good = try validate(.good)
        #expect(good.status == 0 && good.stdout.contains("first page: 5 records"), "\(good.stdout) \(good.stderr)")
    }
}
