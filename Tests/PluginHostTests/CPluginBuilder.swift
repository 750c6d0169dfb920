import Foundation
import TestSupport

/// The loader tests' configurable C plugin (built with ``CPlugin/build(_:source:header:defines:warnings:in:)``).
enum CPluginBuilder {
    /// The C compiler, when one is installed.
    static var compiler: URL? { CPlugin.compiler }

    static var headerDirectory: URL { CPlugin.headerDirectory }

    /// A configurable plugin: every `-D` below changes one thing the loader must check.
    static let source = #"""
    #include "xaas_plugin.h"
    #include <string.h>
    #ifndef ABI_MAJOR
    #define ABI_MAJOR XAAS_ABI_MAJOR
    #endif
    #ifndef DESC_SIZE
    #define DESC_SIZE sizeof(xaas_plugin_descriptor)
    #endif
    #ifndef OPS_SIZE
    #define OPS_SIZE sizeof(xaas_plugin_ops)
    #endif
    #ifndef RUNTIME
    #define RUNTIME "c"
    #endif
    #ifndef READ_PAGE
    #define READ_PAGE op_read
    #endif
    #ifndef CAPS
    #define CAPS 0
    #endif
    #ifndef NAME
    #define NAME "testplugin"
    #endif
    static int token;
    static xaas_status op_open(const xaas_plugin_descriptor *self, const xaas_host_services *s, const char *json,
                               size_t len, void **out, xaas_error *err) {
        (void)self; (void)s; (void)json; (void)len; (void)err; *out = &token; return XAAS_OK;
    }
    static xaas_status op_read(void *inst, const xaas_read_request *r, xaas_page *page, xaas_error *err) {
        (void)inst; (void)r; (void)err;
        size_t size = page->struct_size; memset(page, 0, sizeof *page); page->struct_size = size; return XAAS_OK;
    }
    static void op_release(void *inst, xaas_page *page) { (void)inst; (void)page; }
    static void op_close(void *inst) { (void)inst; }
    static const xaas_plugin_ops ops = { .struct_size = OPS_SIZE, .open = op_open, .read_page = READ_PAGE,
                                         .release_page = op_release, .close = op_close };
    static const xaas_plugin_descriptor descriptor = {
        .struct_size = DESC_SIZE, .abi_major = ABI_MAJOR, .abi_minor = 0, .runtime = RUNTIME,
        .id = "org.xaas.test", .name = NAME, .version = "0.0.1", .description = "loader test",
        .source_kind = "test", .capabilities = CAPS, .settings_schema_json = "{}", .ops = &ops };
    #ifdef NO_ENTRY
    __attribute__((visibility("default"))) const xaas_plugin_descriptor *some_other_entry(void) { return &descriptor; }
    #else
    __attribute__((visibility("default")))
    const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host) {
    #ifdef RETURN_NULL
        (void)host; return NULL;
    #else
        return host && host->abi_major == XAAS_ABI_MAJOR ? &descriptor : NULL;
    #endif
    }
    #endif
    """#

    /// Compiles `source` (default ``source``) with `defines` against the header in `header` (default
    /// the real one) into `directory/<name>` (mode 0755) and returns its path.
    static func build(_ name: String, source: String = CPluginBuilder.source, header: URL = CPluginBuilder.headerDirectory,
                      defines: [String] = [], in directory: URL) throws -> URL {
        try CPlugin.build(name, source: source, header: header, defines: defines, warnings: true, in: directory)
    }
}
