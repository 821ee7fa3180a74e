/* broker/stats.h - moatd counters and the $SYS/broker/... topics built from them.
 * The event loop owns one moatd_stats and increments its fields directly (single thread).
 */
#ifndef MOATD_STATS_H
#define MOATD_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MOATD_VERSION_STRING "moatd 0.1.0"

typedef struct {
    time_t started;                 /* set by moatd_stats_init */

    uint64_t connections_current;   /* open sockets (TCP or TLS), CONNECTed or not */
    uint64_t clients_connected;     /* sessions with an accepted CONNECT */
    uint64_t connections_total;     /* sockets accepted since start */
    uint64_t connections_refused;   /* closed by a CONNECT denial or CONNACK refusal */
    uint64_t tls_handshakes;        /* completed TLS handshakes */
    uint64_t tls_failures;          /* failed TLS handshakes */

    uint64_t msgs_received;         /* PUBLISH packets received */
    uint64_t msgs_sent;             /* PUBLISH packets sent */
    uint64_t bytes_received;        /* MQTT bytes read (after TLS) */
    uint64_t bytes_sent;            /* MQTT bytes written (before TLS) */
    uint64_t msgs_dropped;          /* messages not delivered: queue limit, slow consumer */
    uint64_t denials;               /* authorisation denials */

    uint64_t retained_count;        /* retained messages held now */
    uint64_t subscriptions_count;   /* subscriptions held now (all sessions) */
    uint64_t sessions_persistent;   /* persistent sessions held now (online or not) */
    uint64_t msgs_queued;           /* messages queued or in flight now (all sessions) */
} moatd_stats;

/* Zeroes all counters and records the start time. */
void moatd_stats_init(moatd_stats *s, time_t now);

/* Memory of this process: resident set size from /proc/self/statm (0 if unreadable). */
uint64_t moatd_stats_rss_bytes(void);
/* Bytes currently allocated through malloc (glibc mallinfo2), 0 if unavailable. */
uint64_t moatd_stats_heap_bytes(void);

/* Calls emit(ctx, topic, payload) once per $SYS topic, payloads as decimal text:
 *   $SYS/broker/version, uptime (seconds), clients/connected,
 *   connections/current, connections/total, connections/refused, messages/received,
 *   messages/sent, messages/dropped, messages/queued, bytes/received, bytes/sent,
 *   retained messages/count, subscriptions/count, sessions/persistent, denials,
 *   tls/handshakes, tls/failures, memory/rss, heap/current,
 *   load/messages/received/rate, load/messages/sent/rate (per second since previous call).
 * The caller publishes each with QoS 0 and retain = 1 (moatd_service_publish). `prev` holds
 * the counters of the previous call for the rates (NULL the first time): the caller keeps a
 * copy of *s after each call. */
typedef void (*moatd_sys_emit)(void *ctx, const char *topic, const char *payload);
void moatd_stats_sys_topics(const moatd_stats *s, const moatd_stats *prev, time_t prev_time,
                            time_t now, moatd_sys_emit emit, void *ctx);

#endif
