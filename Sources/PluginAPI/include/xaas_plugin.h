/*
 * xaas_plugin.h — the xaas connector plugin ABI, major version 1.
 *
 * A connector is a shared object that exports exactly one function,
 *
 *     const xaas_plugin_descriptor *xaas_plugin_entry_v1(const xaas_host_info *host);
 *
 * and serves identity records (users, groups, memberships) out of some source of truth. The xaas host
 * loads it with dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE), never unloads it, pulls pages of records
 * through the operations table, and does everything Okta-side itself.
 *
 * This header is self-contained (C11, only <stddef.h> and <stdint.h>). A C programmer can implement a
 * connector from it alone; Plugins/Static/static_connector.c is a complete example.
 *
 * ---------------------------------------------------------------------------------------------------
 * VERSIONING AND COMPATIBILITY (the rule both sides follow; docs/plugins.md says the same)
 *   - The ABI major version is in the entry symbol's name. A v2 ABI exports xaas_plugin_entry_v2; a
 *     plugin may export both during a transition.
 *   - GROWABLE structs begin with `struct_size` (the sizeof() the writer was compiled with): error,
 *     record, read_request, page, host_services, host_info, plugin_ops, plugin_descriptor. Fields are
 *     only ever appended, within a major version. A reader reads only the prefix it needs: a field
 *     lies inside a struct when `struct_size >= offsetof(field) + sizeof(field)` (XAAS_HAS_FIELD), and
 *     an absent field reads as zero / NULL ("unsupported"). A reader never refuses a struct because
 *     it is LARGER than its own sizeof, and refuses a smaller one only when a field it cannot do
 *     without is missing (every field of ABI 1.0 is such a field).
 *   - FROZEN structs have no struct_size and never change within major 1: xaas_str and
 *     xaas_attribute (they sit in arrays whose stride is their sizeof).
 *   - Records sit in an array whose stride is xaas_page.record_stride (ABI 1.1), so xaas_record can
 *     grow: a plugin sets record_stride to the sizeof(xaas_record) it was built with, and the host
 *     steps by it. Use xaas_page_record() to index a page. A 1.0 plugin has no record_stride; the host
 *     then steps by XAAS_RECORD_SIZE_1_0.
 *   - Minor versions are compatible both ways: a 1.x plugin loads in any 1.y host, older or newer.
 *     host_info.abi_minor tells the plugin which host it talks to; descriptor.abi_minor tells the
 *     host which plugin it talks to (the host uses it to know whether record_stride was filled). A
 *     plugin that needs a newer host returns NULL from its entry point when host->abi_minor is too old.
 *   - RESERVED fields are kept for layout and must be NULL / clear; hosts of major 1 never call them.
 *
 * OWNERSHIP (the rules below hold for every function unless its comment says otherwise)
 *   - [lent]   Host inputs (settings JSON, requests, cursors, checkpoints, services) are lent for the
 *              duration of the call. Copy what you keep. The services table is the exception: it stays
 *              valid from `open` until `close` returns.
 *   - [plugin] Pages returned by `read_page` are owned by the plugin until the host passes them to
 *              `release_page`; the host releases every page it received with status OK exactly once.
 *   - [static] The descriptor, the operations table and every string they point to live for the life
 *              of the process (the host never dlclose()s).
 *   - Error text goes into the host-owned buffer of xaas_error; the plugin writes at most
 *     `capacity` bytes including the terminating NUL (truncating safely).
 *   - Nothing is ever free()d across the boundary. Each side uses only its own allocator.
 *
 * THREADING (tags on each function)
 *   - [thread-safe]      may be called from any thread, concurrently with anything.
 *   - [any-thread]       may be called from any thread; different instances concurrently.
 *   - [instance-serial]  never concurrently on one instance, but possibly from different threads over
 *                        time. The host calls plugins from dedicated threads, never a Swift async pool.
 *   - Forbidden inside a plugin: process-global mutable state shared between instances; exit(),
 *     signal handlers, setlocale(), chdir(), changing environment variables; threads outliving close.
 *
 * STRINGS
 *   NUL-terminated strings are UTF-8. Record strings (xaas_str) carry an explicit byte length, need not
 *   be NUL-terminated, and may contain any UTF-8 (including NUL); invalid UTF-8 is a SOURCE_DATA error.
 * ---------------------------------------------------------------------------------------------------
 */
#ifndef XAAS_PLUGIN_H
#define XAAS_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version implemented by this header. */
#define XAAS_ABI_MAJOR 1
#define XAAS_ABI_MINOR 1

/** True when the struct at `p` (which begins with struct_size) holds `field` of `type` entirely.
 *  Use it before reading or writing any field of a struct the other side allocated. */
#define XAAS_HAS_FIELD(p, type, field) \
    ((p)->struct_size >= offsetof(type, field) + sizeof(((const type *)0)->field))

