/* broker/proto_subscribe.c - SUBSCRIBE and UNSUBSCRIBE: profile checks and authorisation per
 * filter, SUBACK/UNSUBACK, and the retained messages a new subscription receives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/log.h"
#include "broker/server.h"

#define MAX_FILTERS_PER_PACKET 4096

static void filter_copy(const moat_mqtt_sub_entry *e, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", (int)e->filter.len, (const char *)e->filter.data);
}

/* Decides the granted QoS of one entry; false = the connection must close. */
static bool grant_one(moatd_conn *c, const moat_mqtt_sub_entry *e, const char *filter,
                      uint8_t *grant)
{
    char reason[256];
    if (!moatd_rules_subscribe(&c->srv->rules, e, grant, reason)) {
        moatd_conn_refuse(c, "subscribe", reason);
        return false;
    }
    if (*grant != MOAT_MQTT_SUBACK_FAILURE &&
        !moatd_authorize(c->srv, c, MOATD_ACT_SUBSCRIBE, filter))
        *grant = MOAT_MQTT_SUBACK_FAILURE; /* MQTT-3.9.3: 0x80 for a refused filter */
    return true;
}

static void send_suback(moatd_conn *c, uint16_t pid, const uint8_t *codes, size_t n)
{
    size_t cap = 8 + n, len;
    uint8_t local[64];
    uint8_t *b = cap <= sizeof(local) ? local : malloc(cap);
    if (b == NULL)
        return;
    if (moat_mqtt_encode_suback(b, cap, pid, codes, n, &len) == MOAT_MQTT_OK)
        moatd_conn_send_raw(c, b, len);
    if (b != local)
        free(b);
}

/* AWS IoT quotas: 8 filters per SUBSCRIBE (more: the connection is closed) and 50
 * subscriptions per connection (more: SUBACK 0x80 for the extra filters). */
static bool within_filter_limit(moatd_conn *c, const moat_mqtt_subscribe *s)
{
    uint32_t max = c->srv->rules.max_filters_per_subscribe;
    if (max == 0 || s->count <= max)
        return true;
    char reason[160];
    snprintf(reason, sizeof(reason), "SUBSCRIBE with %u topic filters; AWS IoT allows at most "
             "%u per SUBSCRIBE: split it", s->count, max);
    moatd_conn_refuse(c, "subscribe", reason);
    return false;
}

static bool room_for(const moatd_conn *c, const char *filter)
{
    uint32_t max = c->srv->rules.max_subscriptions;
    return max == 0 || moatd_dict_count(c->sess->subs) < max ||
           moatd_dict_get(c->sess->subs, filter, strlen(filter)) != NULL;
}

bool moatd_handle_subscribe(moatd_conn *c, const moat_mqtt_subscribe *s)
{
    moatd_server *srv = c->srv;
    if (!within_filter_limit(c, s))
        return false;
    uint8_t codes[MAX_FILTERS_PER_PACKET];
    char filter[65536];
    size_t cur = 0, n = 0;
    moat_mqtt_sub_entry e;
    while (n < MAX_FILTERS_PER_PACKET && moat_mqtt_sub_next(s, true, &cur, &e)) {
        filter_copy(&e, filter, sizeof(filter));
        if (!grant_one(c, &e, filter, &codes[n]))
            return false;
        if (!room_for(c, filter))
            codes[n] = MOAT_MQTT_SUBACK_FAILURE;
        if (codes[n] != MOAT_MQTT_SUBACK_FAILURE &&
            moatd_session_subscribe(srv, c->sess, filter, codes[n]) < 0)
            codes[n] = MOAT_MQTT_SUBACK_FAILURE;
        moatd_log(MOATD_LOG_DEBUG, "subscribe", "client", c->sess->client_id, "filter",
                  filter, NULL);
        n++;
    }
    /* MQTT-3.8.4-1: SUBACK before the retained messages it causes */
    send_suback(c, s->packet_id, codes, n);
    cur = 0;
    for (size_t i = 0; i < n && moat_mqtt_sub_next(s, true, &cur, &e); i++) {
        if (codes[i] == MOAT_MQTT_SUBACK_FAILURE)
            continue;
        filter_copy(&e, filter, sizeof(filter));
        moatd_retain_deliver(srv, c->sess, filter, codes[i]); /* MQTT-3.3.1-6 */
    }
    return !c->dead;
}

bool moatd_handle_unsubscribe(moatd_conn *c, const moat_mqtt_subscribe *s)
{
    char filter[65536];
    size_t cur = 0;
    moat_mqtt_sub_entry e;
    while (moat_mqtt_sub_next(s, false, &cur, &e)) {
        filter_copy(&e, filter, sizeof(filter));
        moatd_session_unsubscribe(c->srv, c->sess, filter);
    }
    /* MQTT-3.10.4-4: UNSUBACK even if nothing matched */
    moatd_conn_send_ack(c, MOAT_MQTT_UNSUBACK, s->packet_id);
    return true;
}
