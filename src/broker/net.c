/* broker/net.c - TCP listening sockets and accept for moatd, non-blocking throughout.
 * Every failure is reported as one line of text naming the address and the cause. */
#define _GNU_SOURCE /* accept4 */
#include "broker/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int moatd_net_parse_addr(const char *spec, char *host, size_t host_cap, int *port,
                         char err[MOATD_NET_ERR_LEN])
{
    const char *colon = strrchr(spec, ':');
    const char *ps = colon ? colon + 1 : spec;
    size_t hl = colon ? (size_t)(colon - spec) : 0;
    if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
        spec++; /* "[::1]:1883" */
        hl -= 2;
    }
    char *end;
    long p = strtol(ps, &end, 10);
    if (*ps == '\0' || *end != '\0' || p < 0 || p > 65535) {
        snprintf(err, MOATD_NET_ERR_LEN,
                 "bad listen address '%s': expected ADDR:PORT with a port 0..65535", spec);
        return -1;
    }
    if (hl >= host_cap) {
        snprintf(err, MOATD_NET_ERR_LEN, "bad listen address '%s': host too long", spec);
        return -1;
    }
    memcpy(host, spec, hl);
    host[hl] = '\0';
    *port = (int)p;
    return 0;
}

static int listen_on(const struct addrinfo *ai, int backlog)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0)
        return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int moatd_net_listen(const char *spec, int backlog, char err[MOATD_NET_ERR_LEN])
{
    char host[256], portstr[8];
    int port;
    if (moatd_net_parse_addr(spec, host, sizeof(host), &port, err) < 0)
        return -1;
    snprintf(portstr, sizeof(portstr), "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(host[0] ? host : NULL, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, MOATD_NET_ERR_LEN, "cannot resolve listen address '%s': %s", spec,
                 gai_strerror(rc));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = listen_on(ai, backlog);
        if (fd < 0)
            e = errno;
    }
    freeaddrinfo(res);
    if (fd < 0)
        snprintf(err, MOATD_NET_ERR_LEN, "cannot listen on '%s': %s%s", spec, strerror(e),
                 e == EADDRINUSE ? " (another process uses this port; pick another)" : "");
    return fd;
}

static void format_peer(const struct sockaddr_storage *ss, char *peer, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        port = ntohs(s->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        port = ntohs(s->sin6_port);
    }
    snprintf(peer, cap, "%s:%d", ip, port);
}

int moatd_net_accept(int lfd, char *peer, size_t peer_cap)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return -1;
    int on = 1;
    /* MQTT is request/response with small packets: Nagle would add 40 ms to each ack. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    format_peer(&ss, peer, peer_cap);
    return fd;
}

int moatd_net_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}
