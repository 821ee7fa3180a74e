/* broker/proto_connect.c - CONNECT: client id rules, authentication hook, keep-alive, session
 * takeover/creation/resumption and the CONNACK (MQTT 3.1.1 section 3.1 and 3.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/log.h"
#include "broker/server.h"

static void send_connack(moatd_conn *c, bool present, uint8_t code)
{
    uint8_t b[4];
    size_t n;
    moat_mqtt_connack ack = {.session_present = present, .return_code = code};
    moat_mqtt_encode_connack(b, sizeof(b), &ack, &n);
    moatd_conn_send_raw(c, b, n);
}

/* Refuses a CONNECT: with a CONNACK code (then close once it is written), or, as AWS IoT does,
 * by closing without any answer when code < 0. */
static bool refuse(moatd_conn *c, int code, const char *client_id, const char *reason)
{
    moatd_server *srv = c->srv;
    srv->stats.connections_refused++;
    moatd_log_deny(client_id, c->addr, "connect", client_id, reason);
    if (code < 0) {
        moatd_conn_close(c, reason, false);
        return false;
    }
    send_connack(c, false, (uint8_t)code);
    c->close_after_flush = true;
    return false;
}

/* MQTT-3.1.3-6/-7: an empty id with clean session gets one from the server. */
static void pick_client_id(moatd_conn *c, const moat_mqtt_connect *p, char *id, size_t cap)
{
    if (p->client_id.len == 0)
        snprintf(id, cap, "moatd-auto-%llu", (unsigned long long)c->id);
    else
        snprintf(id, cap, "%.*s", (int)p->client_id.len, (const char *)p->client_id.data);
}

static bool run_auth(moatd_conn *c, const moat_mqtt_connect *p, const char *id)
{
    moatd_server *srv = c->srv;
    if (srv->auth.on_connect == NULL)
        return true;
    moatd_conn_info info;
    moatd_conn_info_fill(c, &info);
    info.client_id = id;
    moatd_auth_decision d = {.verdict = MOATD_AUTH_ALLOW};
    srv->auth.on_connect(srv->auth.ctx, &info, p, &d);
    c->auth_data = info.auth_data;
    if (d.verdict == MOATD_AUTH_ALLOW)
        return true;
    srv->stats.denials++;
    return refuse(c, d.verdict == MOATD_AUTH_DENY_CLOSE ? -1 : d.connack_code, id,
                  d.reason[0] ? d.reason : "denied by the auth layer");
}

/* Finds, replaces or creates the session for id; *present says whether state was resumed. */
static moatd_session *take_session(moatd_conn *c, const char *id, bool clean, bool *present)
{
    moatd_server *srv = c->srv;
    moatd_session *s = moatd_session_get(srv, id);
    if (s && s->conn) {
        /* MQTT-3.1.4-2: the existing connection of this client id is closed (its will is
         * published, as the close is not a DISCONNECT); AWS: DUPLICATE_CLIENTID */
        moatd_log(MOATD_LOG_INFO, "takeover", "client", id, "old", s->conn->addr, "new",
                  c->addr, NULL);
        moatd_conn_close(s->conn, "client id taken over by a newer connection", false);
        s = moatd_session_get(srv, id); /* a clean session died with its connection */
    }
    *present = false;
    if (s && clean) {
        moatd_session_destroy(srv, s); /* MQTT-3.1.2-6: discard any previous session */
        s = NULL;
    }
    if (s) {
        *present = true; /* MQTT-3.2.2-2 */
        return s;
    }
    s = moatd_session_create(srv, id, clean);
    if (s && !clean && srv->store)
        moatd_persist_check(srv, moatd_store_session_put(srv->store, id, (int64_t)time(NULL)),
                          "session");
    return s;
}

static bool check_will(moatd_conn *c, const moat_mqtt_connect *p, const char *id)
{
    moatd_server *srv = c->srv;
    if (!p->has_will)
        return true;
    if (p->will_qos == 2 && !srv->rules.allow_qos2)
        return refuse(c, -1, id, "will QoS 2 is not supported by AWS IoT Core (profile aws); "
                                 "use will QoS 0 or 1, or run moatd --profile mqtt");
    char topic[65536 + 1];
    snprintf(topic, sizeof(topic), "%.*s", (int)p->will_topic.len,
             (const char *)p->will_topic.data);
    if (!moatd_authorize(srv, c, MOATD_ACT_PUBLISH, topic))
        return refuse(c, -1, id, "not authorised to publish to the will topic");
    return true;
}

static void log_connect(const moatd_conn *c, const char *id, const moat_mqtt_connect *p,
                        uint32_t ka, bool present)
{
    char kab[24];
    moatd_log(MOATD_LOG_INFO, "connect", "client", id, "addr", c->addr, "clean",
              p->clean_session ? "1" : "0", "keepalive", moatd_log_num(kab, ka),
              "session_present", present ? "1" : "0", "tls", c->ssl ? "1" : "0", "sni", c->sni,
              NULL);
}

bool moatd_handle_connect(moatd_conn *c, const moat_mqtt_connect *p)
{
    moatd_server *srv = c->srv;
    char id[65536 + 32];
    char reason[256];
    pick_client_id(c, p, id, sizeof(id));
    if (p->client_id.len == 0 && !p->clean_session)
        return refuse(c, MOAT_MQTT_CONNACK_IDENTIFIER_REJECTED, id,
                      "empty client id needs clean session = 1 (MQTT-3.1.3-8)");
    int code = moatd_rules_client_id(&srv->rules, p, reason);
    if (code >= 0)
        return refuse(c, srv->rules.aws ? -1 : code, id, reason);
    if (!run_auth(c, p, id) || !check_will(c, p, id))
        return false;
    if (!moatd_authorize(srv, c, MOATD_ACT_CONNECT, id))
        return refuse(c, srv->rules.aws ? -1 : MOAT_MQTT_CONNACK_NOT_AUTHORIZED, id,
                      "not authorised to connect with this client id");
    bool present;
    moatd_session *s = take_session(c, id, p->clean_session, &present);
    if (s == NULL)
        return refuse(c, MOAT_MQTT_CONNACK_SERVER_UNAVAILABLE, id, "out of memory");
    uint32_t ka = moatd_rules_keepalive(&srv->rules, p->keep_alive_s);
    c->keepalive_ms = (int64_t)ka * 1500; /* MQTT-3.1.2-24: one and a half times */
    s->conn = c;
    c->sess = s;
    c->connected = true;
    srv->stats.clients_connected++;
    if (!moatd_will_set(c, p)) {
        moatd_conn_close(c, "out of memory", false);
        return false;
    }
    send_connack(c, present, MOAT_MQTT_CONNACK_ACCEPTED);
    log_connect(c, id, p, ka, present);
    if (present)
        moatd_session_resume(srv, s);
    return true;
}
