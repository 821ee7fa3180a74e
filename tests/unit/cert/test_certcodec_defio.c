/* test_certcodec_defio.c - the definition file format (serialize/parse) and the LZ-packed pair
 * of definitions kept in the chip's slot 8: round trips, size, and malformed input. */
#include "test_certcodec_fixture.h"

static fix_cert signer, device;

static int setup(void **s)
{
    (void)s;
    fix_load(&signer, "signer");
    fix_load(&device, "device");
    return 0;
}

static size_t serialize(const moat_cert_def *def, uint8_t *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(moat_cert_def_serialize(def, out, cap, &n), MOAT_CERT_OK);
    assert_int_equal(n, moat_cert_def_serialized_size(def));
    return n;
}

/* Rebuilds `c` from definition `def`; asserts it is byte-identical. */
static void rebuild_equal(const fix_cert *c, const moat_cert_def *def, const uint8_t *signer_pk)
{
    moat_cert_extra extra = {signer_pk, NULL};
    uint8_t comp[72], out[FIX_MAX];
    size_t len;
    assert_int_equal(moat_cert_compress(&c->def, c->der, c->len, &extra, comp), MOAT_CERT_OK);
    assert_int_equal(moat_cert_rebuild(def, comp, c->pubkey, &extra, out, sizeof out, &len),
                     MOAT_CERT_OK);
    assert_int_equal(len, c->len);
    assert_memory_equal(out, c->der, len);
}

static void test_parsed_definition_rebuilds_identically(void **s)
{
    (void)s;
    uint8_t buf[FIX_MAX];
    moat_cert_def def;
    size_t n = serialize(&device.def, buf, sizeof buf);
    assert_int_equal(moat_cert_def_parse(buf, n, &def), MOAT_CERT_OK);
    assert_int_equal(def.template_id, device.def.template_id);
    assert_int_equal(def.sn_source, device.def.sn_source);
    assert_memory_equal(def.el, device.def.el, sizeof def.el);
    rebuild_equal(&device, &def, signer.pubkey);
}

static void test_serialize_refuses_a_small_buffer(void **s)
{
    (void)s;
    uint8_t buf[64];
    size_t n;
    assert_int_equal(moat_cert_def_serialize(&device.def, buf, sizeof buf, &n),
                     MOAT_CERT_ERR_BUFFER);
}

static void test_parse_refuses_bad_magic_version_and_length(void **s)
{
    (void)s;
    uint8_t buf[FIX_MAX];
    moat_cert_def def;
    size_t n = serialize(&device.def, buf, sizeof buf);
    assert_int_equal(moat_cert_def_parse(buf, n - 1, &def), MOAT_CERT_ERR_DEF_PARSE);
    assert_int_equal(moat_cert_def_parse(buf, 10, &def), MOAT_CERT_ERR_DEF_PARSE);
    buf[4] = 2;
    assert_int_equal(moat_cert_def_parse(buf, n, &def), MOAT_CERT_ERR_DEF_PARSE);
    buf[4] = 1;
    buf[0] = 'X';
    assert_int_equal(moat_cert_def_parse(buf, n, &def), MOAT_CERT_ERR_DEF_PARSE);
}

static void test_parse_refuses_locations_outside_the_template(void **s)
{
    (void)s;
    uint8_t buf[FIX_MAX];
    moat_cert_def def;
    size_t n = serialize(&device.def, buf, sizeof buf);
    buf[16] = 0xFF; /* public key offset */
    assert_int_equal(moat_cert_def_parse(buf, n, &def), MOAT_CERT_ERR_DEF_RANGE);
    n = serialize(&device.def, buf, sizeof buf);
    buf[19] = 63; /* public key count */
    assert_int_equal(moat_cert_def_parse(buf, n, &def), MOAT_CERT_ERR_DEF_RANGE);
    n = serialize(&device.def, buf, sizeof buf);
    buf[36] = buf[16], buf[37] = buf[17]; /* serial offset = public key offset: overlap */
    assert_int_equal(moat_cert_def_parse(buf, n, &def), MOAT_CERT_ERR_DEF_RANGE);
    n = serialize(&device.def, buf, sizeof buf);
    buf[7] = 0x19; /* issue format 1, expire format 9 */
    assert_int_equal(moat_cert_def_parse(buf, n, &def), MOAT_CERT_ERR_DEF_RANGE);
}

static void test_parse_refuses_a_stored_serial_source(void **s)
{
    (void)s;
    uint8_t buf[FIX_MAX];
    moat_cert_def def;
    size_t n = serialize(&device.def, buf, sizeof buf);
    buf[6] = MOAT_CERT_SNSRC_STORED;
    assert_int_equal(moat_cert_def_parse(buf, n, &def), MOAT_CERT_ERR_SN_SOURCE);
}