/** The entry symbol a v1 plugin exports (as a string for dlsym). */
#define XAAS_PLUGIN_ENTRY_V1 "xaas_plugin_entry_v1"

/* ---------------------------------------------------------------------------------------------- */
/* Status codes. Every operation returns one; the host's retry policy follows it.                  */
/* ---------------------------------------------------------------------------------------------- */
typedef int32_t xaas_status;
#define XAAS_OK               0  /**< success */
#define XAAS_END              1  /**< reserved: read_page signals end with next_cursor == NULL, not this */
#define XAAS_INVALID_ARGUMENT 2  /**< the host passed something malformed (a host bug) */
#define XAAS_CONFIG           3  /**< settings are invalid; fail the run, no retry */
#define XAAS_AUTH             4  /**< credentials rejected; fail the run, no retry */
#define XAAS_PERMISSION       5  /**< credentials lack a permission; fail the run, no retry */
#define XAAS_NOT_FOUND        6  /**< the source (file, table, endpoint) does not exist */
#define XAAS_TRANSIENT        7  /**< try the same call again later (honour retry_after_ms) */
#define XAAS_RATE_LIMITED     8  /**< the source throttled us; retry after retry_after_ms */
#define XAAS_SOURCE_DATA      9  /**< the source holds bad data (message names file/line/record/field) */
#define XAAS_CANCELLED       10  /**< the call stopped because cancel() was called or is_cancelled() */
#define XAAS_INTERNAL        11  /**< a bug in the plugin */
#define XAAS_UNSUPPORTED     12  /**< the operation or feature is not implemented */

/** Error details, written by the plugin into host-owned memory.
 *  Ownership: the struct and `message` belong to the host and are lent for one call. */
typedef struct xaas_error {
    size_t struct_size;
    char *message;           /**< host-owned buffer; write a NUL-terminated UTF-8 message */
    size_t capacity;         /**< bytes available in `message`, including the NUL */
    uint32_t retry_after_ms; /**< for TRANSIENT / RATE_LIMITED: how long to wait (0 = host decides) */
} xaas_error;

/* ---------------------------------------------------------------------------------------------- */
/* Records                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

/** A UTF-8 byte string with explicit length. `ptr` may be NULL only when `len` is 0.
 *  FROZEN: never changes within major 1. */
typedef struct xaas_str {
    const char *ptr;
    size_t len;
} xaas_str;

/** What a record describes. */
typedef uint32_t xaas_record_kind;
#define XAAS_KIND_USER       0
#define XAAS_KIND_GROUP      1
/** A group's members: external_id is the group's externalId; every attribute named "member" carries
 *  one member's externalId (repeat it for many members). */
#define XAAS_KIND_MEMBERSHIP 2

/** The record's lifecycle state in the source. */
typedef uint32_t xaas_record_status;
#define XAAS_STATUS_ACTIVE   0  /**< present and enabled: upsert */
#define XAAS_STATUS_INACTIVE 1  /**< present but disabled: deactivate */
#define XAAS_STATUS_DELETED  2  /**< removed from the source (incremental reads): deactivate */

/** One attribute value. A multi-valued attribute is several entries with the same name, in order.
 *  FROZEN: never changes within major 1 (an attribute array's stride is its sizeof). */
typedef struct xaas_attribute {
    xaas_str name;
    xaas_str value;
} xaas_attribute;

/** One identity record. Owned by the page it is in. Growable: records sit in the page's array at
 *  xaas_page.record_stride; read them with xaas_page_record(). */
typedef struct xaas_record {
    size_t struct_size;
    xaas_record_kind kind;
    xaas_record_status status;
    xaas_str external_id;               /**< the immutable source key; non-empty */
    const xaas_attribute *attributes;   /**< attribute_count entries (may be NULL when 0) */
    size_t attribute_count;
} xaas_record;

/** sizeof(xaas_record) in ABI 1.0: the smallest record a host accepts, and the stride of a 1.0 page. */
#define XAAS_RECORD_SIZE_1_0 (offsetof(xaas_record, attribute_count) + sizeof(size_t))

/* ---------------------------------------------------------------------------------------------- */
/* Paging                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

/** What the host asks of read_page. Lent for the call. */
typedef struct xaas_read_request {
    size_t struct_size;
    /** Opaque position from the previous page's next_cursor; NULL = start a new read. */
    const char *cursor;
    /** On the first call of a read (cursor == NULL): the last checkpoint the host persisted for this
     *  source, or NULL for a full read. An incremental source (e.g. a Graph delta link) resumes from
     *  it and flags its pages XAAS_PAGE_INCREMENTAL; a source without INCREMENTAL ignores it. */
    const char *checkpoint;
    /** Preferred number of records per page. A hint: pages may be smaller, larger, or empty. */
    uint32_t page_size_hint;
} xaas_read_request;

