/* static_json.c — see static_json.h. */
#define _POSIX_C_SOURCE 200809L
#include "static_json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *p;
    size_t len, pos;
    char *err;
    size_t errcap;
    int failed;
} sj_parser;

enum { SJ_MAX_DEPTH = 64 };

static void sj_fail(sj_parser *ps, const char *message) {
    if (ps->failed) return;
    ps->failed = 1;
    size_t line = 1, column = 1;
    for (size_t i = 0; i < ps->pos && i < ps->len; i++) {
        if (ps->p[i] == '\n') { line++; column = 1; } else if ((ps->p[i] & 0xC0) != 0x80) { column++; }
    }
    if (ps->err && ps->errcap > 0) snprintf(ps->err, ps->errcap, "line %zu, column %zu: %s", line, column, message);
}

static void sj_skip_ws(sj_parser *ps) {
    while (ps->pos < ps->len) {
        unsigned char c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        ps->pos++;
    }
}

typedef struct { char *data; size_t len, cap; } sj_buf;

static int sj_buf_push(sj_buf *b, const void *bytes, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) return -1;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

static size_t sj_encode_utf8(uint32_t cp, unsigned char out[4]) {
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { out[0] = 0xC0 | (cp >> 6); out[1] = 0x80 | (cp & 0x3F); return 2; }
    if (cp < 0x10000) {
        out[0] = 0xE0 | (cp >> 12); out[1] = 0x80 | ((cp >> 6) & 0x3F); out[2] = 0x80 | (cp & 0x3F); return 3;
    }
    out[0] = 0xF0 | (cp >> 18); out[1] = 0x80 | ((cp >> 12) & 0x3F);
    out[2] = 0x80 | ((cp >> 6) & 0x3F); out[3] = 0x80 | (cp & 0x3F);
    return 4;
}

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0 when invalid. */
static size_t sj_utf8_length(const unsigned char *p, size_t n) {
    unsigned char c = p[0];
    size_t need;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { need = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 4; cp = c & 0x07; }
    else return 0;
    if (n < need) return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return need;
}

static int sj_hex4(sj_parser *ps, uint32_t *out) {
    if (ps->pos + 4 > ps->len) { sj_fail(ps, "incomplete \\u escape"); return -1; }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = ps->p[ps->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else { sj_fail(ps, "invalid \\u escape"); return -1; }
    }
    *out = v;
    return 0;
}

/* Parses a string literal (ps->pos at the opening quote) into a malloc'd buffer. */
static int sj_string(sj_parser *ps, char **text, size_t *len) {
    sj_buf b = {0};
    ps->pos++;
    if (sj_buf_push(&b, "", 0) != 0) { sj_fail(ps, "out of memory"); return -1; }
    for (;;) {
        if (ps->pos >= ps->len) { sj_fail(ps, "unterminated string"); break; }
        unsigned char c = ps->p[ps->pos];
        if (c == '"') { ps->pos++; *text = b.data; *len = b.len; return 0; }
        if (c < 0x20) { sj_fail(ps, "control character in a string"); break; }
        if (c == '\\') {
            ps->pos++;
            if (ps->pos >= ps->len) { sj_fail(ps, "unterminated string"); break; }
            char e = (char)ps->p[ps->pos++];
            const char *simple = NULL;
            switch (e) {
            case '"': simple = "\""; break;
            case '\\': simple = "\\"; break;
            case '/': simple = "/"; break;
            case 'b': simple = "\b"; break;
            case 'f': simple = "\f"; break;
            case 'n': simple = "\n"; break;
            case 'r': simple = "\r"; break;
            case 't': simple = "\t"; break;
            case 'u': break;
            default: sj_fail(ps, "invalid escape in a string"); break;
            }
            if (ps->failed) break;
            if (simple) { if (sj_buf_push(&b, simple, 1) != 0) { sj_fail(ps, "out of memory"); break; } continue; }
            uint32_t cp;
            if (sj_hex4(ps, &cp) != 0) break;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t low;
                if (ps->pos + 2 > ps->len || ps->p[ps->pos] != '\\' || ps->p[ps->pos + 1] != 'u') {
                    sj_fail(ps, "unpaired surrogate in a \\u escape"); break;
                }
                ps->pos += 2;
                if (sj_hex4(ps, &low) != 0) break;
                if (low < 0xDC00 || low > 0xDFFF) { sj_fail(ps, "unpaired surrogate in a \\u escape"); break; }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                sj_fail(ps, "unpaired surrogate in a \\u escape"); break;
            }
            unsigned char utf8[4];
            size_t n = sj_encode_utf8(cp, utf8);
            if (sj_buf_push(&b, utf8, n) != 0) { sj_fail(ps, "out of memory"); break; }
            continue;
        }
        size_t n = sj_utf8_length(ps->p + ps->pos, ps->len - ps->pos);
        if (n == 0) { sj_fail(ps, "invalid UTF-8 in a string"); break; }
        if (sj_buf_push(&b, ps->p + ps->pos, n) != 0) { sj_fail(ps, "out of memory"); break; }
        ps->pos += n;
    }
    free(b.data);
    return -1;
}

