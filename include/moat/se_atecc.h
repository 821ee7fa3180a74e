/* moat/se_atecc.h - an ATECC608 key slot as a moat_se key (no allocation: MCU-friendly).
 * On Linux, moat_se_open("emu:...", "emu+unix:...", "i2c:...") does the same from a locator. */
#ifndef MOAT_SE_ATECC_H
#define MOAT_SE_ATECC_H

#include <stdint.h>

#include "moat/atecc.h"
#include "moat/se.h"

/* Binds `se` to the private key in `slot` of the chip `dev` (both caller-owned and kept
 * alive while `se` is used). `ctx` is caller storage for the binding. Nothing is read from
 * the chip here. */
typedef struct {
    moat_atecc *dev;
    uint8_t slot;
    char *detail;
    size_t detail_cap;
} moat_se_atecc_ctx;

void moat_se_init_atecc(moat_se *se, moat_se_atecc_ctx *ctx, moat_atecc *dev, uint8_t slot);

/* The chip behind an ATECC608-backed key (to read its certificate slots over the same
 * connection), or NULL for another backend. */
moat_atecc *moat_se_atecc_device(const moat_se *se);

#endif
