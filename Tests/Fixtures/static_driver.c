/*
 * static_driver.c — drives the static connector's C code directly (built with the sanitizers by
 * StaticConnectorSanitizerTests): paging, JSON edge cases, CONFIG errors, truncation, cancel.
 * Prints one line per failed expectation and exits 1 if any failed.
 */
#include "xaas_plugin.h"
#include <stdio.h>
#include <string.h>

const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host);

static int failures;
#define EXPECT(cond, ...) do { if (!(cond)) { failures++; printf("FAIL line %d: ", __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static const xaas_plugin_descriptor *descriptor(void) {
    xaas_host_info host = { sizeof host, XAAS_ABI_MAJOR, XAAS_ABI_MINOR, "test", "c" };
    return xaas_plugin_entry_v1(&host);
}

/* Opens with `settings`; returns the status and leaves the message in `message`. */
static xaas_status open_with(const char *settings, size_t len, void **instance, char *message, size_t capacity) {
    xaas_error err = { sizeof err, message, capacity, 0 };
    message[0] = 0;
    *instance = NULL;
    return descriptor()->ops->open(descriptor(), NULL, settings, len, instance, &err);
}

/* Reads every page with `hint`; returns the number of records (and the attribute count of all). */
static size_t read_all(void *instance, uint32_t hint, size_t *attributes, int *incremental_pages) {
    const xaas_plugin_ops *ops = descriptor()->ops;
    char message[256];
    xaas_error err = { sizeof err, message, sizeof message, 0 };
    char cursor[64] = {0};
    size_t total = 0;
    *attributes = 0;
    *incremental_pages = 0;
    for (int pages = 0; pages < 1000; pages++) {
        xaas_read_request request = { sizeof request, cursor[0] ? cursor : NULL, NULL, hint };
        xaas_page page;
        memset(&page, 0, sizeof page);
        page.struct_size = sizeof page;
        xaas_status status = ops->read_page(instance, &request, &page, &err);
        EXPECT(status == XAAS_OK, "read_page status %d: %s", status, message);
        if (status != XAAS_OK) return total;
        total += page.record_count;
        for (size_t i = 0; i < page.record_count; i++) *attributes += xaas_page_record(&page, i)->attribute_count;
        if (page.flags & XAAS_PAGE_INCREMENTAL) (*incremental_pages)++;
        int last = page.next_cursor == NULL;
        if (!last) snprintf(cursor, sizeof cursor, "%s", page.next_cursor);
        ops->release_page(instance, &page);
        if (last) return total;
    }
    EXPECT(0, "too many pages");
    return total;
}

static void expect_config(const char *settings, const char *mentions) {
    size_t len = strlen(settings);
    void *instance;
    char message[512];
    xaas_status status = open_with(settings, len, &instance, message, sizeof message);
    EXPECT(status == XAAS_CONFIG, "settings %.60s: status %d (%s)", settings, status, message);
    EXPECT(instance == NULL, "instance must stay NULL on error");
    EXPECT(strstr(message, mentions) != NULL, "message '%s' should mention '%s'", message, mentions);
}

