/* test_certcodec_serial.c - serial numbers derived from the compressed bytes (every SN source
 * the codec supports) and SHA-1 key identifiers. Expected values computed independently with
 * python3 hashlib (see the comment of each vector). */
#include "test_certcodec_fixture.h"

/* pubkey = bytes 0x01..0x40 */
static void pubkey(uint8_t pk[64])
{
    for (size_t i = 0; i < 64; i++)
        pk[i] = (uint8_t)(i + 1);
}

/* 72 compressed bytes holding only the dates (and byte 71). */
static void comp_dates(uint8_t comp[72], const char *b64_66, uint8_t format, uint8_t b71)
{
    memset(comp, 0, 72);
    memcpy(comp + 64, b64_66, 3);
    comp[70] = format;
    comp[71] = b71;
}

static void test_pubkey_hash_vector(void **s)
{
    (void)s;
    /* sha256(bytes(range(1,65)) + A9 9D 5C) = 81cf9824..., top bits forced to 01 */
    static const uint8_t want[16] = {0x41, 0xcf, 0x98, 0x24, 0xb6, 0x6f, 0xd7, 0x9a,
                                     0x26, 0x35, 0x1d, 0x0a, 0x06, 0x7b, 0xdd, 0x07};
    uint8_t pk[64], comp[72], sn[16];
    pubkey(pk);
    comp_dates(comp, "\xA9\x9D\x5C", 0, 0);
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_PUB_KEY_HASH, comp, pk, NULL, sn, 16),
                     MOAT_CERT_OK);
    assert_memory_equal(sn, want, 16);
}

static void test_pubkey_hash_format1_hashes_byte71_high_nibble(void **s)
{
    (void)s;
    /* sha256(pk + 00 84 01 40)[0:16] = 7686dc69...; byte 71's low nibble is not hashed */
    static const uint8_t want[16] = {0x76, 0x86, 0xdc, 0x69, 0x0d, 0x93, 0xb8, 0x5d,
                                     0xc1, 0xe8, 0x19, 0xd9, 0x44, 0x00, 0x0d, 0x3c};
    uint8_t pk[64], comp[72], sn[16];
    pubkey(pk);
    comp_dates(comp, "\x00\x84\x01", 1, 0x4F);
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_PUB_KEY_HASH, comp, pk, NULL, sn, 16),
                     MOAT_CERT_OK);
    assert_memory_equal(sn, want, 16);
}

static void test_pos_variant_clears_only_the_top_bit(void **s)
{
    (void)s;
    uint8_t pk[64], comp[72], sn[4];
    pubkey(pk);
    comp_dates(comp, "\xA9\x9D\x5C", 0, 0);
    assert_int_equal(
        moat_cert_serial_derive(MOAT_CERT_SNSRC_PUB_KEY_HASH_POS, comp, pk, NULL, sn, 4),
        MOAT_CERT_OK);
    assert_memory_equal(sn, "\x01\xcf\x98\x24", 4);
}

static void test_raw_variant_changes_no_bit(void **s)
{
    (void)s;
    uint8_t pk[64], comp[72], sn[4];
    pubkey(pk);
    comp_dates(comp, "\xA9\x9D\x5C", 0, 0);
    assert_int_equal(
        moat_cert_serial_derive(MOAT_CERT_SNSRC_PUB_KEY_HASH_RAW, comp, pk, NULL, sn, 4),
        MOAT_CERT_OK);
    assert_memory_equal(sn, "\x81\xcf\x98\x24", 4);
}

static void test_device_sn_hash_vector(void **s)
{
    (void)s;
    /* sha256(01 23 45 67 89 AB CD EF 01 + A9 9D 5C)[0:16] = 6135db24..., top bits 01 */
    static const uint8_t dsn[9] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01};
    static const uint8_t want[16] = {0x61, 0x35, 0xdb, 0x24, 0x96, 0xf4, 0x88, 0x25,
                                     0x17, 0xd7, 0x52, 0xcc, 0x76, 0xeb, 0xb3, 0xb3};
    uint8_t comp[72], sn[16];
    comp_dates(comp, "\xA9\x9D\x5C", 0, 0);
    assert_int_equal(
        moat_cert_serial_derive(MOAT_CERT_SNSRC_DEVICE_SN_HASH, comp, NULL, dsn, sn, 16),
        MOAT_CERT_OK);
    assert_memory_equal(sn, want, 16);
}

