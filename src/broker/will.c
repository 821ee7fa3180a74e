/* broker/will.c - the last will: copied at CONNECT, published on any close that is not a
 * DISCONNECT (connection lost, keep-alive expiry, takeover, protocol error; MQTT-3.1.2-8). */
#include "broker/log.h"
#include "broker/server.h"

bool moatd_will_set(moatd_conn *c, const moat_mqtt_connect *p)
{
    if (!p->has_will)
        return true;
    c->will = moatd_msg_new(p->will_topic.data, p->will_topic.len, p->will_payload.data,
                            p->will_payload.len, p->will_qos, p->will_retain);
    return c->will != NULL;
}

void moatd_will_publish(moatd_conn *c)
{
    moatd_msg *m = c->will;
    if (m == NULL || c->srv->stopping)
        return;
    c->will = NULL;
    moatd_log(MOATD_LOG_INFO, "will", "client", c->sess ? c->sess->client_id : NULL, "topic",
              moatd_msg_topic(m), NULL);
    moatd_publish(c->srv, m, c); /* retained if the will says so (MQTT-3.1.2-17) */
    moatd_msg_unref(m);
}

void moatd_will_clear(moatd_conn *c)
{
    moatd_msg_unref(c->will);
    c->will = NULL;
}
