/* test_atecc_driver_hostile.c - the driver facing a chip (or bus) that answers garbage:
 * random ACK/NACK and random response bytes for thousands of commands. Every call must return
 * a valid status and never read or write outside its buffers (run under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "moat/atecc.h"

typedef struct {
    uint32_t seed;
    uint8_t len_bias; /* makes well-formed counts more likely */
} hostile;

static uint32_t next(hostile *h)
{
    h->seed = h->seed * 1664525u + 1013904223u;
    return h->seed >> 8;
}

static moat_atecc_hal_result h_wake(void *ctx)
{
    return next(ctx) % 16 == 0 ? MOAT_ATECC_HAL_ERROR : MOAT_ATECC_HAL_ACK;
}

static moat_atecc_hal_result h_write(void *ctx, uint8_t addr7, const uint8_t *b, size_t len)
{
    (void)addr7;
    (void)b;
    (void)len;
    return next(ctx) % 8 == 0 ? MOAT_ATECC_HAL_NACK : MOAT_ATECC_HAL_ACK;
}

static moat_atecc_hal_result h_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    hostile *h = ctx;
    (void)addr7;
    if (next(h) % 8 == 0)
        return MOAT_ATECC_HAL_NACK;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)next(h);
    if (len == 1 && next(h) % 2 == 0) /* a plausible count byte */
        buf[0] = (uint8_t)(4 + next(h) % 72);
    if (len == 4 && next(h) % 2 == 0) { /* the wake token */
        const uint8_t tok[4] = {0x04, 0x11, 0x33, 0x43};
        memcpy(buf, tok, 4);
    }
    return MOAT_ATECC_HAL_ACK;
}

static void h_delay(void *ctx, uint32_t us)
{
    (void)ctx;
    (void)us;
}

static void run_everything(moat_atecc *dev)
{
    uint8_t b64[64], b32[32], cfg[128], big[416] = {0}, sig[64], sn[9];
    uint8_t zero[64] = {0};
    uint32_t v;
    bool valid;
    uint8_t failed;
    moat_atecc_status st[] = {
        moat_atecc_info_revision(dev, b32),
        moat_atecc_info_key_valid(dev, 0, &valid),
        moat_atecc_random(dev, b32),
        moat_atecc_nonce_random(dev, zero, b32),
        moat_atecc_nonce_load(dev, MOAT_ATECC_TARGET_TEMPKEY, zero, 64),
        moat_atecc_genkey(dev, 2, b64),
        moat_atecc_get_pubkey(dev, 0, b64),
        moat_atecc_sign_digest(dev, 0, zero, sig),
        moat_atecc_verify_extern(dev, zero, zero, zero),
        moat_atecc_ecdh(dev, 0, zero, b32),
        moat_atecc_sha256(dev, big, 200, b32),
        moat_atecc_read_config(dev, cfg),
        moat_atecc_read_slot(dev, 8, big, sizeof big),
        moat_atecc_read_slot(dev, 10, big, 72),
        moat_atecc_write_slot(dev, 5, zero, 36, true),
        moat_atecc_read_serial(dev, sn),
        moat_atecc_lock_config_zone(dev),
        moat_atecc_counter(dev, 0, true, &v),
        moat_atecc_selftest(dev, 0x3B, &failed),
        moat_atecc_update_extra(dev, 1, 0x40),
        moat_atecc_provision(dev, b64, &(moat_atecc_provision_report){0}),
    };
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
        assert_true(st[i] >= MOAT_ATECC_OK && st[i] < MOAT_ATECC_STATUS_COUNT);
        assert_non_null(moat_atecc_strerror(st[i]));
    }
}

static void test_garbage_from_the_bus_never_crashes_or_overruns(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 300; seed++) {
        hostile h = {seed, 0};
        moat_atecc_hal hal = {&h, h_wake, h_write, h_read, h_delay, NULL};
        moat_atecc dev;
        moat_atecc_init(&dev, &hal, 0x60);
        run_everything(&dev);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_from_the_bus_never_crashes_or_overruns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