/** Page flags. */
#define XAAS_PAGE_INCREMENTAL 0x1u  /**< this read yields changes only: absence means unchanged, not gone.
                                         Without it the read is a complete snapshot, and the host
                                         deactivates users absent from it (only if the read succeeds
                                         to the end). Set it on every page of an incremental read. */

/** One page of records. The struct itself is host memory (host sets struct_size; plugin fills the
 *  rest); everything it points to is plugin memory, valid until release_page(page) returns. */
typedef struct xaas_page {
    size_t struct_size;
    /** record_count records (may be NULL when 0), record_stride bytes apart: record i starts at
     *  (const char *)records + i * record_stride. Never index it as a C array; use xaas_page_record(). */
    const xaas_record *records;
    size_t record_count;
    /** Opaque cursor for the next read_page call; NULL = this is the last page. An empty page with a
     *  non-NULL next_cursor is valid (the host keeps reading). NUL-terminated, printable text. */
    const char *next_cursor;
    /** Optional: an opaque resume point (NUL-terminated text) the host persists once this page and
     *  everything before it has been applied to Okta, and passes back as request.checkpoint on a
     *  later read. NULL = no new checkpoint. */
    const char *checkpoint;
    uint32_t flags;              /**< XAAS_PAGE_* bits */
    /** Rows/entries the plugin skipped in this page because they were bad (e.g. onBadRow=skip). */
    uint64_t skipped_count;
    /** Human-readable notes about this page (one per skipped row, deleted-but-unknown member, …):
     *  note_count NUL-terminated UTF-8 strings. */
    const char *const *notes;
    size_t note_count;
    /** Plugin-private; the host never touches it. */
    void *plugin_data;
    /* ---- ABI 1.1 ---- */
    /** Bytes from one record to the next: the sizeof(xaas_record) the plugin was built with (at least
     *  XAAS_RECORD_SIZE_1_0). Write it only when XAAS_HAS_FIELD(page, xaas_page, record_stride); a
     *  host whose page has no such field (a 1.0 host) steps by XAAS_RECORD_SIZE_1_0, so a plugin then
     *  lays its records out at that stride (or fails the read with XAAS_UNSUPPORTED). */
    size_t record_stride;
} xaas_page;

/** Record `i` of `page`, stepping by record_stride (by XAAS_RECORD_SIZE_1_0 when the page has none or
 *  it is 0, as in a 1.0 plugin's page). */
static inline const xaas_record *xaas_page_record(const xaas_page *page, size_t i) {
    size_t stride = XAAS_HAS_FIELD(page, xaas_page, record_stride) && page->record_stride
        ? page->record_stride : XAAS_RECORD_SIZE_1_0;
    return (const xaas_record *)(const void *)((const char *)page->records + i * stride);
}

/* ---------------------------------------------------------------------------------------------- */
/* Host services, passed to open                                                                    */
/* ---------------------------------------------------------------------------------------------- */

/** Log levels. */
#define XAAS_LOG_DEBUG   0
#define XAAS_LOG_INFO    1
#define XAAS_LOG_WARNING 2
#define XAAS_LOG_ERROR   3

/** Services the host offers an instance. Lent from open until close returns. Never log secrets. */
typedef struct xaas_host_services {
    size_t struct_size;
    void *context; /**< pass back to each service */
    /** [thread-safe] Log one message (NUL-terminated UTF-8). */
    void (*log)(void *context, int32_t level, const char *message);
    /** [thread-safe] Non-zero once the host wants the current operation to stop; long reads should
     *  poll it between I/O steps and return XAAS_CANCELLED. */
    int32_t (*is_cancelled)(void *context);
    /** RESERVED for host extensions by id ("org.xaas.<name>/<rev>"). Hosts of ABI 1.x define no
     *  extension: the function, when present, always returns NULL. It may itself be NULL. */
    const void *(*get_extension)(void *context, const char *id);
} xaas_host_services;

/** What the host tells the plugin about itself at entry. Lent for the entry call. */
typedef struct xaas_host_info {
    size_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;       /**< the host's XAAS_ABI_MINOR: which appended fields it knows */
    const char *host_version; /**< xaas SemVer */
    const char *runtime;      /**< "swift-<toolchain version>" */
} xaas_host_info;

/* ---------------------------------------------------------------------------------------------- */
/* Operations                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

struct xaas_plugin_descriptor;

/** The operations table. [static]. `open`, `read_page`, `release_page` and `close` are mandatory;
 *  the others may be NULL (then the matching capability bit must be clear). */
