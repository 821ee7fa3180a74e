/* cert_internal.h - helpers shared by the compressed-certificate codec files: the two hash
 * functions (the only mbedTLS calls) and a strict DER TLV reader. Not a public interface. */
#ifndef MOAT_CERT_INTERNAL_H
#define MOAT_CERT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "moat/certcodec.h"

/* Returns from the calling function with x's status unless it is MOAT_CERT_OK. */
#define TRY(x)                                                                                     \
    do {                                                                                           \
        moat_cert_status st_ = (x);                                                                \
        if (st_ != MOAT_CERT_OK)                                                                   \
            return st_;                                                                            \
    } while (0)

/* Value of an uppercase hex digit, -1 for anything else (lowercase too): signer IDs are
 * written uppercase, so only uppercase can round-trip through a rebuild. */
static inline int moat_cert_upper_hex(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* SHA-256 / SHA-1 of one buffer (cert_hash.c, the single mbedTLS 2.x/3.x port point). */
void moat_cert_sha256(const uint8_t *in, size_t len, uint8_t out[32]);
void moat_cert_sha1(const uint8_t *in, size_t len, uint8_t out[20]);

/* One DER TLV: tag at `pos`, content at pos + hdr, `len` bytes. */
typedef struct {
    size_t pos;
    size_t hdr;
    size_t len;
    uint8_t tag;
} moat_cert_tlv;

/* Reads the TLV at `pos` inside [0, end): single-byte tags, definite lengths of at most 3
 * length bytes in minimal form. Returns MOAT_CERT_ERR_DER on anything else. */
moat_cert_status moat_cert_der_tlv(const uint8_t *der, size_t end, size_t pos, moat_cert_tlv *t);
/* Number of bytes a DER length of `len` takes (1-4). */
size_t moat_cert_der_len_size(size_t len);
/* Writes a DER length; returns its size. */
size_t moat_cert_der_put_len(uint8_t *out, size_t len);
/* Parses the BIT STRING at der[pos] into R||S; *used receives its size. */
moat_cert_status moat_cert_sig_from_der(const uint8_t *der, size_t end, size_t pos,
                                        uint8_t sig[MOAT_CERT_SIG_SIZE], size_t *used);

#endif
