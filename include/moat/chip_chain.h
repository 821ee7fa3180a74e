/* moat/chip_chain.h - the device's certificate chain rebuilt from an ATECC608's slots, as a
 * device does at connect time (no allocation: the caller owns every buffer).
 *
 * The Trust&GO-like layout `moat cert store` writes:
 *   slot 0        device private key (its public key is recomputed with GenKey)
 *   slot 10       device certificate, compressed (72 bytes)
 *   slot 11       signer public key (72-byte public-key slot format)
 *   slot 12       signer certificate, compressed (72 bytes)
 *   slot 8 (+13)  the two certificate definitions, packed (docs/certificates-compressed.md)
 */
#ifndef MOAT_CHIP_CHAIN_H
#define MOAT_CHIP_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "moat/atecc.h"
#include "moat/certcodec.h"

enum {
    MOAT_CHIP_SLOT_DEVICE_KEY = 0,
    MOAT_CHIP_SLOT_DEFS = 8,
    MOAT_CHIP_SLOT_DEVICE_CERT = 10,
    MOAT_CHIP_SLOT_SIGNER_KEY = 11,
    MOAT_CHIP_SLOT_SIGNER_CERT = 12,
    MOAT_CHIP_SLOT_DEFS_MORE = 13, /* the packed definitions continue past slot 8's 416 bytes */
};

/* Largest certificate (DER) the chain reader rebuilds. */
#define MOAT_CHIP_CERT_MAX 2048u

typedef enum {
    MOAT_CHIP_CHAIN_OK = 0,
    MOAT_CHIP_CHAIN_ERR_CHIP,   /* a chip command failed: see atecc_status and slot */
    MOAT_CHIP_CHAIN_ERR_DEFS,   /* slots 8/13 hold no Moat definitions: run `moat cert store` */
    MOAT_CHIP_CHAIN_ERR_SIGNER, /* the signer certificate could not be rebuilt: cert_status */
    MOAT_CHIP_CHAIN_ERR_DEVICE, /* the device certificate could not be rebuilt: cert_status */
} moat_chip_chain_status;

/* Everything the reader needs besides the output buffers (about 5 KB: static or heap on an
 * MCU, not the stack). */
typedef struct {
    uint8_t defs[MOAT_CERT_PACK_MAX];
    uint8_t work[2 * (MOAT_CHIP_CERT_MAX + MOAT_CERT_DEF_HEADER_SIZE)];
    uint8_t device_comp[72], signer_comp[72], signer_key_slot[72];
    uint8_t signer_pubkey[64], device_pubkey[64], serial[9];
    /* after a failure: */
    moat_atecc_status atecc_status;
    moat_cert_status cert_status;
    uint8_t slot; /* the slot being read when a chip command failed */
} moat_chip_chain_scratch;

/* Reads the slots above and rebuilds both certificates, byte-identical to what was stored.
 * `device_pubkey` is the device key's X||Y when the caller already has it (a TLS key handle
 * caches it, and it may live in another slot than 0); NULL reads slot 0's with GenKey.
 * device/signer receive DER; *_len their sizes. */
moat_chip_chain_status moat_chip_chain_read(moat_atecc *dev, const uint8_t *device_pubkey,
                                            moat_chip_chain_scratch *s,
                                            uint8_t *device, size_t device_cap,
                                            size_t *device_len, uint8_t *signer,
                                            size_t signer_cap, size_t *signer_len);

/* One line naming what failed and the fix (uses s for the details). */
const char *moat_chip_chain_explain(moat_chip_chain_status st, const moat_chip_chain_scratch *s,
                                    char *buf, size_t cap);

#endif
