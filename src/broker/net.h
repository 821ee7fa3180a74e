/* broker/net.h - socket helpers: listening sockets, accept, non-blocking mode, peer names.
 * Errors come back as text in a caller buffer (anet.c shape), so the caller logs one line. */
#ifndef MOATD_NET_H
#define MOATD_NET_H

#include <stddef.h>

#define MOATD_NET_ERR_LEN 256

/* Parses "ADDR:PORT", "[v6]:PORT" or ":PORT" / "PORT" (all addresses) into host and port.
 * Returns 0, or -1 with a message in err. */
int moatd_net_parse_addr(const char *spec, char *host, size_t host_cap, int *port,
                         char err[MOATD_NET_ERR_LEN]);

/* Opens a non-blocking listening TCP socket on spec ("ADDR:PORT"). Returns the fd, or -1 with
 * a message in err naming the address and the cause. */
int moatd_net_listen(const char *spec, int backlog, char err[MOATD_NET_ERR_LEN]);

/* Accepts one connection as a non-blocking, close-on-exec socket with TCP_NODELAY. Writes the
 * peer as "ip:port" into peer. Returns the fd, -1 with errno EAGAIN when none is waiting, or
 * -1 with another errno. */
int moatd_net_accept(int lfd, char *peer, size_t peer_cap);

/* The local port a socket is bound to (0 on error). */
int moatd_net_local_port(int fd);

#endif
