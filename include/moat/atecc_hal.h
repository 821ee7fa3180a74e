/* moat/atecc_hal.h - the I2C bus contract the ATECC608 driver (moat/atecc.h) runs on.
 *
 * A port supplies five plain function pointers over its own context: a wake pulse, one I2C
 * write transaction, one I2C read transaction, a microsecond delay, and (optionally) the text
 * of the last bus error. Nothing else is needed: no allocation, no threads, no clock (the
 * driver measures its polling budget by adding up the delays it asks for).
 *
 * Porting guide
 *   ESP-IDF (i2c_master):  write = i2c_master_transmit(dev_handle_at_addr7, bytes, len, to);
 *                          read = i2c_master_receive(...); ESP_ERR_INVALID_STATE/ESP_FAIL on
 *                          a missing ACK -> MOAT_ATECC_HAL_NACK; delay_us = esp_rom_delay_us.
 *   STM32 HAL:             write = HAL_I2C_Master_Transmit(h, addr7 << 1, ...); read =
 *                          HAL_I2C_Master_Receive(h, addr7 << 1, ...); HAL_I2C_GetError(h) ==
 *                          HAL_I2C_ERROR_AF (acknowledge failure) -> MOAT_ATECC_HAL_NACK.
 *   wake (any MCU):        either drive SDA low for >= 60 us (tWLO) as a GPIO and release it,
 *                          or, at <= 100 kHz, write one byte to address 0x00: the 0x00 address
 *                          byte holds SDA low for 8 bit times (80 us at 100 kHz). The result
 *                          of that write is ignored (nobody ACKs address 0). Do NOT wait tWHI
 *                          here: the driver waits MOAT_ATECC_WAKE_DELAY_US itself.
 */
#ifndef MOAT_ATECC_HAL_H
#define MOAT_ATECC_HAL_H

#include <stddef.h>
#include <stdint.h>

/* Result of one bus operation. */
typedef enum {
    MOAT_ATECC_HAL_ACK = 0,   /* the chip acknowledged (and, for a read, sent every byte) */
    MOAT_ATECC_HAL_NACK = 1,  /* no acknowledge: the chip is asleep, busy, absent or at
                                 another address. The driver retries / polls on this. */
    MOAT_ATECC_HAL_ERROR = 2, /* the bus itself failed (device node gone, socket closed,
                                 arbitration lost): not retried; last_error() says why */
} moat_atecc_hal_result;

typedef struct moat_atecc_hal {
    void *ctx; /* owned by the port; passed back to every function below */

    /* Sends the wake pulse (SDA low for at least tWLO = 60 us). Returns ACK when the pulse
     * was sent (whether the chip woke is checked by the driver), ERROR if the bus failed. */
    moat_atecc_hal_result (*wake)(void *ctx);

    /* One I2C write transaction to the 7-bit address `addr7`: START, address+W, the `len`
     * bytes of `bytes`, STOP. bytes[0] is the chip's word address (0x00 reset, 0x01 sleep,
     * 0x02 idle, 0x03 command). len is 1..156. NACK on the address or any byte -> NACK. */
    moat_atecc_hal_result (*write)(void *ctx, uint8_t addr7, const uint8_t *bytes, size_t len);

    /* One I2C read transaction of exactly `len` bytes (1..155) from `addr7` into `buf`.
     * The chip NACKs its address while busy or asleep -> NACK (buf contents unspecified). */
    moat_atecc_hal_result (*read)(void *ctx, uint8_t addr7, uint8_t *buf, size_t len);

    /* Waits at least `us` microseconds. */
    void (*delay_us)(void *ctx, uint32_t us);

    /* Optional (may be NULL): one line on the last ERROR, e.g. "/dev/i2c-1: No such device".
     * The driver copies nothing; the string must stay valid until the next HAL call. */
    const char *(*last_error)(void *ctx);
} moat_atecc_hal;

#endif
