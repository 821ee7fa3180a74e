/* port/posix/hal_delay.h - the sleep every POSIX ATECC HAL (emulator, socket, i2c-dev) hands
 * the driver as its delay_us hook. Private to src/port/posix. */
#ifndef MOAT_PORT_POSIX_HAL_DELAY_H
#define MOAT_PORT_POSIX_HAL_DELAY_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

/* Sleeps `us` microseconds; a signal does not cut the wait short. `ctx` is unused. */
static inline void moat_posix_hal_delay_us(void *ctx, uint32_t us)
{
    (void)ctx;
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

#endif
