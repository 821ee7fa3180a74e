/* broker/session.c - sessions by client id: subscriptions, outgoing QoS 1/2 in flight with
 * retransmission on reconnect, the offline queue, incoming QoS 2 ids, and their persistence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/log.h"
#include "broker/server.h"

static bool persisted(const moatd_server *srv, const moatd_session *s)
{
    return srv->store != NULL && !s->clean;
}

moatd_session *moatd_session_get(moatd_server *srv, const char *client_id)
{
    return moatd_dict_get(srv->sessions, client_id, strlen(client_id));
}

moatd_session *moatd_session_create(moatd_server *srv, const char *client_id, bool clean)
{
    moatd_session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->client_id = strdup(client_id);
    s->subs = moatd_dict_create();
    s->clean = clean;
    s->next_pid = 1;
    if (s->client_id == NULL || s->subs == NULL ||
        moatd_dict_set(srv->sessions, client_id, strlen(client_id), s) == NULL) {
        moatd_dict_free(s->subs);
        free(s->client_id);
        free(s);
        return NULL;
    }
    if (!clean)
        srv->stats.sessions_persistent++;
    return s;
}

static void drop_messages(moatd_server *srv, moatd_session *s)
{
    for (uint32_t i = 0; i < s->nflight; i++)
        moatd_msg_unref(s->flight[i].msg);
    srv->stats.msgs_queued -= s->nflight + s->nqueued;
    s->nflight = 0;
    while (s->q_head) {
        moatd_qitem *q = s->q_head;
        s->q_head = q->next;
        moatd_msg_unref(q->msg);
        free(q);
    }
    s->q_tail = NULL;
    s->nqueued = 0;
}

void moatd_session_destroy(moatd_server *srv, moatd_session *s)
{
    size_t b = 0;
    for (moatd_dict_entry *e = moatd_dict_next(s->subs, &b, NULL); e;
         e = moatd_dict_next(s->subs, &b, e)) {
        moatd_topics_unsubscribe(srv->topics, e->key, e->key_len, &s->owner);
        srv->stats.subscriptions_count--;
    }
    drop_messages(srv, s);
    if (persisted(srv, s))
        moatd_persist_check(srv, moatd_store_session_delete(srv->store, s->client_id),
                          "session");
    if (!s->clean)
        srv->stats.sessions_persistent--;
    if (s->conn)
        s->conn->sess = NULL;
    moatd_dict_del(srv->sessions, s->client_id, strlen(s->client_id));
    moatd_dict_free(s->subs);
    free(s->flight);
    free(s->qos2_in);
    free(s->client_id);
    free(s);
}

/* ---- outgoing QoS 1/2 ---- */

static bool pid_in_use(const moatd_session *s, uint16_t pid)
{
    for (uint32_t i = 0; i < s->nflight; i++) {
        if (s->flight[i].pid == pid)
            return true;
    }
    return false;
}

/* MQTT-2.3.1-2: a packet id is unused until its flow completes; ids wrap and skip 0. */
static uint16_t next_pid(moatd_session *s)
{
    for (;;) {
        uint16_t p = s->next_pid++;
        if (s->next_pid == 0)
            s->next_pid = 1;
        if (p != 0 && !pid_in_use(s, p))
            return p;
    }
}

static moatd_flight *flight_push(moatd_session *s)
{
    if (s->nflight == s->capflight) {
        uint32_t c = s->capflight ? s->capflight * 2 : 8;
        moatd_flight *f = realloc(s->flight, c * sizeof(*f));
        if (f == NULL)
            return NULL;
        s->flight = f;
        s->capflight = c;
    }
    return &s->flight[s->nflight++];
}

static void send_flight(moatd_conn *c, const moatd_flight *f, bool dup)
{
    if (f->state == MOATD_MSG_SENT_PUBREL)
        moatd_conn_send_ack(c, MOAT_MQTT_PUBREL, f->pid);
    else
        moatd_conn_send_publish(c, f->msg, f->qos, f->pid, f->retain, dup);
}

