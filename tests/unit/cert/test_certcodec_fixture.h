/* test_certcodec_fixture.h - shared helpers of the compressed-certificate unit tests: loading
 * the certificates tests/data/cert/make.sh generated, and compress/rebuild shortcuts. */
#ifndef TEST_CERTCODEC_FIXTURE_H
#define TEST_CERTCODEC_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/certcodec.h"

#define FIX_MAX 2048

typedef struct {
    uint8_t der[FIX_MAX];
    size_t len;
    moat_cert_def def;
    uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE];
} fix_cert;

/* Reads tests/data/cert/NAME.der (MOAT_SRC_DIR from ctest, else the source-relative path). */
static inline size_t fix_read(const char *name, uint8_t *buf, size_t cap)
{
    const char *src = getenv("MOAT_SRC_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/cert/%s.der", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (set MOAT_SRC_DIR)", path);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    assert_true(n > 0 && n < cap);
    return n;
}

/* Loads a certificate and builds its definition (signer ID found automatically). */
static inline void fix_load(fix_cert *c, const char *name)
{
    c->len = fix_read(name, c->der, sizeof c->der);
    assert_int_equal(moat_cert_def_from_der(c->der, c->len, MOAT_CERT_SIGNER_ID_AUTO, &c->def),
                     MOAT_CERT_OK);
    assert_int_equal(moat_cert_der_pubkey(c->der, c->len, c->pubkey), MOAT_CERT_OK);
}

/* Compresses `c` and rebuilds it; asserts the rebuilt DER is byte-identical. */
static inline void fix_roundtrip(const fix_cert *c, const uint8_t *signer_pubkey, uint8_t comp[72])
{
    moat_cert_extra extra = {signer_pubkey, NULL};
    uint8_t out[FIX_MAX];
    size_t out_len = 0;
    assert_int_equal(moat_cert_compress(&c->def, c->der, c->len, &extra, comp), MOAT_CERT_OK);
    assert_int_equal(moat_cert_rebuild(&c->def, comp, c->pubkey, &extra, out, sizeof out, &out_len),
                     MOAT_CERT_OK);
    assert_int_equal(out_len, c->len);
    assert_memory_equal(out, c->der, c->len);
}

#endif
