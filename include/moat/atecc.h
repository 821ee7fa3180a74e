/* moat/atecc.h - ATECC608 host driver: every command the chip offers a TLS device, over the
 * I2C HAL of moat/atecc_hal.h. No allocation; the caller owns every buffer.
 *
 * Usage:
 *     moat_atecc dev;
 *     moat_atecc_init(&dev, &hal, 0x60);               // 0x35 Trust&GO, 0x36 TrustFLEX
 *     uint8_t pub[64], sig[64];
 *     if (moat_atecc_get_pubkey(&dev, 0, pub) != MOAT_ATECC_OK)
 *         puts(moat_atecc_strerror(dev.last_error));
 *     moat_atecc_sign_digest(&dev, 0, digest, sig);    // R || S, big-endian
 *
 * Every command wakes the chip, sends the packet, polls for the answer within the opcode's
 * execution-time budget, checks the CRC (re-reads or resends on a mismatch), and puts the
 * chip in idle afterwards (idle keeps TempKey and the message digest buffer, so Nonce + Sign
 * work across two calls). Facts: docs/atecc608.md; commands in words: docs/se-cli.md.
 */
#ifndef MOAT_ATECC_H
#define MOAT_ATECC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/atecc_hal.h"
#include "moat/atecc_proto.h"
#include "moat/config.h"

/* ---- tunables (define before including, or in MOAT_CONFIG_FILE) ---- */

/* tWHI: wait after the wake pulse before the chip answers (data sheet: >= 1500 us). */
#ifndef MOAT_ATECC_WAKE_DELAY_US
#define MOAT_ATECC_WAKE_DELAY_US 1500u
#endif
/* First wait after sending a command, then the interval between polls (cryptoauthlib uses
 * 1 ms and 2 ms). */
#ifndef MOAT_ATECC_POLL_FIRST_US
#define MOAT_ATECC_POLL_FIRST_US 1000u
#endif
#ifndef MOAT_ATECC_POLL_INTERVAL_US
#define MOAT_ATECC_POLL_INTERVAL_US 2000u
#endif
/* The polling budget is the opcode's maximum execution time (clock divider M0) times this
 * factor plus MOAT_ATECC_POLL_SLACK_MS; slower clock dividers need a larger factor. */
#ifndef MOAT_ATECC_POLL_FACTOR
#define MOAT_ATECC_POLL_FACTOR 2u
#endif
#ifndef MOAT_ATECC_POLL_SLACK_MS
#define MOAT_ATECC_POLL_SLACK_MS 10u
#endif
/* How many times one command is resent after a CRC error (either direction), a NACK on the
 * command write, or a watchdog status, before the error is returned. */
#ifndef MOAT_ATECC_RETRIES
#define MOAT_ATECC_RETRIES 3u
#endif

/* ---- status ---- */

typedef enum {
    MOAT_ATECC_OK = 0,
    /* chip status bytes (docs/atecc608.md, status codes) */
    MOAT_ATECC_ERR_MISCOMPARE,     /* 0x01: Verify/CheckMac: the signature does not match */
    MOAT_ATECC_ERR_PARSE,          /* 0x03: the chip rejected a length, opcode or parameter */
    MOAT_ATECC_ERR_ECC_FAULT,      /* 0x05: ECC computation failed (rare); retry */
    MOAT_ATECC_ERR_SELFTEST,       /* 0x07: the chip is in self-test failure state */
    MOAT_ATECC_ERR_HEALTH,         /* 0x08: random number generator health test failed */
    MOAT_ATECC_ERR_EXECUTION,      /* 0x0F: not allowed now (lock state, slot permissions) */
    MOAT_ATECC_ERR_WATCHDOG,       /* 0xEE: watchdog expiring, still after a fresh wake */
    MOAT_ATECC_ERR_CHIP_CRC,       /* 0xFF: the chip kept receiving a corrupted command */
    MOAT_ATECC_ERR_UNKNOWN_STATUS, /* a status byte the data sheet does not list */
    /* host-side errors */
    MOAT_ATECC_ERR_NO_DEVICE,  /* nothing ACKs the address: wrong address, bus, asleep */
    MOAT_ATECC_ERR_WAKE,       /* the chip acknowledged but did not answer the wake token */
    MOAT_ATECC_ERR_CRC,        /* responses kept failing their CRC after every retry */
    MOAT_ATECC_ERR_TIMEOUT,    /* the chip stayed busy beyond the execution-time budget */
    MOAT_ATECC_ERR_BAD_LENGTH, /* the response has a length this command cannot return */
    MOAT_ATECC_ERR_BUS,        /* the HAL reported a bus failure (see hal.last_error) */
    MOAT_ATECC_ERR_BAD_ARG,    /* a caller argument is out of range (slot, size, mode) */
    MOAT_ATECC_ERR_LOCKED,     /* host check: the zone is already locked */
    MOAT_ATECC_STATUS_COUNT
} moat_atecc_status;

