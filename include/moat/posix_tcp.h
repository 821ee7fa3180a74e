/* moat/posix_tcp.h - a TCP transport (moat/transport.h) for Linux and other POSIX systems:
 * host name resolution (IPv4 and IPv6), connect with a timeout, poll()-bounded send/recv,
 * and errors as sentences that name the host, the cause and the fix. */
#ifndef MOAT_POSIX_TCP_H
#define MOAT_POSIX_TCP_H

#include <stdint.h>

#include "moat/transport.h"

typedef enum {
    MOAT_POSIX_TCP_OK = 0,
    MOAT_POSIX_TCP_ERR_ARGUMENT,    /* NULL or empty host, port 0 */
    MOAT_POSIX_TCP_ERR_RESOLVE,     /* the host name does not resolve */
    MOAT_POSIX_TCP_ERR_REFUSED,     /* nothing listens on that port */
    MOAT_POSIX_TCP_ERR_TIMEOUT,     /* no answer within the connect timeout */
    MOAT_POSIX_TCP_ERR_UNREACHABLE, /* no route to the host or network */
    MOAT_POSIX_TCP_ERR_SOCKET,      /* any other socket error (text says which) */
} moat_posix_tcp_status;

typedef struct {
    int fd;              /* -1 when closed */
    int last_errno;      /* errno of the last failed call, 0 if none */
    char error[320];     /* the last error as a sentence: cause, host and fix */
} moat_posix_tcp;

/* Sets `t` up closed (fd -1). */
void moat_posix_tcp_init(moat_posix_tcp *t);

/* Resolves `host` (name, IPv4 or IPv6 literal) and connects to `port`, trying each address
 * until one answers, within `timeout_ms` in total. On failure t->error says what happened,
 * e.g. "connection refused: nothing listens on 127.0.0.1:1883; is the broker running?". */
moat_posix_tcp_status moat_posix_tcp_connect(moat_posix_tcp *t, const char *host, uint16_t port,
                                             uint32_t timeout_ms);

/* Fills `out` with the transport functions over `t` (which must outlive the transport). The
 * send and recv functions never raise SIGPIPE. After MOAT_TRANSPORT_FAILED, t->error says
 * why (e.g. "connection reset by the peer"). */
void moat_posix_tcp_transport(moat_posix_tcp *t, moat_transport *out);

/* Closes the socket (if open). Safe to call twice. */
void moat_posix_tcp_close(moat_posix_tcp *t);

/* Monotonic clock in milliseconds (CLOCK_MONOTONIC), wrapping at 2^32: the client's now_ms. */
uint32_t moat_posix_now_ms(void);

#endif
