/* broker/profile.c - the rules that differ between the aws profile (AWS IoT Core behaviour,
 * reference: AWS IoT developer guide "differences from MQTT") and plain MQTT 3.1.1. */
#include <stdio.h>
#include <string.h>

#include "broker/server.h"

#define AWS_MAX_PAYLOAD (128u * 1024u) /* "128 KB per PUBLISH" */
#define AWS_MAX_TOPIC 256u             /* topic names up to 256 bytes */
#define AWS_MAX_SLASHES 7              /* ... with at most 7 forward slashes */
#define AWS_MAX_FILTERS 8              /* topic filters per SUBSCRIBE */
#define AWS_MAX_SUBS 50                /* subscriptions per connection */

void moatd_rules_init(moatd_rules *r, const moatd_config *cfg)
{
    bool aws = cfg->profile == MOATD_PROFILE_AWS;
    memset(r, 0, sizeof(*r));
    r->aws = aws;
    r->allow_qos2 = !aws;
    r->hash_matches_parent = !aws;
    r->retained_exact_only = aws;
    r->reserved_dollar = aws;
    r->dollar_client_id_refused = aws;
    r->keepalive_zero_is_max = aws;
    r->max_payload = aws ? AWS_MAX_PAYLOAD : 0;
    r->max_topic_len = aws ? AWS_MAX_TOPIC : 0;
    r->max_topic_slashes = aws ? AWS_MAX_SLASHES : -1;
    r->max_filters_per_subscribe = aws ? AWS_MAX_FILTERS : 0;
    r->max_subscriptions = aws ? AWS_MAX_SUBS : 0;
    r->keepalive_min = cfg->keepalive_min;
    r->keepalive_max = cfg->keepalive_max;
    r->client_id_max = cfg->client_id_max;
}

uint32_t moatd_rules_keepalive(const moatd_rules *r, uint16_t requested)
{
    if (requested == 0)
        return r->keepalive_zero_is_max ? r->keepalive_max : 0; /* AWS: 0 -> 1200 s */
    if (r->keepalive_min && requested < r->keepalive_min)
        return r->keepalive_min; /* AWS: "any value less than 30 is treated as 30" */
    if (r->keepalive_max && requested > r->keepalive_max)
        return r->keepalive_max;
    return requested;
}

int moatd_rules_client_id(const moatd_rules *r, const moat_mqtt_connect *c, char reason[256])
{
    if (r->client_id_max && c->client_id.len > r->client_id_max) {
        snprintf(reason, 256, "client id is %u bytes, longer than the %u allowed%s",
                 c->client_id.len, r->client_id_max,
                 r->aws ? " (AWS IoT: 128 bytes)" : "; raise client_id_max");
        return MOAT_MQTT_CONNACK_IDENTIFIER_REJECTED;
    }
    if (r->dollar_client_id_refused && c->client_id.len > 0 && c->client_id.data[0] == '$') {
        snprintf(reason, 256, "client ids starting with '$' are reserved by AWS IoT; "
                              "pick another id or run --profile mqtt");
        return MOAT_MQTT_CONNACK_IDENTIFIER_REJECTED;
    }
    return -1;
}

static int count_slashes(const uint8_t *s, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '/';
    return k;
}

/* AWS: clients may publish to a '$' topic only where a service defines it (a service
 * subscription matches it); everything else under '$' is reserved. */
static bool reserved_ok(const moatd_server *srv, const moat_mqtt_publish *p, char reason[256])
{
    if (!srv->rules.reserved_dollar || p->topic.len == 0 || p->topic.data[0] != '$')
        return true;
    for (const moatd_service_sub *s = srv->services; s; s = s->next) {
        if (moatd_topic_filter_matches(false, s->filter, strlen(s->filter),
                                       (const char *)p->topic.data, p->topic.len))
            return true;
    }
    snprintf(reason, 256, "publish to reserved topic '%.*s' refused: no moatd service defines "
             "it (AWS IoT reserves '$' topics; only defined $aws/ topics accept publishes)",
             (int)(p->topic.len > 120 ? 120 : p->topic.len), (const char *)p->topic.data);
    return false;
}

bool moatd_rules_publish(const moatd_server *srv, const moat_mqtt_publish *p,
                         char reason[256])
{
    const moatd_rules *r = &srv->rules;
    if (p->qos == 2 && !r->allow_qos2) {
        snprintf(reason, 256, "QoS 2 PUBLISH refused: AWS IoT Core supports QoS 0 and 1 only "
                              "(profile aws); publish with QoS 1 or run --profile mqtt");
        return false;
    }
    if (r->max_payload && p->payload_len > r->max_payload) {
        snprintf(reason, 256, "payload of %zu bytes exceeds the %zu-byte limit (AWS IoT: "
                 "128 KB); split the message", p->payload_len, r->max_payload);
        return false;
    }
    if ((r->max_topic_len && p->topic.len > r->max_topic_len) ||
        (r->max_topic_slashes >= 0 &&
         count_slashes(p->topic.data, p->topic.len) > r->max_topic_slashes)) {
        snprintf(reason, 256, "topic exceeds the AWS IoT limits (256 bytes, 7 slashes)");
        return false;
    }
    return reserved_ok(srv, p, reason);
}

bool moatd_rules_subscribe(const moatd_rules *r, const moat_mqtt_sub_entry *e, uint8_t *grant,
                           char reason[256])
{
    *grant = e->qos;
    if (e->qos == 2 && !r->allow_qos2) {
        /* AWS IoT: "When QoS level 2 is requested, the message broker doesn't send a
         * PUBACK or SUBACK"; moatd closes so the client is not left waiting */
        snprintf(reason, 256, "QoS 2 SUBSCRIBE refused: AWS IoT Core supports QoS 0 and 1 "
                              "only (profile aws); subscribe with QoS 1 or run --profile mqtt");
        return false;
    }
    if ((r->max_topic_len && e->filter.len > r->max_topic_len) ||
        (r->max_topic_slashes >= 0 &&
         count_slashes(e->filter.data, e->filter.len) > r->max_topic_slashes))
        *grant = MOAT_MQTT_SUBACK_FAILURE;
    return true;
}
