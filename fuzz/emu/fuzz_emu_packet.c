/* fuzz_emu_packet.c - libFuzzer target: an input is a script of I2C transactions played
 * against an emulated ATECC608 that starts from the factory image each run. Opcodes of the
 * script: 0 wake | 1 raw write (len, bytes) | 2 read (len) | 3 command with a valid CRC
 * (len, body; the response must then be a well-formed group) | 4 advance the clock. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/emu_internal.h"

#define ADDR 0x60

static moat_emu *emu;
static uint64_t now_ms;
static char dir[64], image[128];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fake_clock(void *ctx)
{
    (void)ctx;
    return now_ms;
}

static void cleanup(void)
{
    moat_emu_close(emu);
    unlink(image);
    rmdir(dir);
}

static void setup(void)
{
    strcpy(dir, "/tmp/moat-fuzz-emu.XXXXXX");
    char err[512];
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(image, sizeof image, "%s/chip.img", dir);
    emu = moat_emu_open(image, err, sizeof err);
    if (emu == NULL) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    emu->no_fsync = true;
    moat_emu_set_clock(emu, fake_clock, NULL);
    atexit(cleanup);
}

/* Sends body (count and CRC added) and checks that the answer is a valid response group. */
static void command(const uint8_t *body, size_t len)
{
    uint8_t w[1 + MOAT_ATECC_CMD_MAX];
    if (len + 3 > MOAT_ATECC_CMD_MAX || len == 0)
        return;
    w[0] = MOAT_ATECC_WA_COMMAND;
    w[1] = (uint8_t)(len + 3);
    memcpy(w + 2, body, len);
    moat_atecc_crc(w + 1, len + 1, w + 2 + len);
    if (moat_emu_i2c_write(emu, ADDR, w, len + 4) != MOAT_EMU_ACK)
        return;
    const uint8_t reset = 0;
    uint8_t grp[256];
    if (moat_emu_i2c_write(emu, ADDR, &reset, 1) != MOAT_EMU_ACK ||
        moat_emu_i2c_read(emu, ADDR, grp, 1) != MOAT_EMU_ACK)
        return;
    if (grp[0] < 4 || grp[0] > MOAT_ATECC_RSP_MAX)
        abort(); /* the chip's output is always a well-formed group */
    if (moat_emu_i2c_read(emu, ADDR, grp + 1, grp[0] - 1u) != MOAT_EMU_ACK)
        abort();
    const uint8_t *b;
    size_t bl;
    if (moat_atecc_parse_rsp(grp, grp[0], &b, &bl) != MOAT_ATECC_PKT_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (emu == NULL)
        setup();
    moat_emu_factory_image(emu->eeprom);
    moat_emu_clear_volatile(emu);
    emu->power = EMU_ASLEEP;
    now_ms = 0;
    size_t i = 0;
    uint8_t buf[256];
    while (i < size) {
        uint8_t op = data[i++] % 5;
        size_t len = i < size ? data[i++] : 0;
        if (len > size - i)
            len = size - i;
        switch (op) {
        case 0:
            moat_emu_wake(emu);
            break;
        case 1:
            moat_emu_i2c_write(emu, ADDR, data + i, len);
            i += len;
            break;
        case 2:
            moat_emu_i2c_read(emu, ADDR, buf, len);
            break;
        case 3:
            command(data + i, len);
            i += len;
            break;
        default:
            now_ms += len * 10u;
            break;
        }
    }
    return 0;
}