/* Blanks the dynamic fields of a definition's template into `tmpl`, serializes into out. */
static size_t blank_and_serialize(const moat_cert_def *def, uint8_t *tmpl, uint8_t *out,
                                  bool blank_aki)
{
    moat_cert_def d = *def;
    memcpy(tmpl, def->template_der, def->template_len);
    assert_int_equal(moat_cert_def_blank_dynamic(&d, tmpl, def->template_len, blank_aki),
                     MOAT_CERT_OK);
    d.template_der = tmpl;
    return serialize(&d, out, FIX_MAX);
}

static void test_packed_pair_fits_slots_8_and_13_and_rebuilds_both(void **s)
{
    (void)s;
    uint8_t ts[FIX_MAX], td[FIX_MAX], a[FIX_MAX], b[FIX_MAX], pack[FIX_MAX];
    uint8_t slot[MOAT_CERT_PACK_MAX], work[2 * FIX_MAX];
    size_t la = blank_and_serialize(&signer.def, ts, a, false);
    size_t lb = blank_and_serialize(&device.def, td, b, true);
    size_t n = 0;
    assert_int_equal(moat_cert_pack(a, la, b, lb, pack, sizeof pack, &n), MOAT_CERT_OK);
    print_message("packed definitions: %zu + %zu bytes -> %zu bytes (slots 8 + 13: %u)\n", la, lb,
                  n, MOAT_CERT_PACK_MAX);
    assert_true(n <= MOAT_CERT_PACK_MAX);
    memset(slot, 0xFF, sizeof slot); /* the rest of the slot is whatever was there */
    memcpy(slot, pack, n);
    const uint8_t *pa, *pb;
    size_t pla, plb;
    assert_int_equal(moat_cert_unpack(slot, sizeof slot, work, sizeof work, &pa, &pla, &pb, &plb),
                     MOAT_CERT_OK);
    assert_int_equal(pla, la);
    assert_int_equal(plb, lb);
    moat_cert_def ds, dd;
    assert_int_equal(moat_cert_def_parse(pa, pla, &ds), MOAT_CERT_OK);
    assert_int_equal(moat_cert_def_parse(pb, plb, &dd), MOAT_CERT_OK);
    rebuild_equal(&signer, &ds, NULL);
    rebuild_equal(&device, &dd, signer.pubkey);
}

static void test_pack_refuses_a_small_buffer(void **s)
{
    (void)s;
    uint8_t a[FIX_MAX], b[FIX_MAX], pack[100];
    size_t la = serialize(&signer.def, a, sizeof a), lb = serialize(&device.def, b, sizeof b), n;
    assert_int_equal(moat_cert_pack(a, la, b, lb, pack, sizeof pack, &n), MOAT_CERT_ERR_BUFFER);
}

static void test_unpack_refuses_corrupt_streams(void **s)
{
    (void)s;
    uint8_t work[64];
    const uint8_t *a, *b;
    size_t la, lb;
    /* a match reaching before the start */
    static const uint8_t far[] = {'M', 'C', 'Z', 'P', 0, 8, 0x00, 0x00, 0x85, 0x00, 0x05};
    /* a literal run longer than the input */
    static const uint8_t cut[] = {'M', 'C', 'Z', 'P', 0, 8, 0x07, 0x00, 0x01};
    /* lengths that do not add up */
    static const uint8_t sum[] = {'M', 'C', 'Z', 'P', 0, 4, 0x03, 0x00, 0x09, 0x00, 0x00};
    assert_int_equal(moat_cert_unpack(far, sizeof far, work, sizeof work, &a, &la, &b, &lb),
                     MOAT_CERT_ERR_PACK);
    assert_int_equal(moat_cert_unpack(cut, sizeof cut, work, sizeof work, &a, &la, &b, &lb),
                     MOAT_CERT_ERR_PACK);
    assert_int_equal(moat_cert_unpack(sum, sizeof sum, work, sizeof work, &a, &la, &b, &lb),
                     MOAT_CERT_ERR_PACK);
    assert_int_equal(moat_cert_unpack(sum, 3, work, sizeof work, &a, &la, &b, &lb),
                     MOAT_CERT_ERR_PACK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parsed_definition_rebuilds_identically),
        cmocka_unit_test(test_serialize_refuses_a_small_buffer),
        cmocka_unit_test(test_parse_refuses_bad_magic_version_and_length),
        cmocka_unit_test(test_parse_refuses_locations_outside_the_template),
        cmocka_unit_test(test_parse_refuses_a_stored_serial_source),
        cmocka_unit_test(test_packed_pair_fits_slots_8_and_13_and_rebuilds_both),
        cmocka_unit_test(test_pack_refuses_a_small_buffer),
        cmocka_unit_test(test_unpack_refuses_corrupt_streams),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
