/* moat/atecc_proto.h - the ATECC608 byte protocol, shared by the host driver and the emulator.
 *
 * Word-address bytes, command and response packets, the chip's CRC-16, opcodes and status
 * codes. No allocation, no I/O. Facts and sources: docs/atecc608.md.
 */
#ifndef MOAT_ATECC_PROTO_H
#define MOAT_ATECC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/config.h"

/* The first byte of every I2C write ("word address"). */
enum {
    MOAT_ATECC_WA_RESET = 0x00,   /* rewind the I/O buffer pointer */
    MOAT_ATECC_WA_SLEEP = 0x01,   /* enter sleep: all volatile state is lost */
    MOAT_ATECC_WA_IDLE = 0x02,    /* enter idle: TempKey and the message digest buffer kept */
    MOAT_ATECC_WA_COMMAND = 0x03, /* the rest of the write is a command packet */
};

/* Opcodes. */
enum {
    MOAT_ATECC_OP_READ = 0x02,
    MOAT_ATECC_OP_MAC = 0x08,
    MOAT_ATECC_OP_WRITE = 0x12,
    MOAT_ATECC_OP_GENDIG = 0x15,
    MOAT_ATECC_OP_NONCE = 0x16,
    MOAT_ATECC_OP_LOCK = 0x17,
    MOAT_ATECC_OP_RANDOM = 0x1B,
    MOAT_ATECC_OP_DERIVEKEY = 0x1C,
    MOAT_ATECC_OP_UPDATEEXTRA = 0x20,
    MOAT_ATECC_OP_COUNTER = 0x24,
    MOAT_ATECC_OP_CHECKMAC = 0x28,
    MOAT_ATECC_OP_INFO = 0x30,
    MOAT_ATECC_OP_GENKEY = 0x40,
    MOAT_ATECC_OP_SIGN = 0x41,
    MOAT_ATECC_OP_ECDH = 0x43,
    MOAT_ATECC_OP_VERIFY = 0x45,
    MOAT_ATECC_OP_PRIVWRITE = 0x46,
    MOAT_ATECC_OP_SHA = 0x47,
    MOAT_ATECC_OP_AES = 0x51,
    MOAT_ATECC_OP_KDF = 0x56,
    MOAT_ATECC_OP_SELFTEST = 0x77,
    MOAT_ATECC_OP_SECUREBOOT = 0x80,
};

/* Status byte of a 4-byte response group. */
enum {
    MOAT_ATECC_STATUS_SUCCESS = 0x00,
    MOAT_ATECC_STATUS_MISCOMPARE = 0x01,  /* Verify/CheckMac: signature or MAC did not match */
    MOAT_ATECC_STATUS_PARSE = 0x03,       /* bad length, opcode or parameter */
    MOAT_ATECC_STATUS_ECC_FAULT = 0x05,   /* ECC computation failed; retry */
    MOAT_ATECC_STATUS_SELFTEST = 0x07,    /* the chip is in self-test failure state */
    MOAT_ATECC_STATUS_HEALTH = 0x08,      /* RNG health test failed */
    MOAT_ATECC_STATUS_EXECUTION = 0x0F,   /* not allowed in this state (locks, permissions) */
    MOAT_ATECC_STATUS_WAKE = 0x11,        /* after wake, before the first command */
    MOAT_ATECC_STATUS_WATCHDOG = 0xEE,    /* watchdog about to expire: sleep, wake, resend */
    MOAT_ATECC_STATUS_CRC = 0xFF,         /* CRC or other communication error: resend */
};

#define MOAT_ATECC_CMD_MIN 7u          /* count + opcode + p1 + p2(2) + crc(2) */
#define MOAT_ATECC_CMD_MAX 155u        /* largest input group the chip accepts */
#define MOAT_ATECC_RSP_MAX 155u        /* buffer big enough for any response group */
#define MOAT_ATECC_CONFIG_SIZE 128u
#define MOAT_ATECC_OTP_SIZE 64u
#define MOAT_ATECC_SLOTS 16u
#define MOAT_ATECC_SERIAL_SIZE 9u

/* A parsed command packet; `data` points into the caller's buffer. */
typedef struct {
    uint8_t opcode;
    uint8_t param1;
    uint16_t param2;  /* host order; little-endian on the wire */
    const uint8_t *data;
    size_t data_len;
} moat_atecc_cmd;

/* The chip's CRC-16: polynomial 0x8005, register 0, bits taken LSB first, no final XOR.
 * crc[0] is sent first (the LSB). */
void moat_atecc_crc(const uint8_t *data, size_t len, uint8_t crc[2]);

/* Encodes a command packet (count..CRC, without the word address) into out[0..cap). Returns
 * the packet length, or 0 if it does not fit or data_len is too big. */
size_t moat_atecc_encode_cmd(const moat_atecc_cmd *cmd, uint8_t *out, size_t cap);

/* Parse result of a command or response packet. */
typedef enum {
    MOAT_ATECC_PKT_OK = 0,
    MOAT_ATECC_PKT_SHORT,     /* fewer bytes than the count byte says, or count < minimum */
    MOAT_ATECC_PKT_TOO_LONG,  /* count above the maximum group size */
    MOAT_ATECC_PKT_BAD_CRC,   /* CRC does not match */
} moat_atecc_pkt_status;

/* Parses a command packet (count..CRC). */
moat_atecc_pkt_status moat_atecc_parse_cmd(const uint8_t *pkt, size_t len, moat_atecc_cmd *out);

/* Builds a response group: count, body, CRC. Returns its length or 0 if cap is too small. */
size_t moat_atecc_encode_rsp(const uint8_t *body, size_t body_len, uint8_t *out, size_t cap);

/* Builds the 4-byte status group for `status`. */
void moat_atecc_encode_status(uint8_t status, uint8_t out[4]);

/* Checks a response group's count and CRC; on OK, *body and *body_len give the bytes between. */
moat_atecc_pkt_status moat_atecc_parse_rsp(const uint8_t *rsp, size_t len, const uint8_t **body,
                                           size_t *body_len);

/* Name of a chip status byte, e.g. "execution error (0x0F)". */
const char *moat_atecc_status_name(uint8_t status);

/* What a status means to a user and what to do, one line (short name without
 * MOAT_CONFIG_EXPLAIN). */
const char *moat_atecc_status_explain(uint8_t status);

/* Name of an opcode, e.g. "GenKey"; "unknown" otherwise. */
const char *moat_atecc_opcode_name(uint8_t opcode);

/* Maximum execution time of `opcode` in ms (ChipMode clock divider M0), the budget a host
 * polls within. */
uint16_t moat_atecc_exec_time_ms(uint8_t opcode);

/* Data-zone geometry: slot sizes are 36 bytes (slots 0-7), 416 (slot 8), 72 (9-15). */
size_t moat_atecc_slot_size(uint8_t slot);

/* Zone numbers of Read/Write/Lock param1 bits [1:0]. */
enum { MOAT_ATECC_ZONE_CONFIG = 0, MOAT_ATECC_ZONE_OTP = 1, MOAT_ATECC_ZONE_DATA = 2 };

/* Param2 address for Read/Write: config/OTP use (block << 3) | word; data uses
 * (slot << 3) | word | (block << 8). */
uint16_t moat_atecc_addr(uint8_t zone, uint8_t slot, uint8_t block, uint8_t word);

#endif
