/*
 * gen_connector.c — a benchmark-only C connector ("gen") that synthesises `count` user records
 * with 8 attributes each (one multi-valued, one non-ASCII) without holding them in memory.
 * Settings: {"count": 1000000}. Built and used by scripts/bench-plugins-read.sh; not shipped.
 */
#define _POSIX_C_SOURCE 200809L
#include "xaas_plugin.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ATTRS = 8, MAX_PAGE = 10000 };

typedef struct {
    unsigned long long count;
} gen_instance;

typedef struct {
    xaas_record records[MAX_PAGE];
    xaas_attribute attributes[MAX_PAGE * ATTRS];
    char text[MAX_PAGE][160];
    char cursor[24];
} gen_page;

static xaas_str s(const char *p, size_t n) { xaas_str r = { p, n }; return r; }
#define LIT(x) s(x, sizeof(x) - 1)

static xaas_status gen_open(const xaas_plugin_descriptor *self, const xaas_host_services *services,
                            const char *json, size_t len, void **out, xaas_error *err) {
    (void)self; (void)services; (void)err;
    gen_instance *g = calloc(1, sizeof *g);
    if (!g) return XAAS_INTERNAL;
    const char *c = json ? memchr(json, ':', len) : NULL;
    g->count = c ? strtoull(c + 1, NULL, 10) : 1000;
    *out = g;
    return XAAS_OK;
}

static xaas_status gen_read(void *instance, const xaas_read_request *req, xaas_page *page, xaas_error *err) {
    (void)err;
    gen_instance *g = instance;
    unsigned long long start = req->cursor ? strtoull(req->cursor, NULL, 10) : 0;
    size_t n = req->page_size_hint > MAX_PAGE ? MAX_PAGE : req->page_size_hint ? req->page_size_hint : 1000;
    if (start + n > g->count) n = (size_t)(g->count - start);
    gen_page *p = malloc(sizeof *p);
    if (!p) return XAAS_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        unsigned long long k = start + i;
        char *t = p->text[i];
        int id = snprintf(t, 160, "user%llu", k);
        int email = snprintf(t + id, 160 - id, "user%llu@example.com", k);
        xaas_attribute *a = &p->attributes[i * ATTRS];
        a[0].name = LIT("email"); a[0].value = s(t + id, (size_t)email);
        a[1].name = LIT("givenName"); a[1].value = LIT("Zoë");
        a[2].name = LIT("familyName"); a[2].value = LIT("Example");
        a[3].name = LIT("department"); a[3].value = LIT("Engineering");
        a[4].name = LIT("title"); a[4].value = LIT("Staff \"Engineer\"");
        a[5].name = LIT("groups"); a[5].value = LIT("everyone");
        a[6].name = LIT("groups"); a[6].value = LIT("engineering");
        a[7].name = LIT("active"); a[7].value = LIT("true");
        p->records[i].struct_size = sizeof(xaas_record);
        p->records[i].kind = XAAS_KIND_USER;
        p->records[i].status = XAAS_STATUS_ACTIVE;
        p->records[i].external_id = s(t, (size_t)id);
        p->records[i].attributes = a;
        p->records[i].attribute_count = ATTRS;
    }
    /* The host zero-filled the page; write only fields inside its struct_size. */
    if (!XAAS_HAS_FIELD(page, xaas_page, plugin_data)) { free(p); return XAAS_INVALID_ARGUMENT; }
    if (XAAS_HAS_FIELD(page, xaas_page, record_stride)) page->record_stride = sizeof(xaas_record);
    page->records = p->records;
    page->record_count = n;
    if (start + n < g->count) {
        snprintf(p->cursor, sizeof p->cursor, "%llu", start + n);
        page->next_cursor = p->cursor;
    }
    page->plugin_data = p;
    return XAAS_OK;
}

static void gen_release(void *instance, xaas_page *page) { (void)instance; free(page->plugin_data); }
static void gen_close(void *instance) { free(instance); }

static const xaas_plugin_ops ops = {
    .struct_size = sizeof(xaas_plugin_ops), .open = gen_open, .read_page = gen_read,
    .release_page = gen_release, .close = gen_close };
static const xaas_plugin_descriptor descriptor = {
    .struct_size = sizeof(xaas_plugin_descriptor), .abi_major = XAAS_ABI_MAJOR, .abi_minor = XAAS_ABI_MINOR,
    .runtime = "c", .id = "org.xaas.bench.gen", .name = "gen", .version = "0.0.1",
    .description = "benchmark record generator", .source_kind = "synthetic", .capabilities = 0,
    .settings_schema_json = "{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\",\"minimum\":0}}}",
    .ops = &ops };

__attribute__((visibility("default")))
const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host) {
    return host && host->abi_major == XAAS_ABI_MAJOR ? &descriptor : NULL;
}
