/* fuzz_mqtt_topic.c - libFuzzer differential target: moat_mqtt_topic_matches against a plain
 * level-by-level reference matcher. Input: FILTER 0x00 TOPIC. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/mqtt_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *p;
    size_t len;
} level;

/* Splits s into its '/'-separated levels (empty levels included); returns the count. */
static size_t split(const uint8_t *s, size_t len, level *out)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '/') {
            out[n].p = s + start;
            out[n].len = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static int is(const level *l, char c)
{
    return l->len == 1 && l->p[0] == (uint8_t)c;
}

/* MQTT 4.7: '#' matches the rest including the parent level, '+' exactly one level. */
static bool ref_match(const level *f, size_t nf, const level *t, size_t nt)
{
    if (nf == 0)
        return nt == 0;
    if (is(&f[0], '#'))
        return true;
    if (nt == 0)
        return false;
    if (!is(&f[0], '+') && (f[0].len != t[0].len || memcmp(f[0].p, t[0].p, f[0].len) != 0))
        return false;
    return ref_match(f + 1, nf - 1, t + 1, nt - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (nul == NULL)
        return 0;
    size_t fl = (size_t)(nul - data), tl = size - fl - 1;
    /* Exact-size copies so ASan sees any over-read. */
    uint8_t *f = malloc(fl + 1), *t = malloc(tl + 1);
    level *fv = malloc((fl + 1) * sizeof *fv), *tv = malloc((tl + 1) * sizeof *tv);
    if (!f || !t || !fv || !tv)
        abort();
    memcpy(f, data, fl);
    memcpy(t, nul + 1, tl);
    bool fok = moat_mqtt_validate_topic_filter(f, fl) == MOAT_MQTT_OK;
    bool tok = moat_mqtt_validate_topic_name(t, tl) == MOAT_MQTT_OK;
    bool got = moat_mqtt_topic_matches(f, fl, t, tl); /* must not crash on invalid input */
    if (fok && tok) {
        bool want = ref_match(fv, split(f, fl, fv), tv, split(t, tl, tv));
        if (t[0] == '$' && (f[0] == '+' || f[0] == '#'))
            want = false; /* MQTT-4.7.2-1 */
        if (got != want) {
            fprintf(stderr, "fuzz_mqtt_topic: filter [%.*s] topic [%.*s]: got %d want %d\n",
                    (int)fl, (const char *)f, (int)tl, (const char *)t, got, want);
            abort();
        }
    }
    free(f);
    free(t);
    free(fv);
    free(tv);
    return 0;
}
