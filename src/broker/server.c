/* broker/server.c - wires the broker together: listeners and accept, the end-of-iteration
 * group commit and flush, housekeeping (keep-alive, CONNECT timeout, $SYS), graceful shutdown. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "broker/log.h"
#include "broker/net.h"
#include "broker/server.h"

#define HOUSEKEEPING_MS 100

moatd_server *moatd_server_create(const moatd_config *cfg)
{
    moatd_server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return NULL;
    srv->cfg = *cfg;
    moatd_rules_init(&srv->rules, cfg);
    srv->loop = moatd_loop_create();
    srv->topics = moatd_topics_create(srv->rules.hash_matches_parent);
    srv->sessions = moatd_dict_create();
    srv->retained = moatd_dict_create();
    srv->auth = *moatd_auth_default();
    srv->next_service_id = 1;
    moatd_stats_init(&srv->stats, time(NULL));
    if (!srv->loop || !srv->topics || !srv->sessions || !srv->retained) {
        moatd_server_free(srv);
        return NULL;
    }
    return srv;
}

void moatd_persist_check(moatd_server *srv, moatd_store_status st, const char *what)
{
    if (st == MOATD_STORE_OK || srv->store_failed)
        return;
    srv->store_failed = true; /* one line, not one per message */
    moatd_log(MOATD_LOG_ERROR, "store", "what", what, "error", moatd_store_strerror(st),
              "detail", moatd_store_errmsg(srv->store), NULL);
}

/* ---- accept ---- */

static void too_many(moatd_server *srv, int fd, const char *peer)
{
    moatd_log(MOATD_LOG_WARN, "accept", "addr", peer, "reason",
              "max_connections reached; raise max_connections", NULL);
    srv->stats.connections_refused++;
    close(fd);
}

static void accept_one(moatd_server *srv, moatd_listener_rt *l, int fd, const char *peer)
{
    if (srv->cfg.max_connections && srv->stats.connections_current >= srv->cfg.max_connections) {
        too_many(srv, fd, peer);
        return;
    }
    moatd_conn *c = moatd_conn_new(srv, fd, l, peer);
    if (c == NULL) {
        close(fd);
        return;
    }
    if ((l->ssl_ctx && !moatd_tls_start(c)) ||
        moatd_loop_watch(srv->loop, fd, MOATD_READABLE, moatd_conn_on_event, c) < 0) {
        moatd_conn_close(c, "cannot set up the connection", false);
        return;
    }
    moatd_log(MOATD_LOG_DEBUG, "accept", "addr", peer, "listener", l->name, NULL);
}

static void on_accept(moatd_loop *loop, int fd, void *data, int mask)
{
    moatd_listener_rt *l = data;
    for (int i = 0; i < 64; i++) {
        char peer[64];
        int cfd = moatd_net_accept(fd, peer, sizeof(peer));
        if (cfd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                moatd_logf(MOATD_LOG_WARN, "accept", "accept on %s failed: %s", l->name,
                           strerror(errno));
            return;
        }
        accept_one(l->srv, l, cfd, peer);
    }
}

static int open_listener(moatd_server *srv, const moatd_listener *lc, char *err, size_t errlen)
{
    moatd_listener_rt *l = &srv->listeners[srv->nlisteners];
    char nerr[MOATD_NET_ERR_LEN];
    bool v6 = strchr(lc->host, ':') != NULL;
    snprintf(l->name, sizeof(l->name), v6 ? "[%s]:%u" : "%s:%u", lc->host, lc->port);
    l->srv = srv;
    l->cfg = *lc;
    l->fd = -1;
    if (lc->tls && (l->ssl_ctx = moatd_tls_ctx_new(&srv->cfg, err, errlen)) == NULL)
        return -1;
    l->fd = moatd_net_listen(l->name, 1024, nerr);
    if (l->fd < 0) {
        snprintf(err, errlen, "%s", nerr);
        SSL_CTX_free(l->ssl_ctx);
        l->ssl_ctx = NULL;
        return -1;
    }
    srv->nlisteners++;
    moatd_loop_watch(srv->loop, l->fd, MOATD_READABLE, on_accept, l);
    char port[24];
    moatd_log(MOATD_LOG_INFO, "listen", "addr", l->name, "tls", lc->tls ? "1" : "0", "port",
              moatd_log_num(port, moatd_net_local_port(l->fd)), NULL);
    return 0;
}

/* ---- end of iteration: group commit, then flush (broker_shared.md) ---- */