/* One line: what happened, why, and what to do. With MOAT_CONFIG_EXPLAIN 0 only a short
 * name. */
const char *moat_atecc_strerror(moat_atecc_status s);

/* Maps a chip status byte (byte 1 of a 4-byte response) to a status; 0x00 -> OK. */
moat_atecc_status moat_atecc_status_from_chip(uint8_t chip_status);

/* ---- operation counters (the TLS layer reports "chip operations per handshake") ---- */

typedef enum {
    MOAT_ATECC_KIND_INFO,
    MOAT_ATECC_KIND_RANDOM,
    MOAT_ATECC_KIND_NONCE,
    MOAT_ATECC_KIND_GENKEY,
    MOAT_ATECC_KIND_SIGN,
    MOAT_ATECC_KIND_VERIFY,
    MOAT_ATECC_KIND_ECDH,
    MOAT_ATECC_KIND_SHA,
    MOAT_ATECC_KIND_READ,
    MOAT_ATECC_KIND_WRITE,
    MOAT_ATECC_KIND_LOCK,
    MOAT_ATECC_KIND_COUNTER,
    MOAT_ATECC_KIND_SELFTEST,
    MOAT_ATECC_KIND_UPDATEEXTRA,
    MOAT_ATECC_KIND_OTHER,
    MOAT_ATECC_KIND_COUNT
} moat_atecc_kind;

/* The kind an opcode is counted under. */
moat_atecc_kind moat_atecc_kind_of(uint8_t opcode);
/* "Sign", "Read", ... for a kind. */
const char *moat_atecc_kind_name(moat_atecc_kind k);

typedef struct {
    uint32_t commands[MOAT_ATECC_KIND_COUNT]; /* commands completed (any chip status) */
    uint32_t wakes;                           /* wake pulses sent */
    uint32_t resends;                         /* commands sent again (CRC, NACK, watchdog) */
    uint32_t crc_rereads;                     /* responses read again after a CRC mismatch */
    uint32_t busy_polls;                      /* polls answered with NACK (chip busy) */
    uint32_t poll_us;                         /* total time spent waiting for results */
} moat_atecc_stats;

/* ---- the device ---- */

typedef struct moat_atecc {
    moat_atecc_hal hal;
    uint8_t addr7;            /* 7-bit I2C address: 0x60 default, 0x35 Trust&GO, 0x36 TrustFLEX */
    bool awake;               /* the driver believes the chip is awake (not idle/asleep) */
    bool hold;                /* keep the chip awake between commands (moat_atecc_hold) */
    uint8_t last_chip_status; /* status byte of the last 4-byte response, 0 after data */
    uint8_t last_opcode;      /* opcode of the last command sent */
    moat_atecc_status last_error; /* the last non-OK result of any call */
    moat_atecc_stats stats;
} moat_atecc;

/* Prepares `dev` to talk to the chip at `addr7` over `hal` (copied). Does not touch the bus. */
void moat_atecc_init(moat_atecc *dev, const moat_atecc_hal *hal, uint8_t addr7);

/* Wakes the chip and checks the wake token (04 11 33 43). Normally implicit. */
moat_atecc_status moat_atecc_wake(moat_atecc *dev);
/* Idle: the chip stops its watchdog and keeps TempKey and the message digest buffer. */
moat_atecc_status moat_atecc_idle(moat_atecc *dev);
/* Sleep: lowest power; every volatile register (TempKey, SHA context) is lost. */
moat_atecc_status moat_atecc_sleep(moat_atecc *dev);
/* hold = true keeps the chip awake between commands (for SHA start/update/end sequences
 * within the ~1.3 s watchdog); hold = false idles it now and after every later command. */