typedef struct xaas_plugin_ops {
    size_t struct_size;

    /** [any-thread] Parse and validate settings (no network, no file reads beyond what validation
     *  needs), and create an instance. `self` is the descriptor this table belongs to (plugins may
     *  keep private data behind it). `settings_json` is a UTF-8 JSON object of settings_len bytes
     *  [lent]. On OK, *out_instance is the plugin's opaque handle, owned by the plugin until close.
     *  On error, *out_instance is left NULL and err is filled. */
    xaas_status (*open)(const struct xaas_plugin_descriptor *self,
                        const xaas_host_services *services,
                        const char *settings_json, size_t settings_len,
                        void **out_instance, xaas_error *err);

    /** [instance-serial] Cheap connectivity / credential / file-access test. Optional (CAP_CHECK). */
    xaas_status (*check)(void *instance, xaas_error *err);

    /** RESERVED (schema discovery). Hosts of ABI 1.x never call it; set it to NULL and leave
     *  XAAS_CAP_DISCOVER clear. (Intended: describe the source's attributes as a NUL-terminated JSON
     *  document owned by the plugin until the next call on this instance or close.) */
    xaas_status (*discover)(void *instance, const char **out_json, xaas_error *err);

    /** [instance-serial] Produce the next page. The host zero-fills *out_page and sets its
     *  struct_size; the plugin fills the fields that lie inside it (XAAS_HAS_FIELD). On OK the page is [plugin]-owned until release_page. On any other status the page is
     *  untouched and must not be released; the host may retry the same request after TRANSIENT or
     *  RATE_LIMITED. A read whose next_cursor is NULL has ended; a new read starts with cursor NULL. */
    xaas_status (*read_page)(void *instance, const xaas_read_request *request,
                             xaas_page *out_page, xaas_error *err);

    /** [instance-serial] Give a page back. Called exactly once for every page returned with OK. */
    void (*release_page)(void *instance, xaas_page *page);

    /** [thread-safe] Ask an in-flight call on this instance to return XAAS_CANCELLED soon. May be called
     *  while read_page runs on another thread, and more than once. Optional (CAP_CANCEL). */
    void (*cancel)(void *instance);

    /** [any-thread, once] Free everything the instance owns. No service calls after it returns. Every
     *  page must have been released before. */
    void (*close)(void *instance);
} xaas_plugin_ops;

/** Capability bits. A reader ignores bits it does not know. */
#define XAAS_CAP_CHECK       (1ull << 0) /**< implements check */
#define XAAS_CAP_DISCOVER    (1ull << 1) /**< RESERVED (see ops.discover); leave clear */
#define XAAS_CAP_INCREMENTAL (1ull << 2) /**< can resume from a checkpoint and read changes only */
#define XAAS_CAP_DELETES     (1ull << 3) /**< emits XAAS_STATUS_DELETED records */
#define XAAS_CAP_CANCEL      (1ull << 4) /**< cancel interrupts an in-flight read_page */
#define XAAS_CAP_GROUPS      (1ull << 5) /**< emits group records */
#define XAAS_CAP_MEMBERSHIPS (1ull << 6) /**< emits membership records */

/** The plugin's self-description. [static], plugin-owned; strings NUL-terminated UTF-8. */
typedef struct xaas_plugin_descriptor {
    size_t struct_size;
    uint32_t abi_major;           /**< XAAS_ABI_MAJOR the plugin was built against */
    uint32_t abi_minor;           /**< XAAS_ABI_MINOR the plugin was built against */
    /** "c" for plugins without a language runtime the host must share; "swift-<exact toolchain
     *  version>" for Swift plugins (the host refuses one built by another toolchain). */
    const char *runtime;
    const char *id;               /**< reverse-DNS, e.g. "org.xaas.csv" */
    const char *name;             /**< short name users type, e.g. "csv" ([a-z0-9-]+) */
    const char *version;          /**< SemVer of the plugin */
    const char *description;      /**< one line */
    const char *source_kind;      /**< e.g. "file", "directory", "rest" */
    uint64_t capabilities;        /**< XAAS_CAP_* bits */
    /** JSON Schema (draft 2020-12 subset: type, properties, required, additionalProperties, enum,
     *  minimum, maximum, items) of the settings object passed to open. */
    const char *settings_schema_json;
    const xaas_plugin_ops *ops;
    /** RESERVED for plugin extensions by id. Hosts of ABI 1.x never call it; set it to NULL. */
    const void *(*get_extension)(const char *id);
} xaas_plugin_descriptor;

/** The entry function type. [thread-safe]. Returns the [static] descriptor, or NULL when the plugin
 *  cannot serve host->abi_major. Must not call host services, allocate per-call, or have side effects
 *  beyond one-time initialisation. */
typedef const xaas_plugin_descriptor *(*xaas_plugin_entry_v1_fn)(const xaas_host_info *host);

#ifdef __cplusplus
}
#endif

#endif /* XAAS_PLUGIN_H */
