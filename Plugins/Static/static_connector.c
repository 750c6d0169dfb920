/*
 * static_connector.c — the plain-C "static" connector: serves the records listed in its settings.
 *
 *   {"records": [{"externalId": "u1", "status": "active", "kind": "user",
 *                 "attributes": {"email": "a@x", "groups": ["a", "b"]}}],
 *    "pageSize": 2, "incremental": false}
 *
 * `status` (active|inactive|deleted) and `kind` (user|group|membership) are optional (active, user).
 * An attribute is a string or an array of strings (a multi-valued attribute, emitted in order).
 * `pageSize` (1…100000) fixes the page size; without it the host's page_size_hint is used. With
 * `incremental: true` every page is flagged XAAS_PAGE_INCREMENTAL and the last page carries a
 * checkpoint. Unknown keys and wrong types are CONFIG errors that name the JSON path.
 *
 * Ownership: the instance keeps the parsed settings tree; every record, attribute and string of
 * a page points into it (valid until close). A page's next_cursor is malloc'd and freed by
 * release_page through plugin_data.
 * ABI: reads every host struct by prefix (XAAS_HAS_FIELD) and sets record_stride when the host's page has it.
 * Threading: no global mutable state. Instances are independent; cancel is an atomic flag.
 * Entry point: the only exported symbol (the target builds with -fvisibility=hidden).
 */
#define _POSIX_C_SOURCE 200809L
#include "xaas_plugin.h"
#include "static_json.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct static_instance {
    sj_value settings;               /* the parsed settings; records point into it */
    xaas_record *records;
    size_t record_count;
    xaas_attribute *attributes;      /* every record's attributes, back to back */
    uint32_t page_size;              /* 0 = follow the host's hint */
    int incremental;
    char checkpoint[32];             /* "static:<count>" for incremental reads */
    const xaas_host_services *services;
    atomic_int cancelled;
} static_instance;

/* Writes a message into the host's error buffer, truncating at a UTF-8 boundary; returns status. */
static xaas_status fail(xaas_error *err, xaas_status status, const char *format, ...) {
    if (!err || !XAAS_HAS_FIELD(err, xaas_error, capacity) || !err->message || err->capacity == 0) return status;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(err->message, err->capacity, format, args);
    va_end(args);
    if (n >= 0 && (size_t)n >= err->capacity) {
        size_t end = err->capacity - 1; /* bytes kept */
        size_t lead = end;
        while (lead > 0 && ((unsigned char)err->message[lead - 1] & 0xC0) == 0x80) lead--;
        if (lead > 0) {
            unsigned char c = (unsigned char)err->message[lead - 1];
            size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (end - (lead - 1) < need) end = lead - 1;
        }
        err->message[end] = 0;
    }
    return status;
}

static int is_string(const sj_value *v, const char *text) {
    return v->type == SJ_STRING && strlen(text) == v->len && memcmp(v->text, text, v->len) == 0;
}

static xaas_str str_of(const char *text, size_t len) {
    xaas_str s = { text, len };
    return s;
}

