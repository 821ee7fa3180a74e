/* x509_report.c - renders a chain diagnosis: the chain as a tree (root first, ✓ / ✗ per
 * certificate), then each finding's cause and fix, then what `openssl verify` says. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host/x509/x509_internal.h"

typedef struct {
    char *buf;
    size_t cap, len;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* The indentation of tree level `level` (0 = the top). */
static void indent(out *o, size_t level)
{
    if (level == 0)
        return;
    for (size_t i = 1; i < level; i++)
        put(o, "   ");
    put(o, "└─ ");
}

static void cert_line(out *o, const moat_x509_report *r, size_t idx, size_t level)
{
    const moat_x509_labeled *l = &r->chain[idx];
    char cn[160];
    moat_x509_name_cn(X509_get_subject_name(l->cert), cn, sizeof cn);
    indent(o, level);
    put(o, "%s  %s", l->label && l->label[0] ? l->label : "(certificate)", cn);
    if (idx + 1 == r->chain_len && r->chain_trusted_top)
        put(o, "  (trust anchor)");
    bool any = false;
    for (size_t i = 0; i < r->n_findings; i++) {
        if (r->findings[i].cert != (int)idx)
            continue;
        put(o, "%s%s", any ? "; " : "  ✗ ", r->findings[i].brief);
        any = true;
    }
    put(o, "%s\n", any ? "" : "  ✓");
}

size_t moat_x509_report_tree(const moat_x509_report *r, char *buf, size_t cap)
{
    out o = {buf, cap, 0};
    if (cap)
        buf[0] = 0;
    size_t level = 0;
    if (r->missing_issuer[0]) {
        put(&o, "(not given)  %s  ✗ missing\n", r->missing_issuer);
        level = 1;
    }
    for (size_t k = r->chain_len; k-- > 0; level++)
        cert_line(&o, r, k, level);
    return o.len;
}

size_t moat_x509_report_text(const moat_x509_report *r, char *buf, size_t cap)
{
    size_t n = moat_x509_report_tree(r, buf, cap);
    out o = {buf, cap, n};
    put(&o, "\n");
    if (r->ok)
        put(&o, "chain OK: every certificate verifies up to a trust anchor\n");
    for (size_t i = 0; i < r->n_findings; i++) {
        const moat_x509_finding *f = &r->findings[i];
        put(&o, "✗ [%s] %s\n  Fix: %s\n", moat_x509_finding_name(f->code), f->cause, f->fix);
    }
    if (r->openssl_error == 0)
        put(&o, "openssl verify: OK\n");
    else
        put(&o, "openssl verify: error %d at %d depth lookup: %s\n", r->openssl_error,
            r->openssl_depth, r->openssl_text);
    return o.len;
}