static int sj_value_parse(sj_parser *ps, sj_value *out, int depth);

static int sj_literal(sj_parser *ps, const char *word) {
    size_t n = strlen(word);
    if (ps->pos + n > ps->len || memcmp(ps->p + ps->pos, word, n) != 0) { sj_fail(ps, "invalid literal"); return -1; }
    ps->pos += n;
    return 0;
}

static int sj_number(sj_parser *ps, sj_value *out) {
    size_t start = ps->pos;
    const unsigned char *p = ps->p;
    if (ps->pos < ps->len && p[ps->pos] == '-') ps->pos++;
    if (ps->pos < ps->len && p[ps->pos] == '0') ps->pos++;
    else if (ps->pos < ps->len && p[ps->pos] >= '1' && p[ps->pos] <= '9') {
        while (ps->pos < ps->len && p[ps->pos] >= '0' && p[ps->pos] <= '9') ps->pos++;
    } else { sj_fail(ps, "invalid number"); return -1; }
    if (ps->pos < ps->len && p[ps->pos] == '.') {
        ps->pos++;
        if (ps->pos >= ps->len || p[ps->pos] < '0' || p[ps->pos] > '9') { sj_fail(ps, "invalid number"); return -1; }
        while (ps->pos < ps->len && p[ps->pos] >= '0' && p[ps->pos] <= '9') ps->pos++;
    }
    if (ps->pos < ps->len && (p[ps->pos] == 'e' || p[ps->pos] == 'E')) {
        ps->pos++;
        if (ps->pos < ps->len && (p[ps->pos] == '+' || p[ps->pos] == '-')) ps->pos++;
        if (ps->pos >= ps->len || p[ps->pos] < '0' || p[ps->pos] > '9') { sj_fail(ps, "invalid number"); return -1; }
        while (ps->pos < ps->len && p[ps->pos] >= '0' && p[ps->pos] <= '9') ps->pos++;
    }
    out->len = ps->pos - start;
    out->text = malloc(out->len + 1);
    if (!out->text) { sj_fail(ps, "out of memory"); return -1; }
    memcpy(out->text, p + start, out->len);
    out->text[out->len] = 0;
    out->type = SJ_NUMBER;
    return 0;
}

