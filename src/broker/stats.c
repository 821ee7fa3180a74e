/* broker/stats.c - moatd counters: process memory readings and the $SYS/broker/... topic list
 * with decimal payloads that the event loop publishes every sys_interval seconds.
 */
#include "broker/stats.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void moatd_stats_init(moatd_stats *s, time_t now)
{
    memset(s, 0, sizeof *s);
    s->started = now;
}

uint64_t moatd_stats_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, resident = 0;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    if (n != 2)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    return (uint64_t)resident * (uint64_t)(page > 0 ? page : 4096);
}

uint64_t moatd_stats_heap_bytes(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd;
#else
    return 0;
#endif
}

static void emit_u64(moatd_sys_emit emit, void *ctx, const char *name, uint64_t v)
{
    char topic[96], payload[32];
    snprintf(topic, sizeof topic, "$SYS/broker/%s", name);
    snprintf(payload, sizeof payload, "%llu", (unsigned long long)v);
    emit(ctx, topic, payload);
}

/* Messages per second between two snapshots, rounded down; 0 without a previous one. */
static uint64_t rate(uint64_t now_v, uint64_t prev_v, time_t dt)
{
    if (dt <= 0 || now_v < prev_v)
        return 0;
    return (now_v - prev_v) / (uint64_t)dt;
}

void moatd_stats_sys_topics(const moatd_stats *s, const moatd_stats *prev, time_t prev_time,
                            time_t now, moatd_sys_emit emit, void *ctx)
{
    emit(ctx, "$SYS/broker/version", MOATD_VERSION_STRING);
    emit_u64(emit, ctx, "uptime", now > s->started ? (uint64_t)(now - s->started) : 0);
    emit_u64(emit, ctx, "clients/connected", s->clients_connected);
    emit_u64(emit, ctx, "connections/current", s->connections_current);
    emit_u64(emit, ctx, "connections/total", s->connections_total);
    emit_u64(emit, ctx, "connections/refused", s->connections_refused);
    emit_u64(emit, ctx, "messages/received", s->msgs_received);
    emit_u64(emit, ctx, "messages/sent", s->msgs_sent);
    emit_u64(emit, ctx, "messages/dropped", s->msgs_dropped);
    emit_u64(emit, ctx, "messages/queued", s->msgs_queued);
    emit_u64(emit, ctx, "bytes/received", s->bytes_received);
    emit_u64(emit, ctx, "bytes/sent", s->bytes_sent);
    emit_u64(emit, ctx, "retained messages/count", s->retained_count);
    emit_u64(emit, ctx, "subscriptions/count", s->subscriptions_count);
    emit_u64(emit, ctx, "sessions/persistent", s->sessions_persistent);
    emit_u64(emit, ctx, "denials", s->denials);
    emit_u64(emit, ctx, "tls/handshakes", s->tls_handshakes);
    emit_u64(emit, ctx, "tls/failures", s->tls_failures);
    emit_u64(emit, ctx, "memory/rss", moatd_stats_rss_bytes());
    emit_u64(emit, ctx, "heap/current", moatd_stats_heap_bytes());
    time_t dt = prev ? now - prev_time : 0;
    emit_u64(emit, ctx, "load/messages/received/rate",
             prev ? rate(s->msgs_received, prev->msgs_received, dt) : 0);
    emit_u64(emit, ctx, "load/messages/sent/rate",
             prev ? rate(s->msgs_sent, prev->msgs_sent, dt) : 0);
}
