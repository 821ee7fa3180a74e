/* emu_harness.h - test helpers that drive the emulator exactly as a host's I2C controller
 * would (hand-built packets, split reads), independent of the moat ATECC driver. */
#ifndef MOAT_TEST_EMU_HARNESS_H
#define MOAT_TEST_EMU_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/emu_internal.h"
#include "moat/atecc_emu.h"
#include "moat/atecc_proto.h"

#define H_ADDR 0x60

typedef struct {
    moat_emu *emu;
    uint64_t now;
    char dir[64];
    char image[128];
    uint8_t rsp[MOAT_ATECC_RSP_MAX]; /* last response body */
    size_t rsp_len;
} harness;

static inline uint64_t h_clock(void *ctx)
{
    return ((harness *)ctx)->now;
}

static inline void h_reopen(harness *h)
{
    char err[512] = "";
    h->emu = moat_emu_open(h->image, err, sizeof err);
    if (h->emu == NULL)
        fail_msg("open: %s", err);
    moat_emu_set_clock(h->emu, h_clock, h);
}

static inline harness *h_new(void)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    strcpy(h->dir, "/tmp/moat-emu-test.XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    snprintf(h->image, sizeof h->image, "%s/chip.img", h->dir);
    h->now = 1000;
    h_reopen(h);
    return h;
}

static inline void h_free(harness *h)
{
    moat_emu_close(h->emu);
    unlink(h->image);
    rmdir(h->dir);
    free(h);
}

static inline int h_setup(void **state)
{
    *state = h_new();
    return 0;
}

static inline int h_teardown(void **state)
{
    h_free(*state);
    return 0;
}

/* Wakes the chip and checks the wake response. */
static inline void h_wake(harness *h)
{
    moat_emu_wake(h->emu);
    uint8_t w[4];
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, w, 4), MOAT_EMU_ACK);
    const uint8_t want[4] = {0x04, 0x11, 0x33, 0x43};
    assert_memory_equal(w, want, 4);
}

/* Sends [0x03] + raw bytes as one I2C write. */
static inline void h_send_raw(harness *h, const uint8_t *pkt, size_t len)
{
    uint8_t buf[300];
    assert_true(len + 1 <= sizeof buf);
    buf[0] = MOAT_ATECC_WA_COMMAND;
    memcpy(buf + 1, pkt, len);
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, buf, len + 1), MOAT_EMU_ACK);
}

/* Receives a response as cryptoauthlib does: word address 0x00, read the count byte, read
 * the rest; checks the CRC. Returns the status byte (0x00 for a data response). */
static inline uint8_t h_receive(harness *h)
{
    const uint8_t reset = MOAT_ATECC_WA_RESET;
    uint8_t grp[MOAT_ATECC_RSP_MAX];
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, &reset, 1), MOAT_EMU_ACK);
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, grp, 1), MOAT_EMU_ACK);
    assert_in_range(grp[0], 4, MOAT_ATECC_RSP_MAX);
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, grp + 1, grp[0] - 1u), MOAT_EMU_ACK);
    const uint8_t *body;
    size_t body_len;
    assert_int_equal(moat_atecc_parse_rsp(grp, grp[0], &body, &body_len), MOAT_ATECC_PKT_OK);
    memcpy(h->rsp, body, body_len);
    h->rsp_len = body_len;
    return body_len == 1 ? body[0] : MOAT_ATECC_STATUS_SUCCESS;
}

/* Sends a command and returns its status; the response body is in h->rsp / h->rsp_len. */
static inline uint8_t h_cmd(harness *h, uint8_t opcode, uint8_t p1, uint16_t p2,
                            const uint8_t *data, size_t len)
{
    moat_atecc_cmd c = {
        .opcode = opcode, .param1 = p1, .param2 = p2, .data = data, .data_len = len};
    uint8_t pkt[MOAT_ATECC_CMD_MAX];
    size_t n = moat_atecc_encode_cmd(&c, pkt, sizeof pkt);
    assert_true(n > 0);
    h_send_raw(h, pkt, n);
    return h_receive(h);
}