static int sj_grow(sj_parser *ps, sj_value *v, size_t *cap, int with_keys) {
    if (v->count < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 4;
    sj_value *items = realloc(v->items, ncap * sizeof *items);
    if (!items) { sj_fail(ps, "out of memory"); return -1; }
    v->items = items;
    if (with_keys) {
        char **keys = realloc(v->keys, ncap * sizeof *keys);
        if (!keys) { sj_fail(ps, "out of memory"); return -1; }
        v->keys = keys;
        size_t *lens = realloc(v->key_lens, ncap * sizeof *lens);
        if (!lens) { sj_fail(ps, "out of memory"); return -1; }
        v->key_lens = lens;
    }
    *cap = ncap;
    return 0;
}

static int sj_container(sj_parser *ps, sj_value *out, int depth, int object) {
    size_t cap = 0;
    out->type = object ? SJ_OBJECT : SJ_ARRAY;
    ps->pos++;
    sj_skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == (object ? '}' : ']')) { ps->pos++; return 0; }
    for (;;) {
        if (sj_grow(ps, out, &cap, object) != 0) return -1;
        if (object) {
            sj_skip_ws(ps);
            if (ps->pos >= ps->len || ps->p[ps->pos] != '"') { sj_fail(ps, "expected a member name in quotes"); return -1; }
            char *key;
            size_t key_len;
            if (sj_string(ps, &key, &key_len) != 0) return -1;
            for (size_t i = 0; i < out->count; i++) {
                if (out->key_lens[i] == key_len && memcmp(out->keys[i], key, key_len) == 0) {
                    free(key);
                    sj_fail(ps, "duplicate member name");
                    return -1;
                }
            }
            sj_skip_ws(ps);
            if (ps->pos >= ps->len || ps->p[ps->pos] != ':') { free(key); sj_fail(ps, "expected ':'"); return -1; }
            ps->pos++;
            out->keys[out->count] = key;
            out->key_lens[out->count] = key_len;
        }
        memset(&out->items[out->count], 0, sizeof out->items[0]);
        out->count++;  /* counted before parsing so sj_free releases a partial value */
        if (sj_value_parse(ps, &out->items[out->count - 1], depth + 1) != 0) return -1;
        sj_skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == ',') { ps->pos++; continue; }
        if (ps->pos < ps->len && ps->p[ps->pos] == (object ? '}' : ']')) { ps->pos++; return 0; }
        sj_fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
        return -1;
    }
}

static int sj_value_parse(sj_parser *ps, sj_value *out, int depth) {
    if (depth > SJ_MAX_DEPTH) { sj_fail(ps, "nested too deeply"); return -1; }
    sj_skip_ws(ps);
    if (ps->pos >= ps->len) { sj_fail(ps, "unexpected end of input"); return -1; }
    switch (ps->p[ps->pos]) {
    case '{': return sj_container(ps, out, depth, 1);
    case '[': return sj_container(ps, out, depth, 0);
    case '"': out->type = SJ_STRING; return sj_string(ps, &out->text, &out->len);
    case 't': out->type = SJ_BOOL; out->boolean = 1; return sj_literal(ps, "true");
    case 'f': out->type = SJ_BOOL; out->boolean = 0; return sj_literal(ps, "false");
    case 'n': out->type = SJ_NULL; return sj_literal(ps, "null");
    default: return sj_number(ps, out);
    }
}

int sj_parse(const char *text, size_t len, sj_value *out, char *err, size_t errcap) {
    sj_parser ps = { (const unsigned char *)text, len, 0, err, errcap, 0 };
    memset(out, 0, sizeof *out);
    if (sj_value_parse(&ps, out, 0) == 0) {
        sj_skip_ws(&ps);
        if (ps.pos == ps.len) return 0;
        sj_fail(&ps, "unexpected data after the JSON value");
    }
    sj_free(out);
    return -1;
}

void sj_free(sj_value *value) {
    if (!value) return;
    for (size_t i = 0; i < value->count; i++) {
        sj_free(&value->items[i]);
        if (value->keys) free(value->keys[i]);
    }
    free(value->items);
    free(value->keys);
    free(value->key_lens);
    free(value->text);
    memset(value, 0, sizeof *value);
}

const sj_value *sj_member(const sj_value *object, const char *key) {
    if (!object || object->type != SJ_OBJECT) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < object->count; i++) {
        if (object->key_lens[i] == n && memcmp(object->keys[i], key, n) == 0) return &object->items[i];
    }
    return NULL;
}

const char *sj_type_name(const sj_value *value) {
    switch (value->type) {
    case SJ_NULL: return "null";
    case SJ_BOOL: return "boolean";
    case SJ_NUMBER: return "number";
    case SJ_STRING: return "string";
    case SJ_ARRAY: return "array";
    case SJ_OBJECT: return "object";
    }
    return "value";
}
