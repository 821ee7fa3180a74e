/* fuzz_cert_definition.c - libFuzzer target for the definition parser ("MCZD"), the slot-8
 * unpacker ("MCZP") and the DER walker that builds a definition from a certificate. A parsed
 * definition must serialize back to the same bytes and rebuild without over-reading. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/certcodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rebuilds from `def` with 72 bytes that match it: exercises every location. */
static void rebuild(const moat_cert_def *def)
{
    static const uint8_t chip_sn[9] = {0x01, 0x23, 0x4D, 0x4F, 0x41, 0x54, 0x53, 0x45, 0xEE};
    uint8_t comp[72], pub[64], out[0x10000 + 80];
    size_t len;
    memset(comp, 0x81, 64);
    comp[64] = 0x00, comp[65] = 0x84, comp[66] = 0x05, comp[67] = 0x3C, comp[68] = 0x7A;
    comp[69] = (uint8_t)(def->template_id << 4 | def->chain_id);
    comp[70] = (uint8_t)(def->sn_source << 4);
    comp[71] = 0;
    memset(pub, 0x33, sizeof pub);
    moat_cert_extra extra = {pub, chip_sn};
    if (moat_cert_rebuild(def, comp, pub, &extra, out, sizeof out, &len) == MOAT_CERT_OK &&
        len > moat_cert_rebuild_max(def))
        abort();
}

static void parse_definition(const uint8_t *data, size_t size)
{
    moat_cert_def def;
    static uint8_t back[0x10000 + MOAT_CERT_DEF_HEADER_SIZE];
    size_t n;
    if (moat_cert_def_parse(data, size, &def) != MOAT_CERT_OK)
        return;
    if (moat_cert_def_serialize(&def, back, sizeof back, &n) != MOAT_CERT_OK || n != size ||
        memcmp(back, data, size) != 0)
        abort();
    rebuild(&def);
}

static void unpack(const uint8_t *data, size_t size)
{
    static uint8_t work[0x10000];
    const uint8_t *a, *b;
    size_t la, lb;
    if (moat_cert_unpack(data, size, work, sizeof work, &a, &la, &b, &lb) != MOAT_CERT_OK)
        return;
    parse_definition(a, la);
    parse_definition(b, lb);
}

static void walk_certificate(const uint8_t *data, size_t size)
{
    moat_cert_def def;
    uint8_t comp[72];
    if (moat_cert_def_from_der(data, size, MOAT_CERT_SIGNER_ID_AUTO, &def) != MOAT_CERT_OK)
        return;
    (void)moat_cert_compress(&def, data, size, NULL, comp);
    rebuild(&def);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_definition(data, size);
    unpack(data, size);
    walk_certificate(data, size);
    return 0;
}