/* Starts sending one message (takes the reference): assigns an id and records it in flight. */
static void start_flight(moatd_server *srv, moatd_session *s, moatd_msg *m, uint8_t qos,
                         bool retain, int64_t store_id)
{
    moatd_flight *f = flight_push(s);
    if (f == NULL) {
        moatd_msg_unref(m);
        srv->stats.msgs_dropped++;
        srv->stats.msgs_queued--;
        return;
    }
    *f = (moatd_flight){.msg = m, .store_id = store_id, .pid = next_pid(s), .qos = qos,
                        .state = MOATD_MSG_SENT_PUBLISH, .retain = retain};
    if (store_id && persisted(srv, s))
        moatd_persist_check(srv, moatd_store_msg_set_state(srv->store, store_id, f->pid,
                                                         MOATD_MSG_SENT_PUBLISH), "message");
    send_flight(s->conn, f, false);
}

/* Moves queued messages into flight while the client is online and has room. */
static void pump(moatd_server *srv, moatd_session *s)
{
    while (s->conn && s->q_head && s->nflight < srv->cfg.max_inflight) {
        moatd_qitem *q = s->q_head;
        s->q_head = q->next;
        if (s->q_head == NULL)
            s->q_tail = NULL;
        s->nqueued--;
        start_flight(srv, s, q->msg, q->qos, q->retain, q->store_id);
        free(q);
    }
}

static int64_t store_msg(moatd_server *srv, moatd_session *s, const moatd_msg *m, uint8_t qos,
                         bool retain)
{
    if (!persisted(srv, s))
        return 0;
    int64_t id = 0;
    moatd_store_msg sm = {.client_id = s->client_id, .topic = moatd_msg_topic(m),
                          .payload = m->payload, .payload_len = m->payload_len, .qos = qos,
                          .retain = retain, .state = MOATD_MSG_QUEUED};
    moatd_persist_check(srv, moatd_store_msg_add(srv->store, &sm, &id), "message");
    return id;
}

static void enqueue(moatd_server *srv, moatd_session *s, moatd_msg *m, uint8_t qos,
                    bool retain, int64_t store_id)
{
    moatd_qitem *q = malloc(sizeof(*q));
    if (q == NULL) {
        moatd_msg_unref(m);
        srv->stats.msgs_dropped++;
        return;
    }
    *q = (moatd_qitem){.msg = m, .store_id = store_id, .qos = qos, .retain = retain};
    if (s->q_tail)
        s->q_tail->next = q;
    else
        s->q_head = q;
    s->q_tail = q;
    s->nqueued++;
    srv->stats.msgs_queued++;
}

void moatd_session_deliver(moatd_server *srv, moatd_session *s, moatd_msg *m, uint8_t qos,
                           bool retain)
{
    moatd_conn *c = s->conn;
    if (qos == 0) {
        /* QoS 0 is never queued: offline clients miss it, a slow one drops it (counted) */
        if (c == NULL)
            return;
        if (c->out_bytes > srv->cfg.max_outgoing_bytes) {
            c->dropped++;
            srv->stats.msgs_dropped++;
            return;
        }
        moatd_conn_send_publish(c, m, 0, 0, retain, false);
        return;
    }
    bool room = c != NULL && s->nflight < srv->cfg.max_inflight && s->q_head == NULL;
    if (!room && s->nqueued >= srv->cfg.max_queued_messages) {
        srv->stats.msgs_dropped++; /* the per-client queue limit bounds memory */
        return;
    }
    if (!room && c == NULL && s->clean)
        return;
    int64_t id = store_msg(srv, s, m, qos, retain);
    if (room) {
        srv->stats.msgs_queued++;
        start_flight(srv, s, moatd_msg_ref(m), qos, retain, id);
    } else {
        enqueue(srv, s, moatd_msg_ref(m), qos, retain, id);
    }
}

void moatd_session_resume(moatd_server *srv, moatd_session *s)
{
    /* MQTT-4.4.0-1: resend unacknowledged PUBLISH (DUP set) and PUBREL, in order */
    for (uint32_t i = 0; i < s->nflight; i++)
        send_flight(s->conn, &s->flight[i], true);
    pump(srv, s);
}

static void flight_remove(moatd_server *srv, moatd_session *s, uint32_t i)
{
    moatd_flight *f = &s->flight[i];
    if (f->store_id && persisted(srv, s))
        moatd_persist_check(srv, moatd_store_msg_delete(srv->store, f->store_id), "message");
    moatd_msg_unref(f->msg);
    memmove(f, f + 1, (s->nflight - i - 1) * sizeof(*f));
    s->nflight--;
    srv->stats.msgs_queued--;
}

