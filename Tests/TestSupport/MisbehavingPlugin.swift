import Foundation

/// A C connector (built with ``CPlugin``) that serves 12 users `m-1` … `m-12` (attributes `email`, `first`,
/// `last`) in pages of 5, and misbehaves on one page (`-DAT_PAGE=k`, default the first) as its ``Mode`` says:
/// the plugin bugs the host must survive (issue #14: crashes, hangs, malformed pages, leaks).
public enum MisbehavingPlugin {
    public enum Mode: String, CaseIterable, Sendable {
        /// Well-formed pages, no misbehaviour.
        case good
        case segv, abort, exit3, hang
        /// An attribute value length of 2⁴⁰.
        case hugeLength
        /// `page.struct_size` set to 0.
        case zeroStructSize
        /// `next_cursor` is always `"same-cursor"`.
        case repeatCursor
        /// `page.records` points at address 0x10.
        case badRecordsPointer
        /// The first record's `external_id.ptr` points at address 0x10.
        case badStringPointer
        /// `record_count` is 3 more than the records filled in (the rest are zeroed memory).
        case countPastRecords
        /// `record_count` is 2⁴⁰.
        case hugeCount
        /// The first record's `email` value is `\xff\xfe`, not UTF-8.
        case nonUTF8
        /// The first record's `struct_size` is 7.
        case wrongRecordSize
        /// Leaks 64 MiB (touched) per page, one page per 0.1 s, and never ends its cursor (stops by itself after
        /// 24 pages, 1.5 GiB).
        case leak
        /// Forks a child that keeps the process's stdout and stderr open for 10 minutes, then segfaults.
        case strayChild
    }

    /// The users a good read yields.
    public static let userCount = 12

    public static let source = CPlugin.skeleton(id: "org.xaas.test.misbehaving", name: "misbehaving", prelude: #"""
        #include <stdio.h>
        #ifndef AT_PAGE
        #define AT_PAGE 0
        #endif
        #define USERS 12
        #define PER_PAGE 5
        static char ids[USERS][16], emails[USERS][40], firsts[USERS][16];
        static xaas_attribute attrs[USERS][3];
        static xaas_record records[PER_PAGE + 3];
        static char cursor[32];
        #define STR(s) ((xaas_str){ (s), strlen(s) })
        """#, readPage: #"""
        int start = r->cursor ? atoi(r->cursor) : 0;
        int pageIndex = (start + PER_PAGE - 1) / PER_PAGE;
        size_t size = page->struct_size; memset(page, 0, sizeof *page); page->struct_size = size;
        memset(records, 0, sizeof records);
        int n = 0;
        for (int i = start; i < USERS && n < PER_PAGE; i++, n++) {
            snprintf(ids[i], sizeof ids[i], "m-%d", i + 1);
            snprintf(emails[i], sizeof emails[i], "m%d@example.com", i + 1);
            snprintf(firsts[i], sizeof firsts[i], "Max%d", i + 1);
            attrs[i][0] = (xaas_attribute){ STR("email"), STR(emails[i]) };
            attrs[i][1] = (xaas_attribute){ STR("first"), STR(firsts[i]) };
            attrs[i][2] = (xaas_attribute){ STR("last"), STR("Misbehaving") };
            records[n] = (xaas_record){ sizeof(xaas_record), XAAS_KIND_USER, XAAS_STATUS_ACTIVE, STR(ids[i]), attrs[i], 3 };
        }
        page->records = records; page->record_count = (size_t)n;
        if (XAAS_HAS_FIELD(page, xaas_page, record_stride)) page->record_stride = sizeof(xaas_record);
        if (start + n < USERS) { snprintf(cursor, sizeof cursor, "%d", start + n); page->next_cursor = cursor; }
        if (pageIndex != AT_PAGE && MODE != 14) return XAAS_OK;
        #if MODE == 1
        volatile int *p = NULL; *p = 42;
        #elif MODE == 2
        abort();
        #elif MODE == 3
        exit(3);
        #elif MODE == 4
        for (;;) sleep(1);
        #elif MODE == 5
        attrs[start][0].value.len = (size_t)1 << 40;
        #elif MODE == 6
        page->struct_size = 0;
        #elif MODE == 7
        page->next_cursor = "same-cursor";
        #elif MODE == 8
        page->records = (const xaas_record *)(uintptr_t)0x10;
        #elif MODE == 9
        records[0].external_id.ptr = (const char *)(uintptr_t)0x10;
        #elif MODE == 10
        page->record_count = (size_t)n + 3;
        #elif MODE == 11
        page->record_count = (size_t)1 << 40;
        #elif MODE == 12
        attrs[start][0].value = (xaas_str){ "\xff\xfe", 2 };
        #elif MODE == 13
        records[0].struct_size = 7;
        #elif MODE == 14
        static int leaked;
        if (leaked < 24) {
            char *block = malloc(64u << 20);
            if (!block) { snprintf(err->message, err->capacity, "out of memory"); return XAAS_INTERNAL; }
            memset(block, 1, 64u << 20);
            leaked++;
            usleep(100 * 1000);
            snprintf(cursor, sizeof cursor, "%d", start + PER_PAGE);
            page->next_cursor = cursor;
        }
        #elif MODE == 15
        if (fork() == 0) { sleep(600); _exit(0); }
        volatile int *p = NULL; *p = 42;
        #endif
        return XAAS_OK;
        """#)

    /// Compiles the plugin for `mode` into `directory/libmisbehaving-<mode>[-p<page>].so`, misbehaving on
    /// page `atPage` (0 = the first); returns its path.
    public static func build(_ mode: Mode, atPage: Int = 0, in directory: URL) throws -> URL {
        let index = Mode.allCases.firstIndex(of: mode)!
        return try CPlugin.build("libmisbehaving-\(mode.rawValue)\(atPage == 0 ? "" : "-p\(atPage)").so", source: source,
                                 defines: ["MODE=\(index)", "AT_PAGE=\(atPage)"], in: directory)
    }
}
