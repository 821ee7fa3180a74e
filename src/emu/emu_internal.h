/* emu/emu_internal.h - the emulated ATECC608's state and the functions the emulator's files
 * share: bus/power state, EEPROM zones and permissions, image file, commands, EC math. */
#ifndef MOAT_EMU_INTERNAL_H
#define MOAT_EMU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/atecc_emu.h"
#include "moat/atecc_proto.h"

#define EMU_DATA_SIZE 1208u /* 8 x 36 + 416 + 7 x 72 */
#define EMU_EEPROM_SIZE (MOAT_ATECC_CONFIG_SIZE + MOAT_ATECC_OTP_SIZE + EMU_DATA_SIZE)
#define EMU_IN_CAP 160u /* input buffer: one command group (count <= 155) */
#define EMU_WATCHDOG_SHORT_MS 1300u
#define EMU_WATCHDOG_LONG_MS 13000u

/* Config-zone offsets used by the emulator (docs/atecc608.md, "Config zone"). */
enum {
    EMU_CFG_I2C_ADDRESS = 16,
    EMU_CFG_CHIP_MODE = 19,
    EMU_CFG_SLOT_CONFIG = 20,
    EMU_CFG_COUNTER0 = 52,
    EMU_CFG_VOLATILE_KEY_PERM = 69,
    EMU_CFG_USER_EXTRA = 84,
    EMU_CFG_USER_EXTRA_ADD = 85,
    EMU_CFG_LOCK_VALUE = 86,
    EMU_CFG_LOCK_CONFIG = 87,
    EMU_CFG_SLOT_LOCKED = 88,
    EMU_CFG_CHIP_OPTIONS = 90,
    EMU_CFG_KEY_CONFIG = 96,
};

typedef enum { EMU_ASLEEP = 0, EMU_IDLE, EMU_AWAKE } emu_power;

/* A 32- or 64-byte volatile register (TempKey, message digest buffer, alternate key). */
typedef struct {
    uint8_t value[64];
    bool valid;
    bool from_input; /* TempKey.SourceFlag: 1 = fixed input (pass-through), 0 = random */
} emu_reg;

typedef uint64_t (*emu_clock_fn)(void *ctx);

struct moat_emu {
    char image_path[4096];
    /* EEPROM, persisted: config | OTP | data, in this order. */
    uint8_t eeprom[EMU_EEPROM_SIZE];
    /* Volatile state. */
    emu_power power;
    uint8_t addr7;          /* address latched at wake */
    uint32_t watchdog_ms;   /* period latched at wake */
    uint64_t wake_ms;       /* when the watchdog started */
    uint8_t in[EMU_IN_CAP]; /* command bytes received so far */
    size_t in_len;
    uint8_t out[MOAT_ATECC_RSP_MAX];
    size_t out_len, out_pos;
    emu_reg tempkey, msgdig, altkey;
    void *sha; /* EVP_MD_CTX of a SHA start..end sequence */
    bool sha_active;
    bool volatile_key_permit;
    uint8_t selftest_result;
    emu_clock_fn clock;
    void *clock_ctx;
    bool log;
    bool no_fsync; /* fuzzing: skip fsync on image writes (still atomic via rename) */
};

/* ---- bus (emu_bus.c) ---- */
/* Replaces the monotonic clock (tests: a fake clock that makes the watchdog fast). */
void moat_emu_set_clock(moat_emu *emu, emu_clock_fn clock, void *ctx);
/* Logs every transaction and command to stderr when on. */
void moat_emu_set_log(moat_emu *emu, bool on);
uint64_t moat_emu_now_ms(const moat_emu *emu);
/* Drops the volatile state, as the chip does on sleep or power loss. */
void moat_emu_clear_volatile(moat_emu *emu);

/* ---- zones and permissions (emu_zones.c) ---- */
uint8_t *moat_emu_config(moat_emu *emu);
uint8_t *moat_emu_otp(moat_emu *emu);
/* Start of `slot`'s bytes in the data zone (slot < 16). */
uint8_t *moat_emu_slot(moat_emu *emu, uint8_t slot);
/* Writes the documented factory-default EEPROM into `eeprom`. */
void moat_emu_factory_image(uint8_t eeprom[EMU_EEPROM_SIZE]);
bool moat_emu_config_locked(const uint8_t *config);
bool moat_emu_data_locked(const uint8_t *config);
bool moat_emu_slot_locked(const uint8_t *config, uint8_t slot);
uint16_t moat_emu_slot_config(const uint8_t *config, uint8_t slot);
uint16_t moat_emu_key_config(const uint8_t *config, uint8_t slot);
/* KeyConfig.Private = 1 and KeyType = P-256. */
bool moat_emu_is_p256_private(const uint8_t *config, uint8_t slot);
/* The 8-bit I2C address the chip answers at after its next wake. */
uint8_t moat_emu_i2c_address8(const uint8_t *config);

