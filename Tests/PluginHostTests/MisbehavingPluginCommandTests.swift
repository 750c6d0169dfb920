import Foundation
import Testing
import TestSupport

/// Defects #14.5 and #14.6: `xaas plugins validate|read` against C plugins that misbehave in `read_page`.
/// Validation runs in a child process, so a crash, abort or `exit(3)` is reported (exit 1) instead of taking
/// `validate` down; a hang ends at `--timeout`; a garbage length or a zeroed `struct_size` is rejected.
@Suite(.serialized, .enabled(if: CPluginBuilder.compiler != nil, "needs a C compiler (cc) to build the test plugins"))
struct MisbehavingPluginCommandTests {
    enum Mode: Int { case segv, abort, exit3, hang, hugeLength, zeroStructSize, repeatCursor }

    static let source = #"""
    #include "xaas_plugin.h"
    #include <signal.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>
    static int token;
    static xaas_attribute attribute;
    static xaas_record record;
    static xaas_status op_open(const xaas_plugin_descriptor *self, const xaas_host_services *s, const char *json,
                               size_t len, void **out, xaas_error *err) {
        (void)self; (void)s; (void)json; (void)len; (void)err; *out = &token; return XAAS_OK;
    }
    static xaas_status op_read(void *inst, const xaas_read_request *r, xaas_page *page, xaas_error *err) {
        (void)inst; (void)r; (void)err;
        size_t size = page->struct_size; memset(page, 0, sizeof *page); page->struct_size = size;
        record.struct_size = sizeof record; record.kind = XAAS_KIND_USER; record.status = XAAS_STATUS_ACTIVE;
        record.external_id.ptr = "u1"; record.external_id.len = 2;
        attribute.name.ptr = "email"; attribute.name.len = 5; attribute.value.ptr = "a@example.com"; attribute.value.len = 13;
        record.attributes = &attribute; record.attribute_count = 1;
        page->records = &record; page->record_count = 1;
    #if MODE == 0
        volatile int *p = NULL; *p = 42;
    #elif MODE == 1
        abort();
    #elif MODE == 2
        exit(3);
    #elif MODE == 3
        for (;;) sleep(1);
    #elif MODE == 4
        attribute.value.len = (size_t)1 << 40;
    #elif MODE == 5
        page->struct_size = 0;
    #elif MODE == 6
        page->next_cursor = "same-cursor";
    #endif
        return XAAS_OK;
    }
    static void op_release(void *inst, xaas_page *page) { (void)inst; (void)page; }
    static void op_close(void *inst) { (void)inst; }
    static const xaas_plugin_ops ops = { .struct_size = sizeof(xaas_plugin_ops), .open = op_open, .read_page = op_read,
                                         .release_page = op_release, .close = op_close };
    static const xaas_plugin_descriptor descriptor = {
        .struct_size = sizeof(xaas_plugin_descriptor), .abi_major = XAAS_ABI_MAJOR, .abi_minor = 0, .runtime = "c",
        .id = "org.xaas.test.misbehaving", .name = "misbehaving", .version = "0.0.1", .description = "misbehaves (tests)",
        .source_kind = "test", .capabilities = 0, .settings_schema_json = "{}", .ops = &ops };
    __attribute__((visibility("default")))
    const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host) { (void)host; return &descriptor; }
    """#

    let directory: URL
    let settings: URL

    init() throws {
        directory = try TestSupport.makeTemporaryDirectory("misbehaving")
        settings = directory.appendingPathComponent("settings.json")
        try "{}".write(to: settings, atomically: true, encoding: .utf8)
    }

    func plugin(_ mode: Mode) throws -> String {
        try CPluginBuilder.build("libmisbehaving\(mode.rawValue).so", source: Self.source, defines: ["MODE=\(mode.rawValue)"],
                                 in: directory).path
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
        #expect(r.stdout.split(separator: "\n").count == 2, "the pages before the repeat are printed")
    }
}
