/* fuzz_broker_input.c - arbitrary bytes as two clients' input streams into the broker, in
 * process: the decoder, every packet handler, sessions, routing and retained state. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "broker/log.h"
#include "broker/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Byte 0: bit 0 selects the profile (aws/mqtt), bits 1..7 the chunk size, so packets also
 * arrive split across reads. Then the stream is split in two at the first "\xff\xfe\xfd" (a
 * sequence no MQTT packet header starts with): client A gets the part before, B the rest. */
/* The connection with this id, or NULL once the broker closed and freed it. */
static moatd_conn *find_conn(moatd_server *srv, uint64_t id)
{
    for (moatd_conn *c = srv->conns; c; c = c->next) {
        if (c->id == id && !c->dead)
            return c;
    }
    return NULL;
}

static void feed(moatd_server *srv, uint64_t id, const uint8_t *p, size_t n, size_t chunk)
{
    moatd_conn *c;
    for (size_t off = 0; off < n && (c = find_conn(srv, id)) != NULL; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        moatd_conn_input(c, p + off, k);
        moatd_server_end_iteration(srv);
    }
}

static const uint8_t *find_split(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++) {
        if (p[i] == 0xff && p[i + 1] == 0xfe && p[i + 2] == 0xfd)
            return p + i;
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool log_set;
    if (!log_set) {
        char err[128];
        moatd_log_open(MOATD_LOG_TEXT, MOATD_LOG_ERROR, NULL, err, sizeof(err));
        log_set = true;
    }
    if (size < 1)
        return 0;
    moatd_config cfg;
    char err[256];
    moatd_config_defaults(&cfg, (data[0] & 1) ? MOATD_PROFILE_MQTT : MOATD_PROFILE_AWS);
    moatd_config_finish(&cfg, err, sizeof(err));
    cfg.data_dir[0] = '\0';
    cfg.max_inflight = 4;
    cfg.max_queued_messages = 8;
    cfg.max_outgoing_bytes = 4096;
    moatd_server *srv = moatd_server_create(&cfg);
    if (srv == NULL)
        return 0;
    size_t chunk = (data[0] >> 1) + 1u;
    data++;
    size--;
    const uint8_t *split = find_split(data, size);
    size_t na = split ? (size_t)(split - data) : size;
    moatd_conn *a = moatd_conn_new(srv, -1, NULL, "fuzz-a");
    moatd_conn *b = moatd_conn_new(srv, -1, NULL, "fuzz-b");
    if (a && b) {
        uint64_t ida = a->id, idb = b->id;
        feed(srv, ida, data, na, chunk);
        if (split)
            feed(srv, idb, split + 3, size - na - 3, chunk);
    }
    moatd_server_free(srv);
    return 0;
}
