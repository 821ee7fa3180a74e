/* cert_serial.c - serial numbers derived from compressed-certificate data (atcacert
 * atcacert_generate_sn) and the SHA-1 key identifiers written into SKI/AKI. */
#include <string.h>

#include "common/cert/cert_internal.h"

void moat_cert_key_id(const uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE],
                      uint8_t key_id[MOAT_CERT_KEY_ID_SIZE])
{
    uint8_t point[1 + MOAT_CERT_PUBKEY_SIZE];
    point[0] = 0x04; /* uncompressed point, as in the subjectPublicKey BIT STRING */
    memcpy(point + 1, pubkey, MOAT_CERT_PUBKEY_SIZE);
    moat_cert_sha1(point, sizeof point, key_id);
}

/* SHA-256(id || encoded dates)[0:sn_size]; format 1/2 adds byte 71's high nibble as a 4th
 * date byte. */
static void hash_serial(const uint8_t *id, size_t id_len, const uint8_t comp[MOAT_CERT_COMP_SIZE],
                        uint8_t *sn, size_t sn_size)
{
    uint8_t msg[MOAT_CERT_PUBKEY_SIZE + 4];
    uint8_t digest[32];
    size_t n = id_len;
    memcpy(msg, id, id_len);
    memcpy(msg + n, comp + 64, 3);
    n += 3;
    if ((comp[70] & 0x0Fu) >= 1)
        msg[n++] = comp[71] & 0xF0u;
    moat_cert_sha256(msg, n, digest);
    memcpy(sn, digest, sn_size);
}

moat_cert_status moat_cert_serial_derive(uint8_t src, const uint8_t comp[MOAT_CERT_COMP_SIZE],
                                         const uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE],
                                         const uint8_t device_sn[MOAT_CERT_DEVICE_SN_SIZE],
                                         uint8_t *sn, size_t sn_size)
{
    if (!comp || !sn)
        return MOAT_CERT_ERR_ARG;
    switch (src) {
    case MOAT_CERT_SNSRC_DEVICE_SN:
        if (sn_size != 1 + MOAT_CERT_DEVICE_SN_SIZE)
            return MOAT_CERT_ERR_SERIAL_SIZE;
        if (!device_sn)
            return MOAT_CERT_ERR_NEED_DEVICE_SN;
        sn[0] = 0x40;
        memcpy(sn + 1, device_sn, MOAT_CERT_DEVICE_SN_SIZE);
        return MOAT_CERT_OK;
    case MOAT_CERT_SNSRC_SIGNER_ID:
        if (sn_size != 3)
            return MOAT_CERT_ERR_SERIAL_SIZE;
        sn[0] = 0x40;
        sn[1] = comp[67];
        sn[2] = comp[68];
        return MOAT_CERT_OK;
    case MOAT_CERT_SNSRC_PUB_KEY_HASH:
    case MOAT_CERT_SNSRC_PUB_KEY_HASH_POS:
    case MOAT_CERT_SNSRC_PUB_KEY_HASH_RAW:
        if (sn_size < 1 || sn_size > 32)
            return MOAT_CERT_ERR_SERIAL_SIZE;
        if (!pubkey)
            return MOAT_CERT_ERR_ARG;
        hash_serial(pubkey, MOAT_CERT_PUBKEY_SIZE, comp, sn, sn_size);
        break;
    case MOAT_CERT_SNSRC_DEVICE_SN_HASH:
    case MOAT_CERT_SNSRC_DEVICE_SN_HASH_POS:
    case MOAT_CERT_SNSRC_DEVICE_SN_HASH_RAW:
        if (sn_size < 1 || sn_size > 32)
            return MOAT_CERT_ERR_SERIAL_SIZE;
        if (!device_sn)
            return MOAT_CERT_ERR_NEED_DEVICE_SN;
        hash_serial(device_sn, MOAT_CERT_DEVICE_SN_SIZE, comp, sn, sn_size);
        break;
    default:
        return MOAT_CERT_ERR_SN_SOURCE;
    }
    if (src == MOAT_CERT_SNSRC_PUB_KEY_HASH || src == MOAT_CERT_SNSRC_DEVICE_SN_HASH) {
        sn[0] = (uint8_t)((sn[0] & 0x7Fu) | 0x40u); /* positive, and no leading zero byte */
    } else if (src == MOAT_CERT_SNSRC_PUB_KEY_HASH_POS ||
               src == MOAT_CERT_SNSRC_DEVICE_SN_HASH_POS) {
        sn[0] &= 0x7Fu;
    }
    return MOAT_CERT_OK;
}