/* Validates one record object and counts its attribute values. */
static xaas_status check_record(const sj_value *r, size_t i, size_t *values, xaas_error *err) {
    if (r->type != SJ_OBJECT) return fail(err, XAAS_CONFIG, "settings.records[%zu]: expected an object, got %s", i, sj_type_name(r));
    for (size_t k = 0; k < r->count; k++) {
        const char *key = r->keys[k];
        if (strcmp(key, "externalId") && strcmp(key, "status") && strcmp(key, "kind") && strcmp(key, "attributes"))
            return fail(err, XAAS_CONFIG, "settings.records[%zu].%s: unknown setting", i, key);
    }
    const sj_value *id = sj_member(r, "externalId");
    if (!id) return fail(err, XAAS_CONFIG, "settings.records[%zu].externalId: is required", i);
    if (id->type != SJ_STRING || id->len == 0)
        return fail(err, XAAS_CONFIG, "settings.records[%zu].externalId: expected a non-empty string", i);
    const sj_value *status = sj_member(r, "status");
    if (status && !is_string(status, "active") && !is_string(status, "inactive") && !is_string(status, "deleted"))
        return fail(err, XAAS_CONFIG, "settings.records[%zu].status: expected \"active\", \"inactive\" or \"deleted\"", i);
    const sj_value *kind = sj_member(r, "kind");
    if (kind && !is_string(kind, "user") && !is_string(kind, "group") && !is_string(kind, "membership"))
        return fail(err, XAAS_CONFIG, "settings.records[%zu].kind: expected \"user\", \"group\" or \"membership\"", i);
    const sj_value *attributes = sj_member(r, "attributes");
    if (!attributes) return XAAS_OK;
    if (attributes->type != SJ_OBJECT)
        return fail(err, XAAS_CONFIG, "settings.records[%zu].attributes: expected an object, got %s", i, sj_type_name(attributes));
    for (size_t a = 0; a < attributes->count; a++) {
        const sj_value *v = &attributes->items[a];
        if (attributes->key_lens[a] == 0)
            return fail(err, XAAS_CONFIG, "settings.records[%zu].attributes: an attribute name is empty", i);
        if (v->type == SJ_STRING) { (*values)++; continue; }
        if (v->type != SJ_ARRAY)
            return fail(err, XAAS_CONFIG, "settings.records[%zu].attributes.%s: expected a string or an array of strings, got %s",
                        i, attributes->keys[a], sj_type_name(v));
        for (size_t j = 0; j < v->count; j++) {
            if (v->items[j].type != SJ_STRING)
                return fail(err, XAAS_CONFIG, "settings.records[%zu].attributes.%s[%zu]: expected a string, got %s",
                            i, attributes->keys[a], j, sj_type_name(&v->items[j]));
        }
        *values += v->count;
    }
    return XAAS_OK;
}

/* Builds the C records of a validated settings tree. */
static void build_records(static_instance *inst, const sj_value *records) {
    size_t next = 0;
    for (size_t i = 0; i < records->count; i++) {
        const sj_value *r = &records->items[i];
        const sj_value *id = sj_member(r, "externalId"), *status = sj_member(r, "status"), *kind = sj_member(r, "kind");
        const sj_value *attributes = sj_member(r, "attributes");
        xaas_record *out = &inst->records[i];
        out->struct_size = sizeof(xaas_record);
        out->kind = !kind || is_string(kind, "user") ? XAAS_KIND_USER : is_string(kind, "group") ? XAAS_KIND_GROUP : XAAS_KIND_MEMBERSHIP;
        out->status = !status || is_string(status, "active") ? XAAS_STATUS_ACTIVE
                    : is_string(status, "inactive") ? XAAS_STATUS_INACTIVE : XAAS_STATUS_DELETED;
        out->external_id = str_of(id->text, id->len);
        out->attributes = &inst->attributes[next];
        size_t first = next;
        for (size_t a = 0; attributes && a < attributes->count; a++) {
            const sj_value *v = &attributes->items[a];
            xaas_str name = str_of(attributes->keys[a], attributes->key_lens[a]);
            if (v->type == SJ_STRING) {
                inst->attributes[next].name = name;
                inst->attributes[next++].value = str_of(v->text, v->len);
            } else {
                for (size_t j = 0; j < v->count; j++) {
                    inst->attributes[next].name = name;
                    inst->attributes[next++].value = str_of(v->items[j].text, v->items[j].len);
                }
            }
        }
        out->attribute_count = next - first;
        if (out->attribute_count == 0) out->attributes = NULL;
    }
}

static void static_close(void *instance) {
    static_instance *inst = instance;
    if (!inst) return;
    sj_free(&inst->settings);
    free(inst->records);
    free(inst->attributes);
    free(inst);
}

