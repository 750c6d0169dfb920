import Foundation

/// Small C connector plugins compiled in a test with the system C compiler (`cc`), against the real ABI
/// header (or another one): the loader, ABI, misbehaving-plugin and worker-isolation tests share this.
///
/// ``skeleton(id:name:prelude:open:readPage:)`` writes the parts every test plugin has the same (the
/// includes, `open`, `release_page`, `close`, the ops table, the descriptor and the entry point); a test
/// gives only what differs: its `read_page` body (and, rarely, statics and an `open` body).
public enum CPlugin {
    /// The C compiler, when one is installed; tests needing it skip (with that reason) when there is none.
    public static let compiler: URL? = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"]
        .map { URL(fileURLWithPath: $0) }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    /// The folder of the real `xaas_plugin.h`.
    public static var headerDirectory: URL { TestSupport.packageRoot.appendingPathComponent("Sources/PluginAPI/include") }

    /// A whole plugin: `readPage` is the body of
    /// `xaas_status op_read(void *inst, const xaas_read_request *r, xaas_page *page, xaas_error *err)` and must
    /// return; `open` runs in `open` before the instance (a static token) is handed out; `prelude` holds
    /// statics and helpers. The descriptor says `abi_minor` XAAS_ABI_MINOR of the header it is built with, and
    /// the entry point answers only a host of the same major.
    public static func skeleton(id: String, name: String, prelude: String = "", open: String = "",
                                readPage: String) -> String {
        """
        #include "xaas_plugin.h"
        #include <signal.h>
        #include <stdint.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        static int token;
        \(prelude)
        static xaas_status op_open(const xaas_plugin_descriptor *self, const xaas_host_services *s, const char *json,
                                   size_t len, void **out, xaas_error *err) {
            (void)self; (void)s; (void)json; (void)len; (void)err;
            \(open)
            *out = &token;
            return XAAS_OK;
        }
        static xaas_status op_read(void *inst, const xaas_read_request *r, xaas_page *page, xaas_error *err) {
            (void)inst; (void)r; (void)page; (void)err;
            \(readPage)
        }
        static void op_release(void *inst, xaas_page *page) { (void)inst; (void)page; }
        static void op_close(void *inst) { (void)inst; }
        static const xaas_plugin_ops ops = { .struct_size = sizeof(xaas_plugin_ops), .open = op_open, .read_page = op_read,
                                             .release_page = op_release, .close = op_close };
        static const xaas_plugin_descriptor descriptor = {
            .struct_size = sizeof(xaas_plugin_descriptor), .abi_major = XAAS_ABI_MAJOR, .abi_minor = XAAS_ABI_MINOR,
            .runtime = "c", .id = "\(id)", .name = "\(name)", .version = "0.0.1", .description = "\(name) (tests)",
            .source_kind = "test", .capabilities = 0, .settings_schema_json = "{}", .ops = &ops };
        __attribute__((visibility("default")))
        const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host) {
            return host && host->abi_major == XAAS_ABI_MAJOR ? &descriptor : NULL;
        }
        """
    }

    /// Compiles `source` with `defines` (`NAME=VALUE` or `NAME`) against the header in `header` into
    /// `directory/<name>` (a shared object, mode 0755) and returns its path. `warnings` adds `-Wall`.
    public static func build(_ name: String, source: String, header: URL = CPlugin.headerDirectory,
                             defines: [String] = [], warnings: Bool = false, in directory: URL) throws -> URL {
        guard let compiler else { throw BuildError(message: "no C compiler") }
        let sourceFile = directory.appendingPathComponent(name + ".c")
        try source.write(to: sourceFile, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent(name)
        let result = try TestSupport.run(compiler, ["-std=c11"] + (warnings ? ["-Wall"] : []) + [
            "-shared", "-fPIC", "-O0", "-fvisibility=hidden", "-I", header.path, "-o", output.path, sourceFile.path,
        ] + defines.map { "-D" + $0 })
        guard result.status == 0 else { throw BuildError(message: "cc failed: \(result.stderr)") }
        chmod(output.path, 0o755)
        return output
    }

    /// The compiler failed (its output says why) or there is none.
    public struct BuildError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