static void commit_failed(moatd_server *srv)
{
    /* The acks of this iteration would claim durability we do not have: drop those
     * connections instead; clients retransmit unacknowledged QoS 1/2 messages. */
    moatd_log(MOATD_LOG_ERROR, "store", "error", "commit failed", "detail",
              moatd_store_errmsg(srv->store), NULL);
    for (moatd_conn *c = srv->flush_list; c; c = c->flush_next)
        moatd_conn_close(c, "store commit failed", false);
}

static void free_dead(moatd_server *srv)
{
    while (srv->dead_list) {
        moatd_conn *c = srv->dead_list;
        srv->dead_list = c->dead_next;
        moatd_conn_free(c);
    }
}

void moatd_server_end_iteration(moatd_server *srv)
{
    if (srv->store && moatd_store_pending(srv->store) &&
        moatd_store_commit(srv->store) != MOATD_STORE_OK)
        commit_failed(srv);
    while (srv->flush_list) {
        moatd_conn *c = srv->flush_list;
        srv->flush_list = c->flush_next;
        c->want_flush = false;
        moatd_conn_flush(c);
    }
    free_dead(srv);
}

static void before_sleep(moatd_loop *loop, void *data)
{
    moatd_server_end_iteration(data);
}

/* ---- housekeeping ---- */

static void check_timeouts(moatd_server *srv, int64_t now)
{
    int64_t ct = (int64_t)srv->cfg.connect_timeout * 1000;
    for (moatd_conn *c = srv->conns; c; c = c->next) {
        if (c->dead)
            continue;
        if (c->connected && c->keepalive_ms && now - c->last_rx_ms > c->keepalive_ms) {
            /* MQTT-3.1.2-24: nothing within 1.5 x keep-alive: close, publish the will */
            moatd_conn_close(c, "keep-alive timeout", false);
        } else if (!c->connected && ct && now - c->accepted_ms > ct) {
            moatd_log(MOATD_LOG_WARN, "timeout", "addr", c->addr, "reason",
                      "no complete CONNECT within connect_timeout", NULL);
            moatd_conn_close(c, "CONNECT timeout", false);
        }
    }
}

static int64_t housekeeping(moatd_loop *loop, int64_t id, void *data)
{
    moatd_server *srv = data;
    check_timeouts(srv, moatd_now_ms());
    if (++srv->housekeeping_ticks % 50 == 0) /* every 5 s: sessions expire in seconds */
        moatd_session_expire(srv, (int64_t)time(NULL));
    return HOUSEKEEPING_MS;
}

static void sys_emit(void *ctx, const char *topic, const char *payload)
{
    moatd_service_publish(ctx, topic, (const uint8_t *)payload, strlen(payload), 0, true);
}

static int64_t sys_publish(moatd_loop *loop, int64_t id, void *data)
{
    moatd_server *srv = data;
    time_t now = time(NULL);
    moatd_stats_sys_topics(&srv->stats, srv->stats_prev_time ? &srv->stats_prev : NULL,
                           srv->stats_prev_time, now, sys_emit, srv);
    srv->stats_prev = srv->stats;
    srv->stats_prev_time = now;
    return (int64_t)srv->cfg.sys_interval * 1000;
}

/* ---- start, run, stop ---- */

static int open_store(moatd_server *srv, char *err, size_t errlen)
{
    if (srv->cfg.data_dir[0] == '\0')
        return 0;
    if (moatd_store_open(&srv->store, srv->cfg.data_dir, srv->cfg.sqlite_synchronous, err,
                         errlen) != MOATD_STORE_OK)
        return -1;
    return moatd_session_load_all(srv, err, errlen);
}