static xaas_status static_open(const xaas_plugin_descriptor *self, const xaas_host_services *services,
                               const char *settings_json, size_t settings_len, void **out_instance, xaas_error *err) {
    (void)self;
    if (!out_instance) return fail(err, XAAS_INVALID_ARGUMENT, "open: out_instance is NULL");
    *out_instance = NULL;
    static_instance *inst = calloc(1, sizeof *inst);
    if (!inst) return fail(err, XAAS_INTERNAL, "out of memory");
    atomic_init(&inst->cancelled, 0);
    inst->services = services;
    char problem[256];
    if (sj_parse(settings_json ? settings_json : "{}", settings_json ? settings_len : 2, &inst->settings, problem, sizeof problem) != 0) {
        free(inst);
        return fail(err, XAAS_CONFIG, "settings: invalid JSON: %s", problem);
    }
    xaas_status status = XAAS_OK;
    const sj_value *s = &inst->settings;
    const sj_value *records = NULL;
    size_t values = 0;
    if (s->type != SJ_OBJECT) { status = fail(err, XAAS_CONFIG, "settings: expected an object, got %s", sj_type_name(s)); goto done; }
    for (size_t k = 0; k < s->count; k++) {
        if (strcmp(s->keys[k], "records") && strcmp(s->keys[k], "pageSize") && strcmp(s->keys[k], "incremental")) {
            status = fail(err, XAAS_CONFIG, "settings.%s: unknown setting", s->keys[k]);
            goto done;
        }
    }
    records = sj_member(s, "records");
    if (!records) { status = fail(err, XAAS_CONFIG, "settings.records: is required"); goto done; }
    if (records->type != SJ_ARRAY) {
        status = fail(err, XAAS_CONFIG, "settings.records: expected an array, got %s", sj_type_name(records));
        goto done;
    }
    for (size_t i = 0; i < records->count; i++) {
        if ((status = check_record(&records->items[i], i, &values, err)) != XAAS_OK) goto done;
    }
    const sj_value *page_size = sj_member(s, "pageSize");
    if (page_size) {
        char *end = NULL;
        long long n = page_size->type == SJ_NUMBER ? strtoll(page_size->text, &end, 10) : 0;
        if (page_size->type != SJ_NUMBER || !end || *end != 0 || n < 1 || n > 100000) {
            status = fail(err, XAAS_CONFIG, "settings.pageSize: expected an integer from 1 to 100000");
            goto done;
        }
        inst->page_size = (uint32_t)n;
    }
    const sj_value *incremental = sj_member(s, "incremental");
    if (incremental) {
        if (incremental->type != SJ_BOOL) {
            status = fail(err, XAAS_CONFIG, "settings.incremental: expected true or false, got %s", sj_type_name(incremental));
            goto done;
        }
        inst->incremental = incremental->boolean;
    }
    inst->record_count = records->count;
    inst->records = calloc(records->count ? records->count : 1, sizeof *inst->records);
    inst->attributes = calloc(values ? values : 1, sizeof *inst->attributes);
    if (!inst->records || !inst->attributes) { status = fail(err, XAAS_INTERNAL, "out of memory"); goto done; }
    build_records(inst, records);
    snprintf(inst->checkpoint, sizeof inst->checkpoint, "static:%zu", inst->record_count);
done:
    if (status != XAAS_OK) { static_close(inst); return status; }
    if (services && XAAS_HAS_FIELD(services, xaas_host_services, log) && services->log) {
        char message[64];
        snprintf(message, sizeof message, "static: serving %zu records", inst->record_count);
        services->log(services->context, XAAS_LOG_DEBUG, message);
    }
    *out_instance = inst;
    return XAAS_OK;
}

static xaas_status static_check(void *instance, xaas_error *err) {
    if (!instance) return fail(err, XAAS_INVALID_ARGUMENT, "check: instance is NULL");
    return XAAS_OK;
}

static int is_cancelled(static_instance *inst) {
    if (atomic_load(&inst->cancelled)) return 1;
    const xaas_host_services *s = inst->services;
    return s && XAAS_HAS_FIELD(s, xaas_host_services, is_cancelled) && s->is_cancelled && s->is_cancelled(s->context);
}