bool moatd_session_ack(moatd_server *srv, moatd_session *s, moat_mqtt_type type, uint16_t pid)
{
    for (uint32_t i = 0; i < s->nflight; i++) {
        moatd_flight *f = &s->flight[i];
        if (f->pid != pid)
            continue;
        bool want_rec = f->qos == 2 && f->state == MOATD_MSG_SENT_PUBLISH;
        if (type == MOAT_MQTT_PUBREC && want_rec) {
            f->state = MOATD_MSG_SENT_PUBREL;
            if (f->store_id && persisted(srv, s))
                moatd_persist_check(srv, moatd_store_msg_set_state(srv->store, f->store_id, pid,
                                                                 MOATD_MSG_SENT_PUBREL),
                                  "message");
            return true;
        }
        bool done = (type == MOAT_MQTT_PUBACK && f->qos == 1) ||
                    (type == MOAT_MQTT_PUBCOMP && f->state == MOATD_MSG_SENT_PUBREL);
        if (!done)
            return type == MOAT_MQTT_PUBREC; /* a repeated PUBREC is answered again */
        flight_remove(srv, s, i);
        pump(srv, s);
        return true;
    }
    return false;
}

/* ---- subscriptions ---- */

int moatd_session_subscribe(moatd_server *srv, moatd_session *s, const char *filter,
                            uint8_t qos)
{
    size_t len = strlen(filter);
    int rc = moatd_topics_subscribe(srv->topics, filter, len, &s->owner, qos);
    if (rc < 0)
        return -1;
    if (moatd_dict_set(s->subs, filter, len, (void *)(uintptr_t)(qos + 1)) == NULL) {
        moatd_topics_unsubscribe(srv->topics, filter, len, &s->owner);
        return -1;
    }
    if (rc == 1)
        srv->stats.subscriptions_count++;
    if (persisted(srv, s))
        moatd_persist_check(srv, moatd_store_sub_put(srv->store, s->client_id, filter, qos),
                          "subscription");
    return rc;
}

int moatd_session_unsubscribe(moatd_server *srv, moatd_session *s, const char *filter)
{
    size_t len = strlen(filter);
    if (moatd_dict_del(s->subs, filter, len) == NULL)
        return 0;
    moatd_topics_unsubscribe(srv->topics, filter, len, &s->owner);
    srv->stats.subscriptions_count--;
    if (persisted(srv, s))
        moatd_persist_check(srv, moatd_store_sub_delete(srv->store, s->client_id, filter),
                          "subscription");
    return 1;
}

/* ---- incoming QoS 2 ---- */

bool moatd_session_qos2_seen(const moatd_session *s, uint16_t pid)
{
    for (uint32_t i = 0; i < s->nqos2; i++) {
        if (s->qos2_in[i] == pid)
            return true;
    }
    return false;
}

static void qos2_push(moatd_session *s, uint16_t pid)
{
    if (s->nqos2 == s->capqos2) {
        uint32_t c = s->capqos2 ? s->capqos2 * 2 : 4;
        uint16_t *v = realloc(s->qos2_in, c * sizeof(*v));
        if (v == NULL)
            return;
        s->qos2_in = v;
        s->capqos2 = c;
    }
    s->qos2_in[s->nqos2++] = pid;
}

void moatd_session_qos2_add(moatd_server *srv, moatd_session *s, uint16_t pid)
{
    qos2_push(s, pid);
    if (persisted(srv, s))
        moatd_persist_check(srv, moatd_store_qos2_in_put(srv->store, s->client_id, pid), "qos2");
}

void moatd_session_qos2_del(moatd_server *srv, moatd_session *s, uint16_t pid)
{
    for (uint32_t i = 0; i < s->nqos2; i++) {
        if (s->qos2_in[i] != pid)
            continue;
        s->qos2_in[i] = s->qos2_in[--s->nqos2];
        if (persisted(srv, s))
            moatd_persist_check(srv, moatd_store_qos2_in_delete(srv->store, s->client_id, pid),
                              "qos2");
        return;
    }
}

/* ---- expiry ---- */

