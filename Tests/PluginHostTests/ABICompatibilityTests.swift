import Foundation
import PluginAPI
import Testing
import TestSupport
@testable import Host

/// The minor-version promise of the header: a plugin built against an older header (ABI 1.0, no
/// record stride) and one built against a newer header (every growable struct with an extra trailing
/// field, so a larger record) both load in this host and read correctly.
@Suite("ABI compatibility across minor versions")
struct ABICompatibilityTests {
    /// A plugin that serves two pages (3 records, then 1) and compiles against 1.0 and later headers.
    static let source = CPlugin.skeleton(id: "org.xaas.test.abi", name: "abitest", prelude: #"""
        #define S(x) { x, sizeof(x) - 1 }
        static const xaas_attribute a0[] = { { S("email"), S("ada@example.com") }, { S("groups"), S("a") }, { S("groups"), S("b") } };
        static const xaas_attribute a2[] = { { S("member"), S("u1") } };
        static xaas_record records[4];
        static const char *notes[] = { "row 7 skipped" };
        """#, open: #"""
        xaas_record rs[4] = {
            { sizeof(xaas_record), XAAS_KIND_USER, XAAS_STATUS_ACTIVE, S("u1"), a0, 3 },
            { sizeof(xaas_record), XAAS_KIND_GROUP, XAAS_STATUS_INACTIVE, S("g1"), NULL, 0 },
            { sizeof(xaas_record), XAAS_KIND_MEMBERSHIP, XAAS_STATUS_ACTIVE, S("g1"), a2, 1 },
            { sizeof(xaas_record), XAAS_KIND_USER, XAAS_STATUS_DELETED, S("u2"), NULL, 0 },
        };
        memcpy(records, rs, sizeof rs);
        """#, readPage: #"""
        int second = r->cursor != NULL;
        page->records = second ? &records[3] : records;
        page->record_count = second ? 1 : 3;
        page->next_cursor = second ? NULL : "2";
        page->notes = second ? NULL : notes;
        page->note_count = second ? 0 : 1;
        #ifdef XAAS_HAS_FIELD
        /* 1.1 and later: the records are sizeof(xaas_record) apart; say so when the host's page can. */
        if (XAAS_HAS_FIELD(page, xaas_page, record_stride)) page->record_stride = sizeof(xaas_record);
        else if (sizeof(xaas_record) != XAAS_RECORD_SIZE_1_0) return XAAS_UNSUPPORTED;
        #endif
        return XAAS_OK;
        """#)

    static var olderHeader: URL { TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/abi/1.0") }

    /// The real header with a trailing field appended to every growable struct and minor 9: what a
    /// future 1.9 header may look like.
    static func newerHeader(in directory: URL) throws -> URL {
        let real = CPluginBuilder.headerDirectory.appendingPathComponent("xaas_plugin.h")
        var text = try String(contentsOf: real, encoding: .utf8)
        let structs = ["xaas_error", "xaas_record", "xaas_read_request", "xaas_page", "xaas_host_services",
                       "xaas_host_info", "xaas_plugin_ops", "xaas_plugin_descriptor"]
        for name in structs {
            let end = "\n} \(name);"
            try #require(text.contains(end), "the header no longer ends struct \(name) with '} \(name);'")
            text = text.replacingOccurrences(of: end, with: "\n    uint64_t future_\(name)_field;\(end)")
        }
        let minor = "#define XAAS_ABI_MINOR \(XAAS_ABI_MINOR)\n"
        try #require(text.contains(minor))
        text = text.replacingOccurrences(of: minor, with: "#define XAAS_ABI_MINOR 9\n")
        let folder = directory.appendingPathComponent("abi-1.9")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try text.write(to: folder.appendingPathComponent("xaas_plugin.h"), atomically: true, encoding: .utf8)
        return folder
    }

    static let expected: [SourceRecord] = [
        SourceRecord(externalId: "u1", attributes: [.init("email", "ada@example.com"), .init("groups", "a"), .init("groups", "b")]),
        SourceRecord(kind: .group, externalId: "g1", status: .inactive),
        SourceRecord(kind: .membership, externalId: "g1", attributes: [.init("member", "u1")]),
        SourceRecord(externalId: "u2", status: .deleted),
    ]

    func readAll(_ library: URL) throws -> (LoadedPlugin, [SourcePage]) {
        let plugin = try PluginRegistry.load(path: library.path)
        let instance = try PluginInstance(plugin: plugin, settingsJSON: "{}")
        let first = try instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 10)
        #expect(first.nextCursor == "2")
        let second = try instance.readPage(cursor: first.nextCursor ?? "2", checkpoint: nil, pageSizeHint: 10)
        return (plugin, [first, second])
    }

    @Test("a plugin built against the 1.0 header (no record stride) loads and reads",
          .enabled(if: CPluginBuilder.compiler != nil, "no C compiler (cc) installed"))
    func olderPlugin() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let library = try CPluginBuilder.build("libabi10.so", source: Self.source, header: Self.olderHeader, in: dir)
        let (plugin, pages) = try readAll(library)
        #expect(plugin.abiVersion == "1.0" && plugin.abiMinor == 0 && plugin.abiNote == nil)
        #expect(pages.flatMap(\.records) == Self.expected)
        #expect(pages[0].notes == ["row 7 skipped"] && pages[1].nextCursor == nil)
    }

    @Test("a plugin built against a newer header (larger structs, larger record) loads and reads",
          .enabled(if: CPluginBuilder.compiler != nil, "no C compiler (cc) installed"))
    func newerPlugin() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let header = try Self.newerHeader(in: dir)
        let library = try CPluginBuilder.build("libabi19.so", source: Self.source, header: header, in: dir)
        let (plugin, pages) = try readAll(library)
        #expect(plugin.abiVersion == "1.9" && plugin.abiMinor == 9)
        #expect(plugin.abiNote?.contains("this host speaks 1.\(XAAS_ABI_MINOR)") == true)
        #expect(pages.flatMap(\.records) == Self.expected)
        #expect(pages[0].notes == ["row 7 skipped"])
    }

    @Test("a record stride that is no record size is a source-data error naming it",
          .enabled(if: CPluginBuilder.compiler != nil, "no C compiler (cc) installed"))
    func badStride() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let source = Self.source.replacingOccurrences(of: "page->record_stride = sizeof(xaas_record);",
                                                      with: "page->record_stride = 20;")
        #expect(source != Self.source)
        let library = try CPluginBuilder.build("libabibad.so", source: source, in: dir)
        let error = try #require(throws: PluginError.self) { _ = try readAll(library) }
        #expect(error.code == .sourceData && error.message.contains("page.record_stride 20"))
    }
}