/* SlotConfig and KeyConfig fields (data sheet bit positions). */
#define EMU_SC_READKEY(sc) ((unsigned)(sc)&0x0Fu)
#define EMU_SC_ENCRYPT_READ(sc) (((unsigned)(sc)&0x0040u) != 0)
#define EMU_SC_IS_SECRET(sc) (((unsigned)(sc)&0x0080u) != 0)
#define EMU_SC_WRITE_CONFIG(sc) (((unsigned)(sc) >> 12) & 0x0Fu)
#define EMU_KC_PRIVATE(kc) (((unsigned)(kc)&0x0001u) != 0)
#define EMU_KC_PUBINFO(kc) (((unsigned)(kc)&0x0002u) != 0)
#define EMU_KC_KEYTYPE(kc) (((unsigned)(kc) >> 2) & 0x07u)
#define EMU_KC_LOCKABLE(kc) (((unsigned)(kc)&0x0020u) != 0)
#define EMU_KEYTYPE_P256 4u

/* A decoded Read/Write address: `offset` into the zone, `len` 4 or 32 bytes, of which
 * `avail` lie inside the zone/slot (a 32-byte access to a slot's last, partial block). */
typedef struct {
    uint8_t zone;
    uint8_t slot;
    size_t offset;
    size_t len;
    size_t avail;
} emu_addr;

/* Decodes param1/param2 of Read or Write; returns a chip status (0x00 or parse error). */
uint8_t moat_emu_decode_addr(uint8_t param1, uint16_t param2, emu_addr *out);
/* Zone bytes addressed by `a` (config, OTP or the slot). */
uint8_t *moat_emu_zone_ptr(moat_emu *emu, const emu_addr *a);

/* ---- image file (emu_image.c) ---- */
#define EMU_IMAGE_MAGIC "MOATSE01"
#define EMU_IMAGE_SIZE (8u + EMU_EEPROM_SIZE + 2u)
/* Loads the image, or creates the factory image when the file does not exist. */
bool moat_emu_image_load(moat_emu *emu, char *err, size_t err_cap);
/* Writes the EEPROM through to the file (temp file + rename). */
bool moat_emu_image_save(moat_emu *emu);

/* ---- commands (emu_dispatch.c and emu_cmd_*.c) ---- */
/* A command handler returns a chip status byte. When it returns 0x00 with *rsp_len > 0, the
 * response group carries rsp[0..*rsp_len); otherwise a 4-byte group carries the status. */
typedef uint8_t (*emu_cmd_fn)(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp,
                              size_t *rsp_len);
/* Runs a complete input group (count..CRC) and fills the output buffer. */
void moat_emu_execute(moat_emu *emu, const uint8_t *group, size_t len);

uint8_t moat_emu_cmd_info(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_random(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_nonce(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_genkey(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_sign(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_verify(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_ecdh(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_sha(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_read(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_write(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_lock(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_counter(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_selftest(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);
uint8_t moat_emu_cmd_updateextra(moat_emu *, const moat_atecc_cmd *, uint8_t *, size_t *);

/* Fills `out` from the chip's RNG: the fixed FF FF 00 00 pattern while the config zone is
 * unlocked, as real chips do. False when the RNG fails (status 0x08). */
bool moat_emu_random_bytes(moat_emu *emu, uint8_t *out, size_t len);
/* Counter `id` (0/1) decoded from its config-zone encoding. */
uint32_t moat_emu_counter_value(const uint8_t *config, uint8_t id);

/* ---- P-256 math (emu_ec.c, OpenSSL libcrypto). Each returns 0 on success, -1 when a key or
 * point is invalid. ---- */
int moat_emu_ec_generate(uint8_t priv[32], uint8_t pub[64]);
int moat_emu_ec_public(const uint8_t priv[32], uint8_t pub[64]);
int moat_emu_ec_sign(const uint8_t priv[32], const uint8_t digest[32], uint8_t sig[64]);
/* Returns 1 when the signature matches, 0 when not, -1 when the public key is invalid. */
int moat_emu_ec_verify(const uint8_t pub[64], const uint8_t digest[32], const uint8_t sig[64]);
int moat_emu_ec_ecdh(const uint8_t priv[32], const uint8_t pub[64], uint8_t secret[32]);

/* Private-key slots hold 4 zero pad bytes then the 32-byte scalar (the PrivWrite layout). */
#define EMU_PRIV_OFFSET 4u

#endif