/* Each client is one fd: raise the soft limit to the hard one so thousands of connections
 * need no ulimit tweak (the default soft limit is often 1024). */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int moatd_server_start(moatd_server *srv, char *err, size_t errlen)
{
    raise_fd_limit();
    if (open_store(srv, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < srv->cfg.n_listeners; i++) {
        if (open_listener(srv, &srv->cfg.listeners[i], err, errlen) < 0)
            return -1;
    }
    moatd_loop_set_before_sleep(srv->loop, before_sleep, srv);
    moatd_loop_add_timer(srv->loop, HOUSEKEEPING_MS, housekeeping, srv);
    if (srv->cfg.sys_interval)
        moatd_loop_add_timer(srv->loop, 0, sys_publish, srv);
    const char *sync = srv->store == NULL ? "none"
                       : moatd_store_sync_mode(srv->store) == MOATD_STORE_SYNC_FULL ? "full"
                                                                                : "normal";
    moatd_log(MOATD_LOG_INFO, "start", "version", MOATD_VERSION_STRING, "profile",
              moatd_profile_name(srv->cfg.profile), "data_dir", srv->cfg.data_dir,
              "synchronous", sync, NULL);
    return 0;
}

static void on_signal(moatd_loop *loop, int fd, void *data, int mask)
{
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return;
    if (si.ssi_signo == SIGHUP) {
        moatd_log_reopen();
        return;
    }
    moatd_logf(MOATD_LOG_INFO, "stop", "signal %u: shutting down", si.ssi_signo);
    moatd_server_stop(data);
}

void moatd_server_stop(moatd_server *srv)
{
    srv->stopping = true;
    moatd_loop_stop(srv->loop);
}

/* SIGTERM: stop accepting, flush what is queued, close every client (no wills: the broker,
 * not the client, went away), commit the store. */
static void shutdown_gracefully(moatd_server *srv)
{
    srv->stopping = true;
    for (size_t i = 0; i < srv->nlisteners; i++) {
        moatd_loop_unwatch(srv->loop, srv->listeners[i].fd, MOATD_READABLE);
        close(srv->listeners[i].fd);
        srv->listeners[i].fd = -1;
    }
    moatd_server_end_iteration(srv);
    for (moatd_conn *c = srv->conns; c; c = c->next) {
        if (!c->dead)
            moatd_conn_close(c, "broker shutting down", true);
    }
    moatd_server_end_iteration(srv);
    moatd_log(MOATD_LOG_INFO, "stopped", "msg", "clean shutdown", NULL);
}

void moatd_server_run(moatd_server *srv)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd >= 0)
        moatd_loop_watch(srv->loop, sfd, MOATD_READABLE, on_signal, srv);
    moatd_loop_run(srv->loop);
    shutdown_gracefully(srv);
    if (sfd >= 0) {
        moatd_loop_unwatch(srv->loop, sfd, MOATD_READABLE);
        close(sfd);
    }
}

void moatd_server_free(moatd_server *srv)
{
    if (srv == NULL)
        return;
    srv->stopping = true;
    for (moatd_conn *c = srv->conns; c; c = c->next)
        moatd_conn_close(c, "broker shutting down", true);
    if (srv->store)
        moatd_store_commit(srv->store);
    while (srv->conns) {
        moatd_conn *c = srv->conns;
        moatd_conn_free(c);
    }
    srv->dead_list = NULL;
    srv->flush_list = NULL;
    if (srv->sessions)
        moatd_session_free_all(srv);
    if (srv->retained)
        moatd_retain_free_all(srv);
    while (srv->services)
        moatd_service_unsubscribe(srv, srv->services->id);
    for (size_t i = 0; i < srv->nlisteners; i++) {
        if (srv->listeners[i].fd >= 0)
            close(srv->listeners[i].fd);
        SSL_CTX_free(srv->listeners[i].ssl_ctx);
    }
    while (srv->out_free) {
        moatd_out *o = srv->out_free;
        srv->out_free = o->next;
        free(o);
    }
    moatd_matches_free(&srv->matches);
    moatd_store_close(srv->store);
    moatd_topics_free(srv->topics);
    moatd_dict_free(srv->sessions);
    moatd_dict_free(srv->retained);
    moatd_loop_free(srv->loop);
    free(srv);
}

/* ---- service subscriptions (hooks.h) ---- */

int64_t moatd_service_subscribe(moatd_server *srv, const char *filter, moatd_service_cb *cb,
                                void *ctx)
{
    size_t len = strlen(filter);
    if (len > 65535 ||
        moat_mqtt_validate_topic_filter((const uint8_t *)filter, len) != MOAT_MQTT_OK)
        return -1;
    moatd_service_sub *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->filter = strdup(filter)) == NULL) {
        free(s);
        return -1;
    }
    s->is_service = 1;
    s->id = srv->next_service_id++;
    s->cb = cb;
    s->ctx = ctx;
    if (moatd_topics_subscribe(srv->topics, filter, len, &s->owner, 2) < 0) {
        free(s->filter);
        free(s);
        return -1;
    }
    s->next = srv->services;
    srv->services = s;
    return s->id;
}

void moatd_service_unsubscribe(moatd_server *srv, int64_t id)
{
    for (moatd_service_sub **p = &srv->services; *p; p = &(*p)->next) {
        moatd_service_sub *s = *p;
        if (s->id != id)
            continue;
        *p = s->next;
        moatd_topics_unsubscribe(srv->topics, s->filter, strlen(s->filter), &s->owner);
        free(s->filter);
        free(s);
        return;
    }
}
