/* A minimal host for profiling a connector's read alone: dlopen the plugin, read every page (hint 1000),
 * touch every value, release. No Swift in the host, so valgrind runs on it (it crashes on Swift 6.3
 * executables here). Prints the record count, the value bytes and the process CPU time of the read.
 *
 *   cc -O2 -I Sources/PluginAPI/include scripts/profile/read-driver.c -o /tmp/read-driver -ldl
 *   /tmp/read-driver libCSVConnector.so '{"path": "users.csv", "externalId": "id"}' swift-6.3.1
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xaas_plugin.h"

static void log_nothing(void *context, int32_t level, const char *message) { (void)context; (void)level; (void)message; }
static int32_t never_cancelled(void *context) { (void)context; return 0; }

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s PLUGIN.so SETTINGS_JSON RUNTIME\n", argv[0]); return 2; }
    void *library = dlopen(argv[1], RTLD_NOW);
    if (!library) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    xaas_plugin_entry_v1_fn entry = (xaas_plugin_entry_v1_fn)dlsym(library, "xaas_plugin_entry_v1");
    if (!entry) { fprintf(stderr, "no xaas_plugin_entry_v1\n"); return 1; }
    xaas_host_info info = { sizeof info, XAAS_ABI_MAJOR, XAAS_ABI_MINOR, "0.0.0", argv[3] };
    const xaas_plugin_descriptor *plugin = entry(&info);
    if (!plugin) { fprintf(stderr, "the plugin refused the host\n"); return 1; }
    xaas_host_services services = { sizeof services, NULL, log_nothing, never_cancelled, NULL };
    char message[1024] = "";
    xaas_error error = { sizeof error, message, sizeof message, 0 };
    void *instance = NULL;
    if (plugin->ops->open(plugin, &services, argv[2], strlen(argv[2]), &instance, &error)) {
        fprintf(stderr, "open: %s\n", message); return 1;
    }
    char *cursor = NULL;
    long records = 0;
    size_t value_bytes = 0;
    struct timespec start, end;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
    do {
        xaas_read_request request = { sizeof request, cursor, NULL, 1000 };
        xaas_page page;
        memset(&page, 0, sizeof page);
        page.struct_size = sizeof page;
        if (plugin->ops->read_page(instance, &request, &page, &error)) { fprintf(stderr, "read_page: %s\n", message); return 1; }
        records += (long)page.record_count;
        for (size_t i = 0; i < page.record_count; i++) {
            const xaas_record *record = xaas_page_record(&page, i);
            for (size_t j = 0; j < record->attribute_count; j++) value_bytes += record->attributes[j].value.len;
        }
        free(cursor);
        cursor = page.next_cursor ? strdup(page.next_cursor) : NULL;
        plugin->ops->release_page(instance, &page);
    } while (cursor);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &end);
    printf("%ld records, %zu value bytes, %.3f CPU-s\n", records, value_bytes,
           (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9);
    plugin->ops->close(instance);
    return 0;
}
