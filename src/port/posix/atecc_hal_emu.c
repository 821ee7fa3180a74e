/* atecc_hal_emu.c - the I2C HAL over the in-process ATECC608 emulator (moat/atecc_emu.h):
 * every HAL call is one emulated bus transaction; delays really sleep. */
#include <stdio.h>

#include "moat/atecc_emu.h"
#include "moat/atecc_locator.h"
#include "port/posix/hal_delay.h"

static moat_atecc_hal_result emu_wake(void *ctx)
{
    moat_emu_wake(ctx);
    return MOAT_ATECC_HAL_ACK;
}

static moat_atecc_hal_result emu_write(void *ctx, uint8_t addr7, const uint8_t *bytes, size_t len)
{
    return moat_emu_i2c_write(ctx, addr7, bytes, len) == MOAT_EMU_ACK ? MOAT_ATECC_HAL_ACK
                                                                      : MOAT_ATECC_HAL_NACK;
}

static moat_atecc_hal_result emu_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    return moat_emu_i2c_read(ctx, addr7, buf, len) == MOAT_EMU_ACK ? MOAT_ATECC_HAL_ACK
                                                                   : MOAT_ATECC_HAL_NACK;
}

int moat_atecc_hal_emu_open(const char *image_path, moat_atecc_hal *hal, char *err, size_t cap)
{
    char why[256] = "";
    moat_emu *emu = moat_emu_open(image_path, why, sizeof why);
    if (!emu) {
        snprintf(err, cap, "cannot open the emulator image '%s': %s", image_path, why);
        return -1;
    }
    *hal = (moat_atecc_hal){emu, emu_wake, emu_write, emu_read, moat_posix_hal_delay_us, NULL};
    return 0;
}

void moat_atecc_hal_emu_close(moat_atecc_hal *hal)
{
    if (hal && hal->ctx) {
        moat_emu_close(hal->ctx);
        hal->ctx = NULL;
    }
}
