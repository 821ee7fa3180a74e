/* atecc_provision.c - the Trust&GO-like slot layout Moat provisions (docs/se-cli.md lists it
 * slot by slot) and the provisioning sequence: write config, lock config with its CRC, lock
 * data, generate the slot-0 device key. */
#include <string.h>

#include "device/atecc/atecc_internal.h"

/* SlotConfig / KeyConfig per slot (little-endian in the config zone at 20+2n / 96+2n). */
static const uint16_t slot_config[16] = {
    0x2085, /* 0  device key: ext sign + ECDH, secret, GenKey allowed */
    0x2082, /* 1  internal-sign key: int sign, secret, GenKey allowed */
    0x2085, /* 2  spare key: ext sign + ECDH, secret, GenKey allowed */
    0x2085, /* 3  spare key */
    0x2085, /* 4  spare key */
    0x0000, /* 5  36-byte data (Trust&GO: EUI-48): clear read, write always */
    0x0080, /* 6  IO protection key: never read, write always */
    0x0080, /* 7  reserved secret: never read, write always */
    0x0000, /* 8  416-byte general data: clear read, write always */
    0x0080, /* 9  AES key: never read, write always */
    0x0000, /* 10 device compressed certificate: clear read, write always */
    0x0000, /* 11 signer public key: clear read, write always */
    0x0000, /* 12 signer compressed certificate: clear read, write always */
    0x0000, /* 13 parent public key / data: clear read, write always */
    0x0000, /* 14 validated public key / data: clear read, write always */
    0x0000, /* 15 secure boot public key / data: clear read, write always */
};
static const uint16_t key_config[16] = {
    0x0033, /* 0  private P-256, PubInfo, lockable */
    0x0033, /* 1 */
    0x0033, /* 2 */
    0x0033, /* 3 */
    0x0033, /* 4 */
    0x003C, /* 5  data, lockable */
    0x003C, /* 6  data, lockable */
    0x001C, /* 7  data */
    0x003C, /* 8  data, lockable */
    0x0018, /* 9  AES */
    0x003C, /* 10 data, lockable (lock it once the certificate is stored) */
    0x0030, /* 11 P-256 public key, lockable */
    0x003C, /* 12 data, lockable */
    0x003C, /* 13 data, lockable */
    0x0030, /* 14 P-256 public key, lockable */
    0x0030, /* 15 P-256 public key, lockable */
};

void moat_atecc_provision_layout(uint8_t config[128])
{
    for (unsigned s = 0; s < 16; s++) {
        config[20 + 2 * s] = (uint8_t)(slot_config[s] & 0xFFu);
        config[21 + 2 * s] = (uint8_t)(slot_config[s] >> 8);
        config[96 + 2 * s] = (uint8_t)(key_config[s] & 0xFFu);
        config[97 + 2 * s] = (uint8_t)(key_config[s] >> 8);
    }
    config[18] = 0x00; /* CountMatch off */
    config[68] = 0x00; /* UseLock off */
    config[69] = 0x00; /* VolatileKeyPermission off */
    config[70] = 0x00; /* SecureBoot off */
    config[71] = 0x00;
    config[88] = 0xFF; /* SlotLocked: no slot locked */
    config[89] = 0xFF;
    config[90] = 0x00; /* ChipOptions: ECDH output in clear allowed */
    config[91] = 0x00;
}

moat_atecc_status moat_atecc_provision(moat_atecc *dev, uint8_t pub[64],
                                       moat_atecc_provision_report *rep)
{
    memset(rep, 0, sizeof *rep);
    uint8_t config[128];
    moat_atecc_status st = moat_atecc_read_config(dev, config);
    if (st != MOAT_ATECC_OK)
        return st;
    moat_atecc_lock_state locks;
    moat_atecc_decode_locks(config, &locks);
    if (!locks.config_locked) {
        moat_atecc_provision_layout(config);
        if ((st = moat_atecc_write_config(dev, config)) != MOAT_ATECC_OK)
            return st;
        rep->config_written = true;
        if ((st = moat_atecc_lock_config_zone(dev)) != MOAT_ATECC_OK)
            return st;
        rep->config_locked_now = true;
    }
    if (!locks.data_locked) {
        /* Without the summary CRC (mode 0x81, as cryptoauthlib's atcab_lock_data_zone): the
         * host cannot read the data zone before this lock, so it cannot compute one. */
        if ((st = moat_atecc_lock_data(dev, false, 0)) != MOAT_ATECC_OK)
            return st;
        rep->data_locked_now = true;
    }
    return moat_atecc_genkey(dev, 0, pub);
}