void moat_atecc_hold(moat_atecc *dev, bool hold);

/* Runs one command: wake, send, poll, receive, CRC check with retries, idle. `rsp` receives
 * the response body (between count and CRC); *rsp_len its length. A 1-byte body is a status:
 * non-zero values are returned as errors unless `raw_status` is set (SelfTest's result byte).
 * rsp_cap must be >= the largest body the command can return. */
moat_atecc_status moat_atecc_execute(moat_atecc *dev, uint8_t opcode, uint8_t param1,
                                     uint16_t param2, const uint8_t *data, size_t data_len,
                                     uint8_t *rsp, size_t rsp_cap, size_t *rsp_len,
                                     bool raw_status);

/* ---- Info (0x30) ---- */
/* Revision: 00 00 60 02 (608A) or 00 00 60 03 (608B). */
moat_atecc_status moat_atecc_info_revision(moat_atecc *dev, uint8_t rev[4]);
/* KeyValid: *valid = whether the ECC private key in `slot` is valid. */
moat_atecc_status moat_atecc_info_key_valid(moat_atecc *dev, uint8_t slot, bool *valid);
/* Any Info mode: 4 bytes of output. */
moat_atecc_status moat_atecc_info(moat_atecc *dev, uint8_t mode, uint16_t param2, uint8_t out[4]);

/* ---- Random (0x1B) ---- */
/* 32 random bytes (FF FF 00 00 repeated while the config zone is unlocked). */
moat_atecc_status moat_atecc_random(moat_atecc *dev, uint8_t out[32]);

/* ---- Nonce (0x16) ---- */
typedef enum {
    MOAT_ATECC_TARGET_TEMPKEY = 0x00,
    MOAT_ATECC_TARGET_MSGDIGBUF = 0x40,
    MOAT_ATECC_TARGET_ALTKEYBUF = 0x80,
} moat_atecc_target;
/* Random nonce: TempKey = SHA-256(RandOut || num_in || 16 00 00); rand_out gets RandOut. */
moat_atecc_status moat_atecc_nonce_random(moat_atecc *dev, const uint8_t num_in[20],
                                          uint8_t rand_out[32]);
/* Pass-through: loads `len` (32 or 64) bytes into TempKey / the message digest buffer. */
moat_atecc_status moat_atecc_nonce_load(moat_atecc *dev, moat_atecc_target target,
                                        const uint8_t *data, size_t len);

/* ---- GenKey (0x40) ---- */
/* Creates a new P-256 private key in `slot` and returns its public key X || Y. */
moat_atecc_status moat_atecc_genkey(moat_atecc *dev, uint8_t slot, uint8_t pub[64]);
/* Computes the public key X || Y of the private key already in `slot` (GenKey public mode). */
moat_atecc_status moat_atecc_get_pubkey(moat_atecc *dev, uint8_t slot, uint8_t pub[64]);

/* ---- Sign (0x41) ---- */
/* Signs the 32 bytes already loaded in TempKey or the message digest buffer (external
 * mode 0x80 / 0xA0) with the key in `slot`: sig = R || S. */
moat_atecc_status moat_atecc_sign_loaded(moat_atecc *dev, uint8_t slot, moat_atecc_target source,
                                         uint8_t sig[64]);
/* Signs a 32-byte digest: Nonce pass-through into the message digest buffer, then Sign 0xA0
 * (what cryptoauthlib does on a 608). */
moat_atecc_status moat_atecc_sign_digest(moat_atecc *dev, uint8_t slot, const uint8_t digest[32],
                                         uint8_t sig[64]);

/* ---- Verify (0x45) ---- */
/* Verifies an external P-256 signature R || S over `digest` with public key X || Y on the
 * chip. MOAT_ATECC_OK: valid; MOAT_ATECC_ERR_MISCOMPARE: not valid. */
moat_atecc_status moat_atecc_verify_extern(moat_atecc *dev, const uint8_t digest[32],
                                           const uint8_t sig[64], const uint8_t pub[64]);

