/* chip_chain.c - rebuilds the device and signer certificates from an ATECC608's compressed
 * slots: the chain a device sends in its TLS handshake, never stored in clear anywhere. */
#include "moat/chip_chain.h"

#include <stdio.h>
#include <string.h>

static moat_chip_chain_status read_slots(moat_atecc *dev, const uint8_t *device_pubkey,
                                         moat_chip_chain_scratch *s)
{
    const struct {
        uint8_t slot;
        uint8_t *out;
        size_t len;
    } r[] = {
        {MOAT_CHIP_SLOT_DEFS, s->defs, MOAT_CERT_PACK_SLOT8},
        {MOAT_CHIP_SLOT_DEFS_MORE, s->defs + MOAT_CERT_PACK_SLOT8,
         MOAT_CERT_PACK_MAX - MOAT_CERT_PACK_SLOT8},
        {MOAT_CHIP_SLOT_DEVICE_CERT, s->device_comp, 72},
        {MOAT_CHIP_SLOT_SIGNER_CERT, s->signer_comp, 72},
        {MOAT_CHIP_SLOT_SIGNER_KEY, s->signer_key_slot, 72},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        s->slot = r[i].slot;
        s->atecc_status = moat_atecc_read_slot(dev, r[i].slot, r[i].out, r[i].len);
        if (s->atecc_status != MOAT_ATECC_OK)
            return MOAT_CHIP_CHAIN_ERR_CHIP;
    }
    s->slot = MOAT_CHIP_SLOT_DEVICE_KEY;
    if (device_pubkey)
        memcpy(s->device_pubkey, device_pubkey, 64);
    else
        s->atecc_status = moat_atecc_get_pubkey(dev, MOAT_CHIP_SLOT_DEVICE_KEY, s->device_pubkey);
    if (s->atecc_status == MOAT_ATECC_OK)
        s->atecc_status = moat_atecc_read_serial(dev, s->serial);
    if (s->atecc_status != MOAT_ATECC_OK)
        return MOAT_CHIP_CHAIN_ERR_CHIP;
    /* A 72-byte public-key slot holds X and Y each behind 4 pad bytes. */
    memcpy(s->signer_pubkey, s->signer_key_slot + 4, 32);
    memcpy(s->signer_pubkey + 32, s->signer_key_slot + 40, 32);
    return MOAT_CHIP_CHAIN_OK;
}

static moat_cert_status rebuild(const uint8_t *ser, size_t ser_len, const uint8_t comp[72],
                                const uint8_t pk[64], const moat_cert_extra *extra, uint8_t *out,
                                size_t cap, size_t *len)
{
    moat_cert_def def;
    moat_cert_status st = moat_cert_def_parse(ser, ser_len, &def);
    if (st == MOAT_CERT_OK)
        st = moat_cert_rebuild(&def, comp, pk, extra, out, cap, len);
    return st;
}

moat_chip_chain_status moat_chip_chain_read(moat_atecc *dev, const uint8_t *device_pubkey,
                                            moat_chip_chain_scratch *s,
                                            uint8_t *device, size_t device_cap,
                                            size_t *device_len, uint8_t *signer,
                                            size_t signer_cap, size_t *signer_len)
{
    s->cert_status = MOAT_CERT_OK;
    s->atecc_status = MOAT_ATECC_OK;
    moat_chip_chain_status st = read_slots(dev, device_pubkey, s);
    if (st != MOAT_CHIP_CHAIN_OK)
        return st;
    const uint8_t *sdef, *ddef;
    size_t sdef_len, ddef_len;
    s->cert_status = moat_cert_unpack(s->defs, sizeof s->defs, s->work, sizeof s->work, &sdef,
                                      &sdef_len, &ddef, &ddef_len);
    if (s->cert_status != MOAT_CERT_OK)
        return MOAT_CHIP_CHAIN_ERR_DEFS;
    moat_cert_extra sextra = {NULL, s->serial}, dextra = {s->signer_pubkey, s->serial};
    s->cert_status = rebuild(sdef, sdef_len, s->signer_comp, s->signer_pubkey, &sextra, signer,
                             signer_cap, signer_len);
    if (s->cert_status != MOAT_CERT_OK)
        return MOAT_CHIP_CHAIN_ERR_SIGNER;
    s->cert_status = rebuild(ddef, ddef_len, s->device_comp, s->device_pubkey, &dextra, device,
                             device_cap, device_len);
    return s->cert_status == MOAT_CERT_OK ? MOAT_CHIP_CHAIN_OK : MOAT_CHIP_CHAIN_ERR_DEVICE;
}

const char *moat_chip_chain_explain(moat_chip_chain_status st, const moat_chip_chain_scratch *s,
                                    char *buf, size_t cap)
{
    switch (st) {
    case MOAT_CHIP_CHAIN_OK:
        snprintf(buf, cap, "the chain was rebuilt from the chip");
        break;
    case MOAT_CHIP_CHAIN_ERR_CHIP:
        snprintf(buf, cap, "reading slot %u of the chip failed: %s", (unsigned)s->slot,
                 moat_atecc_strerror(s->atecc_status));
        break;
    case MOAT_CHIP_CHAIN_ERR_DEFS:
        snprintf(buf, cap, "the chip holds no certificate definitions in slots 8/13 (%s). Fix: "
                 "store the certificates with `moat cert store --se ... --device device.crt "
                 "--signer signer.crt`, or give --cert device.crt",
                 moat_cert_explain(s->cert_status));
        break;
    case MOAT_CHIP_CHAIN_ERR_SIGNER:
    case MOAT_CHIP_CHAIN_ERR_DEVICE:
        snprintf(buf, cap, "the %s certificate stored in the chip cannot be rebuilt: %s",
                 st == MOAT_CHIP_CHAIN_ERR_SIGNER ? "signer" : "device",
                 moat_cert_explain(s->cert_status));
        break;
    }
    return buf;
}
