/* moat/transport.h - the byte-stream transport contract shared by every layer.
 *
 * A transport is three plain function pointers over an opaque context, so a TLS session can
 * sit on a TCP socket, a test can sit on a memory pipe, and an MCU port can sit on its own
 * network stack, without the MQTT client knowing which. No allocation is implied.
 */
#ifndef MOAT_TRANSPORT_H
#define MOAT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

/* Negative results of send/recv. Zero is not an error: it means "nothing could be
 * transferred before the timeout"; the caller decides whether to try again. */
typedef enum {
    MOAT_TRANSPORT_CLOSED = -1, /* the peer closed the connection in an orderly way (EOF,
                                   TLS close_notify): nothing more will arrive */
    MOAT_TRANSPORT_FAILED = -2, /* the connection broke (reset, TLS alert, I/O error); the
                                   transport's own API may say more */
} moat_transport_result;

typedef struct moat_transport {
    void *ctx; /* owned by the transport implementation */

    /* Sends up to `len` bytes, waiting at most `timeout_ms` for room. Returns the number of
     * bytes sent (1..len), 0 if none could be sent in time, or a moat_transport_result.
     * A partial send is normal; the caller sends the rest. */
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms);

    /* Receives up to `len` bytes, waiting at most `timeout_ms` for the first byte. Returns the
     * number of bytes received (1..len), 0 if none arrived in time, or a moat_transport_result.
     * A short read is normal. */
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);
} moat_transport;

#endif