/* Like h_cmd but asserts a data response of `want_len` bytes. */
static inline void h_cmd_data(harness *h, uint8_t opcode, uint8_t p1, uint16_t p2,
                              const uint8_t *data, size_t len, size_t want_len)
{
    assert_int_equal(h_cmd(h, opcode, p1, p2, data, len), MOAT_ATECC_STATUS_SUCCESS);
    assert_int_equal(h->rsp_len, want_len);
}

static inline uint16_t h_cfg_addr(unsigned byte)
{
    return moat_atecc_addr(MOAT_ATECC_ZONE_CONFIG, 0, (uint8_t)(byte / 32),
                           (uint8_t)(byte % 32 / 4));
}

/* The test configuration, a Trust&GO-like layout (bytes 16..127; 84-87 are left alone):
 *  0 private P-256, ext sign + ECDH, GenKey allowed     1 private, internal sign only
 *  2 private, no PubInfo, ECDH result to slot 3         3 clear data (receives ECDH)
 *  4 private, GenKey not allowed after data lock        5 clear data, lockable
 *  6 clear read, never written after lock               7 secret + EncryptRead
 *  8 clear data (416 bytes), lockable                   9 P-256 public key (stored format)
 * 10-15 clear data */
static inline void h_test_config(uint8_t cfg[128])
{
    static const uint16_t sc[16] = {0x2085, 0x2082, 0x208D, 0x0000, 0x0085, 0x0000, 0x8000, 0x00C0,
                                    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000};
    static const uint16_t kc[16] = {0x0033, 0x0033, 0x0031, 0x001C, 0x0033, 0x003C, 0x001C, 0x001C,
                                    0x003C, 0x0010, 0x001C, 0x001C, 0x001C, 0x001C, 0x001C, 0x001C};
    memset(cfg, 0, 128);
    cfg[16] = 0xC0;
    for (unsigned s = 0; s < 16; s++) {
        cfg[20 + 2 * s] = (uint8_t)sc[s];
        cfg[21 + 2 * s] = (uint8_t)(sc[s] >> 8);
        cfg[96 + 2 * s] = (uint8_t)kc[s];
        cfg[97 + 2 * s] = (uint8_t)(kc[s] >> 8);
    }
    memset(cfg + 52, 0xFF, 4);
    memset(cfg + 60, 0xFF, 4);
    cfg[88] = 0xFF;
    cfg[89] = 0xFF;
}

/* Writes the test configuration as cryptoauthlib does: 4-byte writes for bytes 16-31 and
 * 64-95 (skipping 84-87), 32-byte writes for blocks 1 and 3. */
static inline void h_write_config(harness *h)
{
    uint8_t cfg[128];
    h_test_config(cfg);
    for (unsigned b = 16; b < 32; b += 4)
        assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(b), cfg + b, 4), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x80, h_cfg_addr(32), cfg + 32, 32), 0);
    for (unsigned b = 64; b < 96; b += 4) {
        if (b == 84)
            continue;
        assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(b), cfg + b, 4), 0);
    }
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x80, h_cfg_addr(96), cfg + 96, 32), 0);
}

/* Reads the whole config zone (4 x 32 bytes). */
static inline void h_read_config(harness *h, uint8_t cfg[128])
{
    for (uint8_t blk = 0; blk < 4; blk++) {
        h_cmd_data(h, MOAT_ATECC_OP_READ, 0x80, (uint16_t)(blk << 3), NULL, 0, 32);
        memcpy(cfg + 32 * blk, h->rsp, 32);
    }
}

static inline uint16_t h_crc16(const uint8_t *b, size_t n)
{
    uint8_t c[2];
    moat_atecc_crc(b, n, c);
    return (uint16_t)(c[0] | (c[1] << 8));
}

static inline void h_lock_config(harness *h)
{
    uint8_t cfg[128];
    h_read_config(h, cfg);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x00, h_crc16(cfg, 128), NULL, 0), 0);
}

/* Wake, write the test config, lock config (with CRC), optionally lock data (no CRC). */
static inline void h_provision(harness *h, bool lock_data)
{
    h_wake(h);
    h_write_config(h);
    h_lock_config(h);
    if (lock_data)
        assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x81, 0, NULL, 0), 0);
}

static inline uint16_t h_slot_addr(uint8_t slot, uint8_t block)
{
    return moat_atecc_addr(MOAT_ATECC_ZONE_DATA, slot, block, 0);
}

#endif
