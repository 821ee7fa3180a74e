/* broker/proto_publish.c - PUBLISH in (QoS 0/1/2 flows, MQTT 3.1.1 section 4.3), routing a
 * message to subscribers and services, and the acknowledgements PUBACK/PUBREC/PUBREL/PUBCOMP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/log.h"
#include "broker/server.h"

moatd_msg *moatd_msg_new(const uint8_t *topic, size_t topic_len, const uint8_t *payload,
                         size_t payload_len, uint8_t qos, bool retain)
{
    moatd_msg *m = malloc(sizeof(*m) + 2 + topic_len + 1 + payload_len);
    if (m == NULL)
        return NULL;
    m->refs = 1;
    m->qos = qos;
    m->retain = retain;
    m->topic_len = (uint16_t)topic_len;
    m->topic_enc[0] = (uint8_t)(topic_len >> 8);
    m->topic_enc[1] = (uint8_t)topic_len;
    memcpy(m->topic_enc + 2, topic, topic_len);
    m->topic_enc[2 + topic_len] = '\0';
    m->payload = m->topic_enc + 2 + topic_len + 1;
    m->payload_len = payload_len;
    if (payload_len)
        memcpy(m->payload, payload, payload_len);
    return m;
}

void moatd_msg_unref(moatd_msg *m)
{
    if (m && --m->refs == 0)
        free(m);
}

static void call_service(moatd_service_sub *svc, const moatd_msg *m, uint8_t qos,
                         const moatd_conn *from)
{
    moatd_conn_info info;
    if (from)
        moatd_conn_info_fill(from, &info);
    moatd_service_msg sm = {.topic = moatd_msg_topic(m), .payload = m->payload,
                            .payload_len = m->payload_len, .qos = qos, .retain = m->retain,
                            .from = from ? &info : NULL};
    svc->cb(svc->ctx, &sm);
}

static void route(moatd_server *srv, moatd_msg *m, const moatd_conn *from)
{
    if (moatd_topics_match(srv->topics, moatd_msg_topic(m), m->topic_len, &srv->matches) < 0) {
        moatd_logf(MOATD_LOG_ERROR, "route", "out of memory routing %s", moatd_msg_topic(m));
        return;
    }
    /* A service callback may publish (and re-enter the tree): work on a copy of the set. */
    size_t n = srv->matches.n;
    if (n == 0)
        return;
    moatd_match local[64];
    moatd_match *v = n <= 64 ? local : malloc(n * sizeof(*v));
    if (v == NULL)
        return;
    memcpy(v, srv->matches.v, n * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        uint8_t qos = v[i].qos < m->qos ? v[i].qos : m->qos; /* MQTT-3.8.4-6 */
        if (((moatd_session *)v[i].owner)->is_service) {
            call_service((moatd_service_sub *)v[i].owner, m, qos, from);
            continue;
        }
        moatd_session *s = (moatd_session *)v[i].owner;
        if (srv->auth.authorize && s->conn &&
            !moatd_authorize(srv, s->conn, MOATD_ACT_RECEIVE, moatd_msg_topic(m)))
            continue;
        moatd_session_deliver(srv, s, m, qos, false); /* MQTT-3.3.1-9: retain 0 when live */
    }
    if (v != local)
        free(v);
}

void moatd_publish(moatd_server *srv, moatd_msg *m, const moatd_conn *from)
{
    srv->stats.msgs_received++;
    if (m->retain)
        moatd_retain_update(srv, m);
    route(srv, m, from);
}

/* Makes the shared message of a PUBLISH and publishes it. */
static void publish_msg(moatd_server *srv, const moat_mqtt_publish *p, const moatd_conn *from)
{
    moatd_msg *m = moatd_msg_new(p->topic.data, p->topic.len, p->payload, p->payload_len,
                                 p->qos, p->retain);
    if (m == NULL) {
        moatd_logf(MOATD_LOG_ERROR, "publish", "out of memory for a message");
        return;
    }
    moatd_publish(srv, m, from);
    moatd_msg_unref(m);
}

static bool check_publish(moatd_conn *c, const moat_mqtt_publish *p)
{
    moatd_server *srv = c->srv;
    char reason[256];
    if (!moatd_rules_publish(srv, p, reason)) {
        moatd_conn_refuse(c, "publish", reason);
        return false;
    }
    if (srv->auth.authorize == NULL)
        return true;
    char topic[65536];
    snprintf(topic, sizeof(topic), "%.*s", (int)p->topic.len, (const char *)p->topic.data);
    if (!moatd_authorize(srv, c, MOATD_ACT_PUBLISH, topic) ||
        (p->retain && !moatd_authorize(srv, c, MOATD_ACT_RETAIN, topic))) {
        /* AWS IoT closes the connection on an unauthorised publish */
        moatd_conn_close(c, "publish not authorised", false);
        return false;
    }
    return true;
}

bool moatd_handle_publish(moatd_conn *c, const moat_mqtt_publish *p)
{
    moatd_server *srv = c->srv;
    if (!check_publish(c, p))
        return false;
    if (p->qos == 2) {
        /* MQTT-4.3.3-2 (method A): publish on the first PUBLISH, remember the id until PUBREL
         * so a DUP retransmission is not published twice */
        if (!moatd_session_qos2_seen(c->sess, p->packet_id)) {
            moatd_session_qos2_add(srv, c->sess, p->packet_id);
            publish_msg(srv, p, c);
        }
        moatd_conn_send_ack(c, MOAT_MQTT_PUBREC, p->packet_id);
        return !c->dead;
    }
    publish_msg(srv, p, c);
    if (p->qos == 1)
        moatd_conn_send_ack(c, MOAT_MQTT_PUBACK, p->packet_id); /* MQTT-4.3.2-2 */
    return !c->dead;
}

bool moatd_handle_pubrel(moatd_conn *c, uint16_t pid)
{
    moatd_session_qos2_del(c->srv, c->sess, pid);
    moatd_conn_send_ack(c, MOAT_MQTT_PUBCOMP, pid); /* MQTT-4.3.3-2: even for an unknown id */
    return true;
}

bool moatd_handle_puback(moatd_conn *c, moat_mqtt_type type, uint16_t pid)
{
    moatd_server *srv = c->srv;
    bool known = moatd_session_ack(srv, c->sess, type, pid);
    if (type == MOAT_MQTT_PUBREC) {
        /* MQTT-4.3.3-1: answer PUBREC with PUBREL (also for a repeated PUBREC) */
        moatd_conn_send_ack(c, MOAT_MQTT_PUBREL, pid);
    }
    if (!known)
        moatd_log(MOATD_LOG_DEBUG, "ack", "client", c->sess->client_id, "type",
                  moat_mqtt_type_name(type), "msg", "ack for an unknown packet id", NULL);
    return true;
}

int moatd_service_publish(moatd_server *srv, const char *topic, const uint8_t *payload,
                          size_t len, uint8_t qos, bool retain)
{
    size_t tl = strlen(topic);
    if (tl > 65535 || moat_mqtt_validate_topic_name((const uint8_t *)topic, tl) != MOAT_MQTT_OK)
        return -1;
    moat_mqtt_publish p = {.topic = {(const uint8_t *)topic, (uint16_t)tl}, .payload = payload,
                           .payload_len = len, .qos = qos > 2 ? 2 : qos, .retain = retain};
    publish_msg(srv, &p, NULL);
    return 0;
}