static xaas_status static_read_page(void *instance, const xaas_read_request *request, xaas_page *page, xaas_error *err) {
    static_instance *inst = instance;
    if (!inst || !request || !page) return fail(err, XAAS_INVALID_ARGUMENT, "read_page: NULL argument");
    /* Read and write the host's structs by prefix: every 1.0 field is needed, later ones are optional. */
    if (!XAAS_HAS_FIELD(page, xaas_page, plugin_data) || !XAAS_HAS_FIELD(request, xaas_read_request, page_size_hint))
        return fail(err, XAAS_INVALID_ARGUMENT, "read_page: page or request is smaller than ABI 1.0");
    int has_stride = XAAS_HAS_FIELD(page, xaas_page, record_stride);
    if (!has_stride && sizeof(xaas_record) != XAAS_RECORD_SIZE_1_0)
        return fail(err, XAAS_UNSUPPORTED, "read_page: this host reads records at the ABI 1.0 stride only");
    if (is_cancelled(inst)) return fail(err, XAAS_CANCELLED, "cancelled");
    size_t offset = 0;
    if (request->cursor) {
        char *end = NULL;
        unsigned long long n = strtoull(request->cursor, &end, 10);
        if (request->cursor[0] < '0' || request->cursor[0] > '9' || !end || *end != 0 || n > inst->record_count)
            return fail(err, XAAS_INVALID_ARGUMENT, "read_page: '%.40s' is not a cursor of this connector", request->cursor);
        offset = (size_t)n;
    }
    size_t size = inst->page_size ? inst->page_size : request->page_size_hint ? request->page_size_hint : 100;
    size_t count = inst->record_count - offset < size ? inst->record_count - offset : size;
    char *cursor = NULL;
    if (offset + count < inst->record_count) {
        cursor = malloc(24);
        if (!cursor) return fail(err, XAAS_INTERNAL, "out of memory");
        snprintf(cursor, 24, "%zu", offset + count);
    }
    page->records = count ? &inst->records[offset] : NULL;
    page->record_count = count;
    page->next_cursor = cursor;
    page->checkpoint = inst->incremental && !cursor ? inst->checkpoint : NULL;
    page->flags = inst->incremental ? XAAS_PAGE_INCREMENTAL : 0;
    page->skipped_count = 0;
    page->notes = NULL;
    page->note_count = 0;
    page->plugin_data = cursor;
    if (has_stride) page->record_stride = sizeof(xaas_record);
    return XAAS_OK;
}

static void static_release_page(void *instance, xaas_page *page) {
    (void)instance;
    if (!page) return;
    free(page->plugin_data);
    page->plugin_data = NULL;
}

static void static_cancel(void *instance) {
    static_instance *inst = instance;
    if (inst) atomic_store(&inst->cancelled, 1);
}

static const xaas_plugin_ops static_ops = {
    .struct_size = sizeof(xaas_plugin_ops),
    .open = static_open,
    .check = static_check,
    .discover = NULL,
    .read_page = static_read_page,
    .release_page = static_release_page,
    .cancel = static_cancel,
    .close = static_close,
};

static const char static_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"records\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"externalId\":{\"type\":\"string\",\"minLength\":1},"
    "\"status\":{\"enum\":[\"active\",\"inactive\",\"deleted\"]},"
    "\"kind\":{\"enum\":[\"user\",\"group\",\"membership\"]},"
    "\"attributes\":{\"type\":\"object\",\"additionalProperties\":{\"type\":[\"string\",\"array\"],\"items\":{\"type\":\"string\"}}}},"
    "\"required\":[\"externalId\"],\"additionalProperties\":false}},"
    "\"pageSize\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000},"
    "\"incremental\":{\"type\":\"boolean\"}},"
    "\"required\":[\"records\"],\"additionalProperties\":false}";

static const xaas_plugin_descriptor static_descriptor = {
    .struct_size = sizeof(xaas_plugin_descriptor),
    .abi_major = XAAS_ABI_MAJOR,
    .abi_minor = XAAS_ABI_MINOR,
    .runtime = "c",
    .id = "org.xaas.static",
    .name = "static",
    .version = "1.0.0",
    .description = "serves the records listed in its settings (examples and tests)",
    .source_kind = "settings",
    .capabilities = XAAS_CAP_CHECK | XAAS_CAP_INCREMENTAL | XAAS_CAP_DELETES | XAAS_CAP_CANCEL
                  | XAAS_CAP_GROUPS | XAAS_CAP_MEMBERSHIPS,
    .settings_schema_json = static_schema,
    .ops = &static_ops,
    .get_extension = NULL,
};

__attribute__((visibility("default")))
const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host) {
    if (!host || !XAAS_HAS_FIELD(host, xaas_host_info, abi_major) || host->abi_major != XAAS_ABI_MAJOR) return NULL;
    return &static_descriptor;
}
