import Foundation
import TestSupport

/// A deliberately misbehaving C connector, compiled in the test with `cc`: `read_page` segfaults,
/// aborts, calls `exit(3)`, or hangs, chosen at compile time.
enum CrashingPlugin {
    enum Mode: String, CaseIterable {
        case segv, abort, exit, hang
    }

    /// A C compiler (`cc`, `gcc` or `clang` on the PATH, e.g. the Swift toolchain's clang); tests needing
    /// it skip when there is none.
    static let compiler: String? = {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for name in ["cc", "gcc", "clang"] {
            for dir in path where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        }
        return nil
    }()

    static let source = """
        #include <signal.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        #include "xaas_plugin.h"

        static int instance_token;
        static xaas_status c_open(const xaas_plugin_descriptor *self, const xaas_host_services *services,
                                  const char *settings, size_t len, void **out, xaas_error *err) {
            (void)self; (void)services; (void)settings; (void)len; (void)err;
            *out = &instance_token;
            return XAAS_OK;
        }
        static xaas_status c_read_page(void *instance, const xaas_read_request *request, xaas_page *page, xaas_error *err) {
            (void)instance; (void)request; (void)page; (void)err;
        #if MODE == 0
            volatile int *p = NULL; *p = 42;
        #elif MODE == 1
            abort();
        #elif MODE == 2
            exit(3);
        #else
            for (;;) sleep(1);
        #endif
            return XAAS_INTERNAL;
        }
        static void c_release_page(void *instance, xaas_page *page) { (void)instance; (void)page; }
        static void c_close(void *instance) { (void)instance; }
        static const xaas_plugin_ops ops = {
            .struct_size = sizeof(xaas_plugin_ops), .open = c_open, .read_page = c_read_page,
            .release_page = c_release_page, .close = c_close,
        };
        static const xaas_plugin_descriptor descriptor = {
            .struct_size = sizeof(xaas_plugin_descriptor), .abi_major = XAAS_ABI_MAJOR, .abi_minor = XAAS_ABI_MINOR,
            .runtime = "c", .id = "org.xaas.test.crashy", .name = "crashy", .version = "1.0.0",
            .description = "crashes on purpose (tests)", .source_kind = "test", .capabilities = 0,
            .settings_schema_json = "{\\"type\\":\\"object\\"}", .ops = &ops, .get_extension = NULL,
        };
        __attribute__((visibility("default")))
        const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host) { (void)host; return &descriptor; }
        """

    /// Compiles the plugin for `mode` into `directory`; returns the library's path.
    static func build(_ mode: Mode, in directory: URL) throws -> URL {
        let c = directory.appendingPathComponent("crashy.c")
        if !FileManager.default.fileExists(atPath: c.path) { try source.write(to: c, atomically: true, encoding: .utf8) }
        let library = directory.appendingPathComponent("libcrashy_\(mode.rawValue).so")
        let index = Mode.allCases.firstIndex(of: mode)!
        let include = TestSupport.packageRoot.appendingPathComponent("Sources/PluginAPI/include").path
        let result = try TestSupport.run(URL(fileURLWithPath: compiler ?? "/usr/bin/cc"), [
            "-std=c11", "-shared", "-fPIC", "-O0", "-DMODE=\(index)", "-I", include, "-o", library.path, c.path,
        ])
        guard result.status == 0 else { throw CompileError(output: result.stderr) }
        return library
    }

    struct CompileError: Error, CustomStringConvertible {
        var output: String
        var description: String { "cc failed: \(output)" }
    }
}