/* ---- ECDH (0x43) ---- */
/* Shared secret (x coordinate) of the key in `slot` and the peer's public key X || Y, out in
 * clear (mode 0x0C). */
moat_atecc_status moat_atecc_ecdh(moat_atecc *dev, uint8_t slot, const uint8_t peer[64],
                                  uint8_t secret[32]);
/* The same, the secret kept in TempKey (mode 0x08). */
moat_atecc_status moat_atecc_ecdh_to_tempkey(moat_atecc *dev, uint8_t slot, const uint8_t peer[64]);
/* The same, the secret written to slot `slot` + 1 (mode 0x04). */
moat_atecc_status moat_atecc_ecdh_to_slot(moat_atecc *dev, uint8_t slot, const uint8_t peer[64]);

/* ---- SHA (0x47) ---- */
moat_atecc_status moat_atecc_sha_start(moat_atecc *dev);
/* Adds exactly one 64-byte block. */
moat_atecc_status moat_atecc_sha_update(moat_atecc *dev, const uint8_t block[64]);
/* Adds the last 0..63 bytes and returns the SHA-256 digest. */
moat_atecc_status moat_atecc_sha_end(moat_atecc *dev, const uint8_t *tail, size_t len,
                                     uint8_t digest[32]);
/* SHA-256 of any message on the chip (start, updates, end; the chip is held awake). */
moat_atecc_status moat_atecc_sha256(moat_atecc *dev, const uint8_t *msg, size_t len,
                                    uint8_t digest[32]);
/* SHA mode Public (0x03): adds the 64-byte public key stored in `slot` (X || Y, the pad
 * bytes of the 72-byte stored format skipped) to the running SHA context; between start and
 * end, with the chip held awake (moat_atecc_hold). */
moat_atecc_status moat_atecc_sha_public(moat_atecc *dev, uint8_t slot);

/* ---- Read / Write (0x02 / 0x12) ---- */
/* One Read: `len` 4 or 32 bytes from (zone, slot, block, word). zone: MOAT_ATECC_ZONE_*. */
moat_atecc_status moat_atecc_read_zone(moat_atecc *dev, uint8_t zone, uint8_t slot, uint8_t block,
                                       uint8_t word, uint8_t *out, size_t len);
/* One Write of 4 or 32 bytes. */
moat_atecc_status moat_atecc_write_zone(moat_atecc *dev, uint8_t zone, uint8_t slot, uint8_t block,
                                        uint8_t word, const uint8_t *data, size_t len);
/* The whole 128-byte config zone (four 32-byte reads). */
moat_atecc_status moat_atecc_read_config(moat_atecc *dev, uint8_t config[128]);
/* Writes config bytes 16..83 and 88..127 (0..15 are factory, 84..87 change only through
 * UpdateExtra and Lock). Needs the config zone unlocked. */
moat_atecc_status moat_atecc_write_config(moat_atecc *dev, const uint8_t config[128]);
/* The 64-byte OTP zone. */
moat_atecc_status moat_atecc_read_otp(moat_atecc *dev, uint8_t otp[64]);
/* Reads the first `len` bytes (<= slot size) of a data slot, splitting into 32-byte and
 * 4-byte reads (the partial last block of 36/72-byte slots is read in 4-byte words). */
moat_atecc_status moat_atecc_read_slot(moat_atecc *dev, uint8_t slot, uint8_t *out, size_t len);
/* Writes `len` bytes (<= slot size) at the start of a data slot. Full 32-byte blocks are
 * written whole; a tail is padded with zeros to 32 bytes while the data zone is unlocked
 * (the chip takes only 32-byte writes then) and written in 4-byte words once it is locked.
 * `data_locked`: the caller's knowledge of the data lock (see moat_atecc_lock_state). */
moat_atecc_status moat_atecc_write_slot(moat_atecc *dev, uint8_t slot, const uint8_t *data,
                                        size_t len, bool data_locked);
/* The 9-byte serial number: config bytes 0-3 and 8-12. */
moat_atecc_status moat_atecc_read_serial(moat_atecc *dev, uint8_t serial[9]);

