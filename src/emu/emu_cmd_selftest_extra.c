/* emu_cmd_selftest_extra.c - SelfTest (0x77: known-answer and consistency tests of the RNG,
 * ECDSA, ECDH, AES and SHA engines, here libcrypto's) and UpdateExtra (0x20: bytes 84/85). */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "emu/emu_internal.h"

/* Mode bits as the 608 data sheet and cryptoauthlib's SELFTEST_MODE_* define them: ECDSA
 * (sign and verify) is bit 1; bit 2 selects no test, so a mode carrying it is a parse error
 * like bits 6 and 7. */
#define SELFTEST_RNG 0x01u
#define SELFTEST_ECDSA 0x02u
#define SELFTEST_ECDH 0x08u
#define SELFTEST_AES 0x10u
#define SELFTEST_SHA 0x20u
#define SELFTEST_ALL 0x3Bu

static bool test_rng(void)
{
    uint8_t a[32], b[32];
    return RAND_bytes(a, 32) == 1 && RAND_bytes(b, 32) == 1 && memcmp(a, b, 32) != 0;
}

static bool test_ecdsa(void)
{
    uint8_t priv[32], pub[64], sig[64], digest[32];
    memset(digest, 0xA5, sizeof digest);
    bool ok = moat_emu_ec_generate(priv, pub) == 0 && moat_emu_ec_sign(priv, digest, sig) == 0 &&
              moat_emu_ec_verify(pub, digest, sig) == 1;
    memset(priv, 0, sizeof priv);
    return ok;
}

static bool test_ecdh(void)
{
    uint8_t pa[32], qa[64], pb[32], qb[64], s1[32], s2[32];
    bool ok = moat_emu_ec_generate(pa, qa) == 0 && moat_emu_ec_generate(pb, qb) == 0 &&
              moat_emu_ec_ecdh(pa, qb, s1) == 0 && moat_emu_ec_ecdh(pb, qa, s2) == 0 &&
              memcmp(s1, s2, 32) == 0;
    memset(pa, 0, sizeof pa);
    memset(pb, 0, sizeof pb);
    return ok;
}

/* FIPS-197 appendix C.1 (AES-128). */
static bool test_aes(void)
{
    static const uint8_t key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    static const uint8_t pt[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    static const uint8_t ct[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                   0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    uint8_t out[32];
    int n = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
              EVP_CIPHER_CTX_set_padding(c, 0) == 1 && EVP_EncryptUpdate(c, out, &n, pt, 16) == 1 &&
              n == 16 && memcmp(out, ct, 16) == 0;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* FIPS 180-2 SHA-256("abc"). */
static bool test_sha(void)
{
    static const uint8_t want[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                     0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                     0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                     0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t got[32];
    unsigned int n = 0;
    return EVP_Digest("abc", 3, got, &n, EVP_sha256(), NULL) == 1 && n == 32 &&
           memcmp(got, want, 32) == 0;
}

/* The result byte takes the place of the status byte: 0x00 = every selected test passed,
 * otherwise the bits of the failed tests. Mode 0 reads the last result. */
uint8_t moat_emu_cmd_selftest(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp,
                              size_t *rsp_len)
{
    (void)rsp;
    (void)rsp_len;
    if (cmd->data_len != 0 || cmd->param2 != 0 || (cmd->param1 & ~SELFTEST_ALL) != 0)
        return MOAT_ATECC_STATUS_PARSE;
    if (cmd->param1 == 0)
        return emu->selftest_result;
    uint8_t failed = 0;
    if ((cmd->param1 & SELFTEST_RNG) && !test_rng())
        failed |= SELFTEST_RNG;
    if ((cmd->param1 & SELFTEST_ECDSA) && !test_ecdsa())
        failed |= SELFTEST_ECDSA;
    if ((cmd->param1 & SELFTEST_ECDH) && !test_ecdh())
        failed |= SELFTEST_ECDH;
    if ((cmd->param1 & SELFTEST_AES) && !test_aes())
        failed |= SELFTEST_AES;
    if ((cmd->param1 & SELFTEST_SHA) && !test_sha())
        failed |= SELFTEST_SHA;
    emu->selftest_result = failed;
    return failed;
}

/* UpdateExtra: one-time bytes, changeable only while they are 0x00 (data sheet). Mode 2
 * (decrement a limited-use counter) is not emulated. */
uint8_t moat_emu_cmd_updateextra(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp,
                                 size_t *rsp_len)
{
    (void)rsp;
    (void)rsp_len;
    if (cmd->data_len != 0 || cmd->param1 > 1 || cmd->param2 > 0xFF)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t *cfg = moat_emu_config(emu);
    unsigned at = cmd->param1 == 0 ? EMU_CFG_USER_EXTRA : EMU_CFG_USER_EXTRA_ADD;
    if (cfg[at] != 0x00)
        return MOAT_ATECC_STATUS_EXECUTION;
    cfg[at] = (uint8_t)cmd->param2;
    moat_emu_image_save(emu);
    return MOAT_ATECC_STATUS_SUCCESS;
}