/* Destroys offline persistent sessions older than session_expiry (AWS: 1 hour by default). */
void moatd_session_expire(moatd_server *srv, int64_t now)
{
    uint32_t ttl = srv->cfg.session_expiry;
    size_t n = 0, cap = moatd_dict_count(srv->sessions);
    if (ttl == 0 || cap == 0)
        return;
    moatd_session **victims = malloc(cap * sizeof(*victims));
    if (victims == NULL)
        return;
    size_t b = 0;
    for (moatd_dict_entry *e = moatd_dict_next(srv->sessions, &b, NULL); e;
         e = moatd_dict_next(srv->sessions, &b, e)) {
        moatd_session *s = e->value;
        if (s->conn == NULL && !s->clean && now - s->last_seen > (int64_t)ttl)
            victims[n++] = s;
    }
    for (size_t i = 0; i < n; i++) {
        moatd_log(MOATD_LOG_INFO, "expire", "client", victims[i]->client_id, "reason",
                  "persistent session unused for longer than session_expiry", NULL);
        moatd_session_destroy(srv, victims[i]);
    }
    free(victims);
}

/* ---- loading from the store ---- */

static bool load_session(void *ctx, const char *client_id, int64_t last_seen)
{
    moatd_session *s = moatd_session_create(ctx, client_id, false);
    if (s)
        s->last_seen = last_seen;
    return s != NULL;
}

static bool load_sub(void *ctx, const char *client_id, const char *filter, uint8_t qos)
{
    moatd_server *srv = ctx;
    moatd_session *s = moatd_session_get(srv, client_id);
    if (s == NULL)
        return true; /* a row without its session: ignore */
    moatd_store *st = srv->store;
    srv->store = NULL; /* already stored: do not write it back */
    int rc = moatd_session_subscribe(srv, s, filter, qos);
    srv->store = st;
    return rc >= 0;
}

static bool load_msg(void *ctx, const moatd_store_msg *sm)
{
    moatd_server *srv = ctx;
    moatd_session *s = moatd_session_get(srv, sm->client_id);
    if (s == NULL)
        return true;
    moatd_msg *m = moatd_msg_new((const uint8_t *)sm->topic, strlen(sm->topic), sm->payload,
                                 sm->payload_len, sm->qos, sm->retain);
    if (m == NULL)
        return false;
    if (sm->state == MOATD_MSG_QUEUED) {
        enqueue(srv, s, m, sm->qos, sm->retain, sm->id);
        return true;
    }
    moatd_flight *f = flight_push(s);
    if (f == NULL) {
        moatd_msg_unref(m);
        return false;
    }
    *f = (moatd_flight){.msg = m, .store_id = sm->id, .pid = sm->packet_id, .qos = sm->qos,
                        .state = (uint8_t)sm->state, .retain = sm->retain};
    srv->stats.msgs_queued++;
    return true;
}

static bool load_qos2(void *ctx, const char *client_id, uint16_t pid)
{
    moatd_session *s = moatd_session_get(ctx, client_id);
    if (s)
        qos2_push(s, pid);
    return true;
}

static bool load_retained(void *ctx, const char *topic, const uint8_t *payload, size_t len,
                          uint8_t qos)
{
    moatd_server *srv = ctx;
    moatd_msg *m = moatd_msg_new((const uint8_t *)topic, strlen(topic), payload, len, qos, true);
    if (m == NULL || moatd_dict_set(srv->retained, topic, strlen(topic), m) == NULL) {
        moatd_msg_unref(m);
        return false;
    }
    srv->stats.retained_count++;
    return true;
}

int moatd_session_load_all(moatd_server *srv, char *err, size_t errlen)
{
    moatd_store *st = srv->store;
    moatd_store_status rc = moatd_store_load_sessions(st, load_session, srv);
    if (rc == MOATD_STORE_OK)
        rc = moatd_store_load_subs(st, load_sub, srv);
    if (rc == MOATD_STORE_OK)
        rc = moatd_store_load_msgs(st, load_msg, srv);
    if (rc == MOATD_STORE_OK)
        rc = moatd_store_load_qos2_in(st, load_qos2, srv);
    if (rc == MOATD_STORE_OK)
        rc = moatd_store_load_retained(st, load_retained, srv);
    if (rc != MOATD_STORE_OK) {
        snprintf(err, errlen, "loading the store failed: %s (%s)", moatd_store_strerror(rc),
                 moatd_store_errmsg(st));
        return -1;
    }
    return 0;
}

void moatd_session_free_all(moatd_server *srv)
{
    moatd_store *st = srv->store;
    srv->store = NULL; /* freeing memory is not deleting sessions */
    size_t b = 0;
    moatd_dict_entry *e;
    while ((b = 0, e = moatd_dict_next(srv->sessions, &b, NULL)) != NULL)
        moatd_session_destroy(srv, e->value);
    srv->store = st;
}