/* ---- Lock (0x17) ---- */
/* Locks the config zone if its CRC (see moat_atecc_crc over all 128 bytes) equals `crc`. */
moat_atecc_status moat_atecc_lock_config(moat_atecc *dev, uint16_t crc);
/* Reads the config zone, computes its CRC and locks it with that CRC. */
moat_atecc_status moat_atecc_lock_config_zone(moat_atecc *dev);
/* Locks the data and OTP zones; with `check_crc`, only if the summary CRC matches `crc`. */
moat_atecc_status moat_atecc_lock_data(moat_atecc *dev, bool check_crc, uint16_t crc);
/* Locks one slot for good (its KeyConfig must have Lockable set). */
moat_atecc_status moat_atecc_lock_slot(moat_atecc *dev, uint8_t slot);

/* ---- Counter (0x24) ---- */
/* Reads (increment false) or increments monotonic counter `id` (0 or 1); *value after. */
moat_atecc_status moat_atecc_counter(moat_atecc *dev, uint8_t id, bool increment, uint32_t *value);

/* ---- SelfTest (0x77) ---- */
/* Runs the tests in `mode` (bits: 0x01 RNG, 0x02 ECDSA, 0x08 ECDH, 0x10 AES, 0x20 SHA; 0x3B
 * all); *failed = the failure bits (0 = all passed). */
moat_atecc_status moat_atecc_selftest(moat_atecc *dev, uint8_t mode, uint8_t *failed);

/* ---- UpdateExtra (0x20) ---- */
/* Writes config byte 84 (which 0) or 85 (which 1) once, while it is still 0x00. */
moat_atecc_status moat_atecc_update_extra(moat_atecc *dev, uint8_t which, uint8_t value);

/* ---- config zone decoding (atecc_config.c; pure functions over a config image) ---- */

typedef struct {
    bool config_locked;
    bool data_locked;
    uint16_t slot_locked; /* bit n set = slot n locked */
} moat_atecc_lock_state;

/* Lock states from config bytes 86, 87, 88-89. */
void moat_atecc_decode_locks(const uint8_t config[128], moat_atecc_lock_state *out);
/* Reads config block 2 and decodes the lock states. */
moat_atecc_status moat_atecc_read_locks(moat_atecc *dev, moat_atecc_lock_state *out);
/* Serial number from a config image. */
void moat_atecc_serial_from_config(const uint8_t config[128], uint8_t serial[9]);
uint16_t moat_atecc_slot_config(const uint8_t config[128], uint8_t slot);
uint16_t moat_atecc_key_config(const uint8_t config[128], uint8_t slot);
/* Whether KeyConfig marks `slot` as an ECC private key. */
bool moat_atecc_slot_is_private(const uint8_t config[128], uint8_t slot);
/* Writes SlotConfig + KeyConfig of `slot` in words into out (NUL-terminated, truncated to
 * cap), e.g. "P-256 private key; external sign, ECDH; never readable; GenKey allowed;
 * lockable". Returns the length written. */
size_t moat_atecc_describe_slot(const uint8_t config[128], uint8_t slot, char *out, size_t cap);

/* ---- provisioning (atecc_provision.c) ---- */

/* Applies Moat's Trust&GO-like layout (docs/se-cli.md) to a config image: SlotConfig,
 * KeyConfig, SlotLocked, ChipOptions and the feature bytes; serial, address and counters are
 * left as they are. */
void moat_atecc_provision_layout(uint8_t config[128]);

typedef struct {
    bool config_written;    /* the layout was written (config was unlocked) */
    bool config_locked_now; /* this call locked the config zone */
    bool data_locked_now;   /* this call locked the data and OTP zones */
} moat_atecc_provision_report;

/* Provisions the chip: if the config zone is unlocked, writes the layout and locks it with
 * its CRC; if the data zone is unlocked, locks it; then generates the slot-0 device key and
 * returns its public key. Steps already done are skipped, so an interrupted run resumes. */
moat_atecc_status moat_atecc_provision(moat_atecc *dev, uint8_t pub[64],
                                       moat_atecc_provision_report *rep);

/* Lock summary CRC as the chip computes it, as Lock's param2 (crc[0] | crc[1] << 8). */
uint16_t moat_atecc_lock_crc(const uint8_t *data, size_t len);

#endif