int main(void) {
    const char *good =
        "{\"records\":[{\"externalId\":\"u1\",\"attributes\":{\"email\":\"a@x\",\"groups\":[\"a\",\"b\",\"c\"],"
        "\"name\":\"Zo\\u00eb \\ud83d\\ude00 \xe6\x97\xa5\"}},{\"externalId\":\"u2\",\"status\":\"deleted\"},"
        "{\"externalId\":\"g\",\"kind\":\"membership\",\"attributes\":{\"member\":[\"u1\",\"u2\"]}}],\"incremental\":true}";
    uint32_t hints[] = { 1, 2, 3, 100 };
    for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
        void *instance;
        char message[256];
        EXPECT(open_with(good, strlen(good), &instance, message, sizeof message) == XAAS_OK, "open: %s", message);
        size_t attributes;
        int incremental;
        size_t n = read_all(instance, hints[h], &attributes, &incremental);
        EXPECT(n == 3, "hint %u: %zu records", hints[h], n);
        EXPECT(attributes == 7, "hint %u: %zu attributes", hints[h], attributes);
        EXPECT(incremental == (int)((3 + hints[h] - 1) / hints[h]), "every page incremental");
        descriptor()->ops->close(instance);
    }

    /* Records are laid out as given, the escaped string decoded to UTF-8. */
    {
        void *instance;
        char message[256];
        open_with(good, strlen(good), &instance, message, sizeof message);
        xaas_read_request request = { sizeof request, NULL, NULL, 10 };
        xaas_page page;
        memset(&page, 0, sizeof page);
        page.struct_size = sizeof page;
        xaas_error err = { sizeof err, message, sizeof message, 0 };
        EXPECT(descriptor()->ops->read_page(instance, &request, &page, &err) == XAAS_OK, "read");
        const xaas_attribute *a = xaas_page_record(&page, 0)->attributes;
        const char *name = "Zo\xc3\xab \xf0\x9f\x98\x80 \xe6\x97\xa5";
        EXPECT(a[4].value.len == strlen(name) && memcmp(a[4].value.ptr, name, strlen(name)) == 0, "decoded name");
        EXPECT(a[1].name.len == 6 && memcmp(a[1].name.ptr, "groups", 6) == 0 && a[3].value.ptr[0] == 'c', "multi-valued");
        EXPECT(xaas_page_record(&page, 1)->status == XAAS_STATUS_DELETED && xaas_page_record(&page, 2)->kind == XAAS_KIND_MEMBERSHIP, "enums");
        EXPECT(page.next_cursor == NULL && page.checkpoint != NULL, "last page has a checkpoint");
        descriptor()->ops->release_page(instance, &page);
        /* A cursor that is not ours is INVALID_ARGUMENT. */
        xaas_read_request bad = { sizeof bad, "x9", NULL, 10 };
        EXPECT(descriptor()->ops->read_page(instance, &bad, &page, &err) == XAAS_INVALID_ARGUMENT, "bad cursor");
        /* Cancel makes the next read return CANCELLED. */
        descriptor()->ops->cancel(instance);
        EXPECT(descriptor()->ops->read_page(instance, &request, &page, &err) == XAAS_CANCELLED, "cancelled");
        descriptor()->ops->close(instance);
    }

    expect_config("{", "invalid JSON");
    expect_config("[1,]", "invalid JSON");
    expect_config("{\"records\":[],\"records\":[]}", "duplicate");
    expect_config("{\"records\":[\"\\ud800\"]}", "surrogate");
    expect_config("{\"records\":[\"\xff\"]}", "UTF-8");
    expect_config("{\"records\":[{\"externalId\":\"a\"}]} x", "after the JSON value");
    expect_config("{\"records\":[1e]}", "invalid number");
    expect_config("[]", "settings: expected an object");
    expect_config("{}", "settings.records: is required");
    expect_config("{\"records\":{}}", "settings.records: expected an array");
    expect_config("{\"records\":[{}]}", "settings.records[0].externalId: is required");
    expect_config("{\"records\":[{\"externalId\":\"\"}]}", "externalId: expected a non-empty string");
    expect_config("{\"records\":[{\"externalId\":\"a\",\"kind\":\"robot\"}]}", "settings.records[0].kind");
    expect_config("{\"records\":[{\"externalId\":\"a\",\"x\":1}]}", "settings.records[0].x: unknown setting");
    expect_config("{\"records\":[{\"externalId\":\"a\",\"attributes\":{\"n\":1}}]}", "attributes.n: expected a string or an array");
    expect_config("{\"records\":[{\"externalId\":\"a\",\"attributes\":{\"n\":[\"a\",2]}}]}", "attributes.n[1]: expected a string");
    expect_config("{\"records\":[],\"pageSize\":0}", "settings.pageSize");
    expect_config("{\"records\":[],\"pageSize\":1.5}", "settings.pageSize");
    expect_config("{\"records\":[],\"incremental\":1}", "settings.incremental");
    expect_config("{\"records\":[],\"other\":1}", "settings.other: unknown setting");
    {
        char deep[300];
        memset(deep, '[', 200);
        deep[200] = 0;
        expect_config(deep, "nested too deeply");
    }

    /* A small error buffer is filled up to a UTF-8 boundary and NUL-terminated. */
    {
        void *instance;
        char message[12];
        const char *s = "{\"records\":[],\"\xc3\xa9\xc3\xa9\xc3\xa9\":1}";
        memset(message, 'Z', sizeof message);
        EXPECT(open_with(s, strlen(s), &instance, message, sizeof message) == XAAS_CONFIG, "truncation status");
        /* "settings.é" is 11 bytes: the second 'é' does not fit in 11 bytes + NUL with a split. */
        EXPECT(strcmp(message, "settings.\xc3\xa9") == 0, "truncated message '%s'", message);
    }

    /* The entry point refuses another ABI major. */
    xaas_host_info v2 = { sizeof v2, 2, 0, "test", "c" };
    EXPECT(xaas_plugin_entry_v1(&v2) == NULL, "v2 host refused");
    EXPECT(xaas_plugin_entry_v1(NULL) == NULL, "NULL host refused");

    if (failures == 0) printf("ok\n");
    return failures == 0 ? 0 : 1;
}