static void test_device_sn_source_is_0x40_and_the_chip_serial(void **s)
{
    (void)s;
    static const uint8_t dsn[9] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01};
    uint8_t comp[72] = {0}, sn[10];
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_DEVICE_SN, comp, NULL, dsn, sn, 10),
                     MOAT_CERT_OK);
    assert_int_equal(sn[0], 0x40);
    assert_memory_equal(sn + 1, dsn, 9);
}

static void test_signer_id_source_is_0x40_and_the_signer_id(void **s)
{
    (void)s;
    uint8_t comp[72] = {0}, sn[3];
    comp[67] = 0x3C, comp[68] = 0x7A;
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_SIGNER_ID, comp, NULL, NULL, sn, 3),
                     MOAT_CERT_OK);
    assert_memory_equal(sn, "\x40\x3C\x7A", 3);
}

static void test_stored_sources_are_refused(void **s)
{
    (void)s;
    uint8_t pk[64], comp[72] = {0}, sn[16];
    pubkey(pk);
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_STORED, comp, pk, NULL, sn, 16),
                     MOAT_CERT_ERR_SN_SOURCE);
    assert_int_equal(
        moat_cert_serial_derive(MOAT_CERT_SNSRC_STORED_DYNAMIC, comp, pk, NULL, sn, 16),
        MOAT_CERT_ERR_SN_SOURCE);
}

static void test_device_sn_sources_need_the_chip_serial(void **s)
{
    (void)s;
    uint8_t comp[72] = {0}, sn[16];
    assert_int_equal(
        moat_cert_serial_derive(MOAT_CERT_SNSRC_DEVICE_SN_HASH, comp, NULL, NULL, sn, 16),
        MOAT_CERT_ERR_NEED_DEVICE_SN);
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_DEVICE_SN, comp, NULL, NULL, sn, 10),
                     MOAT_CERT_ERR_NEED_DEVICE_SN);
}

static void test_serial_sizes_must_suit_the_source(void **s)
{
    (void)s;
    uint8_t pk[64], comp[72] = {0}, sn[40];
    pubkey(pk);
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_PUB_KEY_HASH, comp, pk, NULL, sn, 33),
                     MOAT_CERT_ERR_SERIAL_SIZE);
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_PUB_KEY_HASH, comp, pk, NULL, sn, 0),
                     MOAT_CERT_ERR_SERIAL_SIZE);
    assert_int_equal(moat_cert_serial_derive(MOAT_CERT_SNSRC_SIGNER_ID, comp, pk, NULL, sn, 4),
                     MOAT_CERT_ERR_SERIAL_SIZE);
}

static void test_key_id_is_sha1_of_the_uncompressed_point(void **s)
{
    (void)s;
    /* sha1(04 + bytes(range(1,65))) = 882964a1...5b97 */
    static const uint8_t want[20] = {0x88, 0x29, 0x64, 0xa1, 0x29, 0xdc, 0x00, 0xad, 0x02, 0x0b,
                                     0x24, 0x6a, 0xbc, 0x57, 0x3f, 0xd5, 0x59, 0x59, 0x5b, 0x97};
    uint8_t pk[64], id[20];
    pubkey(pk);
    moat_cert_key_id(pk, id);
    assert_memory_equal(id, want, 20);
}

static void test_fixture_serials_match_the_python_derivation(void **s)
{
    (void)s;
    /* make.sh issued these with derive_sn.py's serials: compress re-derives and compares. */
    static const char *names[] = {"signer", "device", "dev-2031", "dev-2032", "dev-exp127"};
    for (size_t i = 0; i < 5; i++) {
        fix_cert c;
        uint8_t comp[72];
        fix_load(&c, names[i]);
        assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, NULL, comp), MOAT_CERT_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pubkey_hash_vector),
        cmocka_unit_test(test_pubkey_hash_format1_hashes_byte71_high_nibble),
        cmocka_unit_test(test_pos_variant_clears_only_the_top_bit),
        cmocka_unit_test(test_raw_variant_changes_no_bit),
        cmocka_unit_test(test_device_sn_hash_vector),
        cmocka_unit_test(test_device_sn_source_is_0x40_and_the_chip_serial),
        cmocka_unit_test(test_signer_id_source_is_0x40_and_the_signer_id),
        cmocka_unit_test(test_stored_sources_are_refused),
        cmocka_unit_test(test_device_sn_sources_need_the_chip_serial),
        cmocka_unit_test(test_serial_sizes_must_suit_the_source),
        cmocka_unit_test(test_key_id_is_sha1_of_the_uncompressed_point),
        cmocka_unit_test(test_fixture_serials_match_the_python_derivation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
