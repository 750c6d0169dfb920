/*
 * static_json.h — a small strict JSON parser for the static connector's settings (RFC 8259).
 *
 * Ownership: sj_parse fills a tree the caller owns and frees with sj_free. Strings are decoded to
 * UTF-8 (they may contain NUL; `len` is authoritative) and also NUL-terminated.
 * Threading: no global state; parse different documents concurrently freely.
 */
#ifndef STATIC_JSON_H
#define STATIC_JSON_H

#include <stddef.h>

typedef enum { SJ_NULL, SJ_BOOL, SJ_NUMBER, SJ_STRING, SJ_ARRAY, SJ_OBJECT } sj_type;

typedef struct sj_value {
    sj_type type;
    int boolean;             /* SJ_BOOL */
    char *text;              /* SJ_STRING: decoded bytes; SJ_NUMBER: the literal */
    size_t len;              /* length of text in bytes */
    struct sj_value *items;  /* SJ_ARRAY elements / SJ_OBJECT member values */
    char **keys;             /* SJ_OBJECT member names (decoded, NUL-terminated) */
    size_t *key_lens;
    size_t count;            /* number of items (and keys) */
} sj_value;

/* Parses `len` bytes of `text`. Returns 0 on success; otherwise writes "line L, column C: problem"
 * into err (capacity errcap) and returns -1 (out is then empty). */
int sj_parse(const char *text, size_t len, sj_value *out, char *err, size_t errcap);

/* Frees everything a successful sj_parse allocated. */
void sj_free(sj_value *value);

/* The member named `key` of an object, or NULL. */
const sj_value *sj_member(const sj_value *object, const char *key);

/* A short name of the value's type ("string", "object", …). */
const char *sj_type_name(const sj_value *value);

#endif
