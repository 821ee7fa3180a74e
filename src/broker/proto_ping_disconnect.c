/* broker/proto_ping_disconnect.c - PINGREQ (keep-alive traffic) and DISCONNECT (the clean
 * close that discards the will, MQTT-3.14.4-3). */
#include "broker/server.h"

bool moatd_handle_pingreq(moatd_conn *c)
{
    uint8_t b[2];
    size_t n;
    moat_mqtt_encode_empty(b, sizeof(b), MOAT_MQTT_PINGRESP, &n);
    moatd_conn_send_raw(c, b, n); /* MQTT-3.12.4-1 */
    return true;
}

bool moatd_handle_disconnect(moatd_conn *c)
{
    moatd_will_clear(c); /* MQTT-3.14.4-3: no will after a DISCONNECT */
    moatd_conn_close(c, "client sent DISCONNECT", true);
    return false;
}
