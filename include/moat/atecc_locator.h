/* moat/atecc_locator.h - opens an ATECC608 named by a locator string (Linux/POSIX only).
 *
 *   emu:IMAGE              in-process emulator over an EEPROM image file (created on first use)
 *   emu+unix:SOCKET        a running `moat-se --socket SOCKET --image IMAGE`
 *   i2c:/dev/i2c-N         a real chip on Linux i2c-dev
 * Each may end in @ADDR, the chip's 7-bit I2C address (default 0x60; Trust&GO 0x35,
 * TrustFLEX 0x36), hex (0x..) or decimal.
 * pkcs11: and file: locators name keys that are not in an ATECC608: they return
 * MOAT_ATECC_LOC_NOT_ATECC so a generic key layer can dispatch them elsewhere.
 */
#ifndef MOAT_ATECC_LOCATOR_H
#define MOAT_ATECC_LOCATOR_H

#include <stddef.h>

#include "moat/atecc.h"

typedef enum {
    MOAT_ATECC_LOC_OK = 0,
    MOAT_ATECC_LOC_NOT_ATECC,   /* pkcs11: or file: - a valid locator for another backend */
    MOAT_ATECC_LOC_BAD_SYNTAX,  /* not a locator this library knows; err lists the forms */
    MOAT_ATECC_LOC_OPEN_FAILED, /* the image, socket or device node could not be opened */
} moat_atecc_loc_status;

/* The accepted locator forms, one per line, for usage messages. */
const char *moat_atecc_locator_forms(void);

/* Opens the chip named by `locator` and returns a ready device in *dev (allocated; close it
 * with moat_atecc_close_locator). No bus traffic happens yet. On failure *dev is NULL and
 * err (cap bytes) says what was wrong and what is accepted. */
moat_atecc_loc_status moat_atecc_open_locator(const char *locator, moat_atecc **dev, char *err,
                                              size_t err_cap);

/* Puts the chip to sleep (best effort), closes the bus/emulator and frees. NULL is ignored. */
void moat_atecc_close_locator(moat_atecc *dev);

/* HAL constructors behind the locators, for callers that build their own device. Each
 * returns 0 and fills *hal, or -1 with a reason in err. The matching *_close frees hal->ctx. */
int moat_atecc_hal_i2cdev_open(const char *path, moat_atecc_hal *hal, char *err, size_t cap);
void moat_atecc_hal_i2cdev_close(moat_atecc_hal *hal);
int moat_atecc_hal_unix_open(const char *socket_path, moat_atecc_hal *hal, char *err, size_t cap);
void moat_atecc_hal_unix_close(moat_atecc_hal *hal);
int moat_atecc_hal_emu_open(const char *image_path, moat_atecc_hal *hal, char *err, size_t cap);
void moat_atecc_hal_emu_close(moat_atecc_hal *hal);

#endif
