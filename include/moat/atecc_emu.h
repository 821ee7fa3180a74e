/* moat/atecc_emu.h - in-process ATECC608 emulator (moat-se), driven one I2C transaction at a
 * time, exactly as a host's I2C controller would drive the chip. The same calls back the
 * Unix-socket server of the `moat-se` program (protocol: docs/emulator.md).
 */
#ifndef MOAT_ATECC_EMU_H
#define MOAT_ATECC_EMU_H

#include <stddef.h>
#include <stdint.h>

typedef struct moat_emu moat_emu;

/* Result of one I2C transaction, as the bus sees it. */
typedef enum {
    MOAT_EMU_ACK = 0,  /* the chip acknowledged its address (and, for a read, sent the bytes) */
    MOAT_EMU_NACK = 1, /* no acknowledge: asleep, busy, wrong address, or nothing to read */
} moat_emu_ack;

/* Opens an emulated chip whose EEPROM (config, OTP, data zones) lives in `image_path`. A
 * missing file is created with the documented factory defaults (unlocked config, serial
 * number in docs/emulator.md). Returns NULL and writes a reason to err on failure. */
moat_emu *moat_emu_open(const char *image_path, char *err, size_t err_cap);

/* Saves nothing extra (every EEPROM change is written through when it happens) and frees. */
void moat_emu_close(moat_emu *emu);

/* The wake pulse: SDA held low for at least tWLO. Wakes a sleeping or idle chip; ignored by
 * an awake one. */
void moat_emu_wake(moat_emu *emu);

/* One I2C write transaction to 7-bit address `addr7`: bytes[0] is the word address. */
moat_emu_ack moat_emu_i2c_write(moat_emu *emu, uint8_t addr7, const uint8_t *bytes, size_t len);

/* One I2C read transaction of `len` bytes from `addr7`, continuing from the output pointer. */
moat_emu_ack moat_emu_i2c_read(moat_emu *emu, uint8_t addr7, uint8_t *buf, size_t len);

#endif
