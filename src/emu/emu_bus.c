/* emu_bus.c - the emulated chip as the I2C bus sees it: address match, word-address byte,
 * power states (asleep/idle/awake), watchdog, input group assembly and the output buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "emu/emu_internal.h"

static uint64_t monotonic_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

moat_emu *moat_emu_open(const char *image_path, char *err, size_t err_cap)
{
    if (image_path == NULL || image_path[0] == '\0') {
        snprintf(err, err_cap, "no emulator image path given (use --image FILE)");
        return NULL;
    }
    moat_emu *emu = calloc(1, sizeof *emu);
    if (emu == NULL) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    size_t n = strlen(image_path);
    if (n >= sizeof emu->image_path) {
        snprintf(err, err_cap, "emulator image path is longer than %zu bytes",
                 sizeof emu->image_path - 1);
        free(emu);
        return NULL;
    }
    memcpy(emu->image_path, image_path, n + 1);
    emu->clock = monotonic_ms;
    emu->sha = EVP_MD_CTX_new();
    if (emu->sha == NULL || !moat_emu_image_load(emu, err, err_cap)) {
        if (emu->sha == NULL)
            snprintf(err, err_cap, "out of memory");
        EVP_MD_CTX_free(emu->sha);
        free(emu);
        return NULL;
    }
    emu->power = EMU_ASLEEP;
    return emu;
}

void moat_emu_close(moat_emu *emu)
{
    if (emu == NULL)
        return;
    EVP_MD_CTX_free(emu->sha);
    memset(emu, 0, sizeof *emu); /* TempKey and friends must not linger in freed memory */
    free(emu);
}

void moat_emu_set_clock(moat_emu *emu, emu_clock_fn clock, void *ctx)
{
    emu->clock = clock ? clock : monotonic_ms;
    emu->clock_ctx = ctx;
}

void moat_emu_set_log(moat_emu *emu, bool on)
{
    emu->log = on;
}

uint64_t moat_emu_now_ms(const moat_emu *emu)
{
    return emu->clock(emu->clock_ctx);
}

/* Sleep resets "the entire volatile state of the device" (data sheet, word address 0x01). */
void moat_emu_clear_volatile(moat_emu *emu)
{
    memset(&emu->tempkey, 0, sizeof emu->tempkey);
    memset(&emu->msgdig, 0, sizeof emu->msgdig);
    memset(&emu->altkey, 0, sizeof emu->altkey);
    emu->sha_active = false;
    emu->volatile_key_permit = false;
    emu->selftest_result = 0;
    emu->in_len = 0;
    emu->out_len = 0;
    emu->out_pos = 0;
}

static void go_to_sleep(moat_emu *emu, const char *why)
{
    if (emu->log)
        fprintf(stderr, "moat-se: sleep (%s)\n", why);
    emu->power = EMU_ASLEEP;
    moat_emu_clear_volatile(emu);
}

/* The watchdog runs from wake while awake; when it expires the chip sleeps by itself. */
static void tick(moat_emu *emu)
{
    if (emu->power == EMU_AWAKE && moat_emu_now_ms(emu) - emu->wake_ms >= emu->watchdog_ms)
        go_to_sleep(emu, "watchdog");
}

static void load_status(moat_emu *emu, uint8_t status)
{
    moat_atecc_encode_status(status, emu->out);
    emu->out_len = 4;
    emu->out_pos = 0;
}

void moat_emu_wake(moat_emu *emu)
{
    tick(emu);
    if (emu->power == EMU_AWAKE)
        return; /* "the device will ignore a wake sequence that is sent when already awake" */
    const uint8_t *cfg = moat_emu_config(emu);
    emu->addr7 = (uint8_t)(moat_emu_i2c_address8(cfg) >> 1);
    emu->watchdog_ms =
        (cfg[EMU_CFG_CHIP_MODE] & 0x04u) ? EMU_WATCHDOG_LONG_MS : EMU_WATCHDOG_SHORT_MS;
    emu->wake_ms = moat_emu_now_ms(emu);
    emu->power = EMU_AWAKE;
    emu->in_len = 0;
    load_status(emu, MOAT_ATECC_STATUS_WAKE);
    if (emu->log)
        fprintf(stderr, "moat-se: wake (address 0x%02X)\n", emu->addr7);
}

/* Command bytes accumulate across writes until the count byte's group is complete. A count
 * outside 4..155 cannot frame a group: the chip answers with a communication error. */
static void command_bytes(moat_emu *emu, const uint8_t *bytes, size_t len)
{
    size_t room = EMU_IN_CAP - emu->in_len;
    size_t take = len < room ? len : room;
    memcpy(emu->in + emu->in_len, bytes, take);
    emu->in_len += take;
    if (emu->in_len == 0)
        return;
    size_t count = emu->in[0];
    if (count < 4 || count > MOAT_ATECC_CMD_MAX) {
        emu->in_len = 0;
        load_status(emu, MOAT_ATECC_STATUS_CRC);
        return;
    }
    if (emu->in_len < count)
        return;
    moat_emu_execute(emu, emu->in, count);
    emu->in_len = 0;
}

moat_emu_ack moat_emu_i2c_write(moat_emu *emu, uint8_t addr7, const uint8_t *bytes, size_t len)
{
    /* The general-call address written at 100 kHz holds SDA low for > tWLO: a wake pulse
     * (cryptoauthlib's wake method). The chip itself does not acknowledge it. */
    if (addr7 == 0) {
        moat_emu_wake(emu);
        return MOAT_EMU_NACK;
    }
    tick(emu);
    if (emu->power != EMU_AWAKE || addr7 != emu->addr7)
        return MOAT_EMU_NACK;
    if (len == 0)
        return MOAT_EMU_ACK;
    switch (bytes[0]) {
    case MOAT_ATECC_WA_RESET:
        emu->out_pos = 0;
        emu->in_len = 0;
        return MOAT_EMU_ACK;
    case MOAT_ATECC_WA_SLEEP:
        go_to_sleep(emu, "word address 0x01");
        return MOAT_EMU_ACK;
    case MOAT_ATECC_WA_IDLE:
        emu->power = EMU_IDLE;
        emu->in_len = 0;
        emu->out_len = 0;
        emu->out_pos = 0;
        if (emu->log)
            fprintf(stderr, "moat-se: idle\n");
        return MOAT_EMU_ACK;
    case MOAT_ATECC_WA_COMMAND:
        command_bytes(emu, bytes + 1, len - 1);
        return MOAT_EMU_ACK;
    default:
        return MOAT_EMU_NACK; /* reserved word addresses: the data byte is not acknowledged */
    }
}

/* Reads continue from the output pointer; bytes past the end of the output group read as
 * 0xFF (nobody drives SDA). A partially received command leaves nothing to read: NACK. */
moat_emu_ack moat_emu_i2c_read(moat_emu *emu, uint8_t addr7, uint8_t *buf, size_t len)
{
    tick(emu);
    if (emu->power != EMU_AWAKE || addr7 != emu->addr7 || emu->in_len > 0)
        return MOAT_EMU_NACK;
    for (size_t i = 0; i < len; i++) {
        if (emu->out_pos < emu->out_len)
            buf[i] = emu->out[emu->out_pos++];
        else
            buf[i] = 0xFF;
    }
    return MOAT_EMU_ACK;
}
