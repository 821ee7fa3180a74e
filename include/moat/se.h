/* moat/se.h - the secure-element interface: a P-256 key the host can use but never read.
 *
 * Key-centric and small on purpose: get the public key, sign a digest, ECDH, random. The TLS
 * layer reaches the device's private key only through this interface, so the same TLS code runs
 * with an ATECC608 (real or emulated), any PKCS#11 token, or (for development) a PEM file.
 * Every operation is counted, because on a real ATECC608 a signature costs ~100 ms.
 */
#ifndef MOAT_SE_H
#define MOAT_SE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    MOAT_SE_OK = 0,
    MOAT_SE_ERR_ARGUMENT,    /* NULL pointer or impossible value from the caller */
    MOAT_SE_ERR_LOCATOR,     /* the locator string is not one of the accepted forms */
    MOAT_SE_ERR_OPEN,        /* the element could not be reached: file missing, module not
                                loadable, no chip answering, emulator socket absent */
    MOAT_SE_ERR_LOGIN,       /* the token refused the PIN */
    MOAT_SE_ERR_NO_KEY,      /* no key at that slot / label, or the slot holds no private key */
    MOAT_SE_ERR_KEY_TYPE,    /* the key is not an ECC P-256 key */
    MOAT_SE_ERR_DEVICE,      /* the element failed the operation; moat_se.detail says how */
    MOAT_SE_ERR_UNSUPPORTED, /* this backend does not offer the operation */
} moat_se_status;

typedef struct moat_se_ops {
    /* Public key of the element's key, uncompressed X||Y (big-endian, 32 bytes each). */
    moat_se_status (*public_key)(void *ctx, uint8_t pub[64]);
    /* ECDSA signature of a SHA-256 digest, R||S (big-endian, 32 bytes each). */
    moat_se_status (*sign_digest)(void *ctx, const uint8_t digest[32], uint8_t sig[64]);
    /* ECDH shared secret (the X coordinate) with a peer public key X||Y. */
    moat_se_status (*ecdh)(void *ctx, const uint8_t peer_pub[64], uint8_t secret[32]);
    /* `len` random bytes from the element's generator. */
    moat_se_status (*random)(void *ctx, uint8_t *out, size_t len);
    /* Releases the backend's resources (may be NULL). */
    void (*close)(void *ctx);
} moat_se_ops;

/* Operations performed through this handle since it was opened (or last reset). */
typedef struct {
    uint32_t public_key;
    uint32_t sign;
    uint32_t ecdh;
    uint32_t random;
} moat_se_counters;

typedef struct moat_se {
    const moat_se_ops *ops;
    void *ctx;
    const char *backend;       /* "atecc608", "pkcs11", "file" */
    moat_se_counters counters;
    uint8_t public_key[64];    /* cached after the first successful moat_se_public_key: the
                                  key does not change under an open handle, and on an
                                  ATECC608 each GenKey(public) costs ~100 ms */
    bool public_key_cached;
    char detail[192];          /* the last failure in words (chip status, CKR_ name, file) */
} moat_se;

/* Short name of a status; with MOAT_CONFIG_EXPLAIN a sentence with the usual fix. */
const char *moat_se_strerror(moat_se_status s);

/* The four operations, through the ops table, counted (element operations only: the public
 * key is read from the element once per handle, then from the cache). */
moat_se_status moat_se_public_key(moat_se *se, uint8_t pub[64]);
moat_se_status moat_se_sign_digest(moat_se *se, const uint8_t digest[32], uint8_t sig[64]);
moat_se_status moat_se_ecdh(moat_se *se, const uint8_t peer_pub[64], uint8_t secret[32]);
moat_se_status moat_se_random(moat_se *se, uint8_t *out, size_t len);

/* ---- Linux conveniences (these allocate) ---------------------------------------------- */

/* Opens a key by locator:
 *   emu:IMAGE            in-process ATECC608 emulator over an EEPROM image (created if absent)
 *   emu+unix:SOCKET      a running `moat-se --socket SOCKET`
 *   i2c:/dev/i2c-N[@0xAA]  an ATECC608 on Linux i2c-dev (7-bit address, default 0x60)
 *   pkcs11:MODULE.so?token=LABEL&object=KEYLABEL&pin=PIN
 *   file:KEY.pem         a PEM private key (development only)
 * `slot` selects the ATECC608 key slot (usually 0); other backends ignore it. On failure
 * returns NULL-free status and writes the reason (cause and fix) into err. */
moat_se_status moat_se_open(const char *locator, unsigned slot, moat_se **out, char *err,
                            size_t err_cap);

/* Closes a handle from moat_se_open. */
void moat_se_close(moat_se *se);

#endif
