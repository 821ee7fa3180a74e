/* test_session_flows.c - the broker's session behaviour driven through in-memory connections:
 * bytes in as a client would send them, packets out as the client would read them. Covers
 * queues and in-flight limits, retransmission, QoS 2 dedupe, takeover, services and auth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/log.h"
#include "broker/server.h"
#include "moat_peer.h"

static moatd_server *new_server(moatd_profile profile, uint32_t inflight, uint32_t queued,
                                size_t out_limit)
{
    moatd_config cfg;
    char err[256];
    moatd_config_defaults(&cfg, profile);
    assert_int_equal(moatd_config_finish(&cfg, err, sizeof(err)), MOATD_CONFIG_OK);
    cfg.data_dir[0] = '\0';
    cfg.max_inflight = inflight;
    cfg.max_queued_messages = queued;
    cfg.max_outgoing_bytes = out_limit;
    moatd_server *srv = moatd_server_create(&cfg);
    assert_non_null(srv);
    return srv;
}

static void feed(moatd_conn *c, const uint8_t *b, size_t n)
{
    moatd_conn_input(c, b, n);
}

static void end_iter(moatd_server *srv)
{
    moatd_server_end_iteration(srv);
}

static moatd_conn *client(moatd_server *srv, const char *id, bool clean)
{
    moatd_conn *c = moatd_conn_new(srv, -1, NULL, "test");
    uint8_t b[256];
    size_t n;
    moat_mqtt_connect cp = {.client_id = {(const uint8_t *)id, (uint16_t)strlen(id)},
                            .keep_alive_s = 60, .clean_session = clean};
    assert_int_equal(moat_mqtt_encode_connect(b, sizeof(b), &cp, &n), MOAT_MQTT_OK);
    feed(c, b, n);
    return c;
}

static void subscribe(moatd_conn *c, const char *filter, uint8_t qos)
{
    uint8_t b[256];
    size_t n;
    moat_mqtt_sub_entry e = {.filter = {(const uint8_t *)filter, (uint16_t)strlen(filter)},
                             .qos = qos};
    assert_int_equal(moat_mqtt_encode_subscribe(b, sizeof(b), 1, &e, 1, &n), MOAT_MQTT_OK);
    feed(c, b, n);
}

static void publish(moatd_conn *c, const char *topic, const char *payload, uint8_t qos,
                    uint16_t pid, bool dup)
{
    uint8_t b[512];
    size_t n;
    moat_mqtt_publish p = {.topic = {(const uint8_t *)topic, (uint16_t)strlen(topic)},
                           .payload = (const uint8_t *)payload, .payload_len = strlen(payload),
                           .qos = qos, .packet_id = qos ? pid : 0, .dup = dup};
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof(b), &p, &n), MOAT_MQTT_OK);
    feed(c, b, n);
}

static void ack(moatd_conn *c, moat_mqtt_type t, uint16_t pid)
{
    uint8_t b[4];
    size_t n;
    moat_mqtt_encode_ack(b, sizeof(b), t, pid, &n);
    feed(c, b, n);
}

/* Decodes the packets c received since the last call; fills up to max of them. */
static size_t received(moatd_conn *c, size_t *cursor, moat_mqtt_packet *out, size_t max)
{
    size_t k = 0;
    while (*cursor < c->mem_len && k < max) {
        moat_mqtt_status st = moat_mqtt_decode(c->mem_buf + *cursor, c->mem_len - *cursor,
                                               1 << 20, &out[k]);
        assert_int_equal(st, MOAT_MQTT_OK);
        *cursor += out[k].header.packet_len;
        k++;
    }
    return k;
}

/* Counts PUBLISH packets among the packets received since the last call. */
static size_t publishes(moatd_conn *c, size_t *cursor, moat_mqtt_publish *last)
{
    moat_mqtt_packet p[64];
    size_t n = received(c, cursor, p, 64), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].header.type == MOAT_MQTT_PUBLISH) {
            k++;
            if (last)
                *last = p[i].u.publish;
        }
    }
    return k;
}

static int quiet(void **state)
{
    char err[64];
    (void)state;
    return moatd_log_open(MOATD_LOG_TEXT, MOATD_LOG_ERROR, NULL, err, sizeof(err));
}

static void test_connect_is_answered_with_connack_accepted(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    moatd_conn *c = client(srv, "c1", true);
    end_iter(srv);
    size_t cur = 0;
    moat_mqtt_packet p[4];
    assert_int_equal(received(c, &cur, p, 4), 1);
    assert_int_equal(p[0].header.type, MOAT_MQTT_CONNACK);
    assert_int_equal(p[0].u.connack.return_code, 0);
    assert_false(p[0].u.connack.session_present);
    moatd_server_free(srv);
}

static void test_qos1_beyond_inflight_waits_for_puback(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 2, 10, 1 << 20);
    moatd_conn *s = client(srv, "sub", true), *p = client(srv, "pub", true);
    subscribe(s, "t", 1);
    end_iter(srv);
    size_t cur = 0;
    publishes(s, &cur, NULL);
    publish(p, "t", "1", 1, 1, false);
    publish(p, "t", "2", 1, 2, false);
    publish(p, "t", "3", 1, 3, false);
    end_iter(srv);
    moat_mqtt_publish last;
    assert_int_equal(publishes(s, &cur, &last), 2);
    ack(s, MOAT_MQTT_PUBACK, last.packet_id);
    end_iter(srv);
    assert_int_equal(publishes(s, &cur, &last), 1);
    assert_memory_equal(last.payload, "3", 1);
    moatd_server_free(srv);
}

static void test_queue_limit_drops_and_counts(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 1, 1, 1 << 20);
    moatd_conn *s = client(srv, "sub", true), *p = client(srv, "pub", true);
    subscribe(s, "t", 1);
    for (uint16_t i = 1; i <= 4; i++)
        publish(p, "t", "x", 1, i, false);
    end_iter(srv);
    assert_int_equal(srv->stats.msgs_dropped, 2); /* 1 in flight + 1 queued kept */
    assert_int_equal(s->sess->nflight + s->sess->nqueued, 2);
    moatd_server_free(srv);
}

static void test_slow_consumer_drops_qos0_beyond_byte_limit(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 64);
    moatd_conn *s = client(srv, "slow", true), *p = client(srv, "pub", true);
    subscribe(s, "t", 0);
    end_iter(srv);
    for (int i = 0; i < 20; i++)
        publish(p, "t", "0123456789", 0, 0, false); /* no flush in between: s is "slow" */
    end_iter(srv);
    assert_true(s->dropped > 0);
    assert_int_equal(srv->stats.msgs_dropped, s->dropped);
    size_t cur = 0;
    assert_int_equal(publishes(s, &cur, NULL), 20 - s->dropped);
    moatd_server_free(srv);
}

static void test_offline_persistent_session_queues_and_resumes(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    moatd_conn *s = client(srv, "keep", false), *p = client(srv, "pub", true);
    subscribe(s, "t", 1);
    moatd_conn_close(s, "test: connection lost", false);
    end_iter(srv);
    publish(p, "t", "while-away", 1, 1, false);
    moatd_conn *s2 = client(srv, "keep", false);
    end_iter(srv);
    moat_mqtt_packet pk[4];
    size_t cur = 0, n = received(s2, &cur, pk, 4);
    assert_int_equal(n, 2);
    assert_true(pk[0].u.connack.session_present);
    assert_int_equal(pk[1].header.type, MOAT_MQTT_PUBLISH);
    assert_memory_equal(pk[1].u.publish.payload, "while-away", 10);
    moatd_server_free(srv);
}

static void test_unacked_publish_resent_with_dup_on_reconnect(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    moatd_conn *s = client(srv, "dup", false), *p = client(srv, "pub", true);
    subscribe(s, "t", 1);
    publish(p, "t", "m", 1, 1, false);
    end_iter(srv);
    moatd_conn_close(s, "test: lost before PUBACK", false);
    end_iter(srv);
    moatd_conn *s2 = client(srv, "dup", false);
    end_iter(srv);
    moat_mqtt_publish last;
    size_t cur = 0;
    assert_int_equal(publishes(s2, &cur, &last), 1);
    assert_true(last.dup); /* MQTT-4.4.0-1 */
    moatd_server_free(srv);
}

static void test_qos2_retransmission_delivered_once(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    moatd_conn *s = client(srv, "sub", true), *p = client(srv, "pub", true);
    subscribe(s, "t", 2);
    publish(p, "t", "once", 2, 7, false);
    publish(p, "t", "once", 2, 7, true); /* DUP before PUBREL: not a new message */
    ack(p, MOAT_MQTT_PUBREL, 7);
    publish(p, "t", "again", 2, 7, false); /* the id is free again after PUBREL */
    end_iter(srv);
    size_t cur = 0;
    assert_int_equal(publishes(s, &cur, NULL), 2);
    moatd_server_free(srv);
}

static void test_takeover_closes_older_connection_and_publishes_its_will(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    moatd_conn *w = client(srv, "watch", true);
    subscribe(w, "will", 0);
    moatd_conn *old = moatd_conn_new(srv, -1, NULL, "old");
    uint8_t b[128];
    size_t n;
    moat_mqtt_connect cp = {.client_id = {(const uint8_t *)"twin", 4}, .keep_alive_s = 60,
                            .clean_session = true, .has_will = true,
                            .will_topic = {(const uint8_t *)"will", 4},
                            .will_payload = {(const uint8_t *)"gone", 4}};
    moat_mqtt_encode_connect(b, sizeof(b), &cp, &n);
    feed(old, b, n);
    client(srv, "twin", true);
    assert_true(old->dead);
    end_iter(srv);
    moat_mqtt_publish last;
    size_t cur = 0;
    assert_int_equal(publishes(w, &cur, &last), 1);
    assert_memory_equal(last.payload, "gone", 4);
    moatd_server_free(srv);
}

typedef struct {
    int calls;
    char topic[64];
} svc_seen;

static void svc_cb(void *ctx, const moatd_service_msg *m)
{
    svc_seen *s = ctx;
    s->calls++;
    snprintf(s->topic, sizeof(s->topic), "%s", m->topic);
}

static void test_service_defines_aws_topic_and_sees_publishes(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_AWS, 10, 10, 1 << 20);
    svc_seen seen = {0};
    assert_true(moatd_service_subscribe(srv, "$aws/things/+/shadow/update", svc_cb, &seen) > 0);
    moatd_conn *p = client(srv, "dev", true);
    publish(p, "$aws/things/t1/shadow/update", "{}", 1, 1, false);
    assert_false(p->dead);
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.topic, "$aws/things/t1/shadow/update");
    publish(p, "$aws/things/t1/other", "{}", 1, 2, false);
    assert_true(p->dead); /* undefined reserved topic: refused */
    moatd_server_free(srv);
}

static void test_service_publish_reaches_subscribers(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_AWS, 10, 10, 1 << 20);
    moatd_conn *s = client(srv, "dev", true);
    subscribe(s, "$aws/things/t1/shadow/update/accepted", 1);
    end_iter(srv);
    size_t cur = 0;
    publishes(s, &cur, NULL);
    assert_int_equal(moatd_service_publish(srv, "$aws/things/t1/shadow/update/accepted",
                                           (const uint8_t *)"ok", 2, 1, false), 0);
    end_iter(srv);
    assert_int_equal(publishes(s, &cur, NULL), 1);
    moatd_server_free(srv);
}

static void deny_connect(void *ctx, moatd_conn_info *info, const moat_mqtt_connect *c,
                         moatd_auth_decision *out)
{
    out->verdict = MOATD_AUTH_DENY_CLOSE;
    snprintf(out->reason, sizeof(out->reason), "certificate not active");
}

static void test_auth_deny_close_closes_without_connack(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_AWS, 10, 10, 1 << 20);
    moatd_auth a = {.on_connect = deny_connect};
    moatd_server_set_auth(srv, &a);
    moatd_conn *c = client(srv, "dev", true);
    assert_true(c->dead);
    assert_int_equal(c->mem_len, 0);
    assert_int_equal(srv->stats.denials, 1);
    moatd_server_free(srv);
}

static bool deny_topic_secret(void *ctx, const moatd_conn_info *info, moatd_action a,
                              const char *topic, char reason[256])
{
    if (a == MOATD_ACT_SUBSCRIBE && strcmp(topic, "secret") == 0) {
        snprintf(reason, 256, "policy denies subscribe to secret");
        return false;
    }
    return true;
}

static void test_authorize_denied_filter_gets_suback_failure(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    moatd_auth a = {.authorize = deny_topic_secret};
    moatd_server_set_auth(srv, &a);
    moatd_conn *c = client(srv, "dev", true);
    subscribe(c, "secret", 1);
    end_iter(srv);
    moat_mqtt_packet p[4];
    size_t cur = 0;
    assert_int_equal(received(c, &cur, p, 4), 2);
    assert_int_equal(p[1].header.type, MOAT_MQTT_SUBACK);
    assert_int_equal(p[1].u.suback.codes[0], MOAT_MQTT_SUBACK_FAILURE);
    moatd_server_free(srv);
}

static void test_offline_persistent_session_expires_after_session_expiry(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    srv->cfg.session_expiry = 10;
    moatd_conn *s = client(srv, "old", false);
    subscribe(s, "t", 1);
    moatd_conn_close(s, "test: gone", false);
    end_iter(srv);
    int64_t seen = moatd_session_get(srv, "old")->last_seen;
    moatd_session_expire(srv, seen + 5);
    assert_non_null(moatd_session_get(srv, "old"));
    moatd_session_expire(srv, seen + 11);
    assert_null(moatd_session_get(srv, "old"));
    assert_int_equal(moatd_topics_count(srv->topics), 0);
    moatd_server_free(srv);
}

static void test_retained_message_is_replaced_then_cleared(void **state)
{
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    const uint8_t *first = (const uint8_t *)"first", *second = (const uint8_t *)"second";
    assert_int_equal(moatd_service_publish(srv, "r/t", first, 5, 0, true), 0);
    assert_int_equal(moatd_service_publish(srv, "r/t", second, 6, 0, true), 0);
    assert_int_equal(srv->stats.retained_count, 1);
    moatd_conn *s = client(srv, "late", true);
    subscribe(s, "r/t", 0);
    end_iter(srv);
    size_t cur = 0;
    moat_mqtt_publish last;
    assert_int_equal(publishes(s, &cur, &last), 1);
    assert_true(last.retain);
    assert_memory_equal(last.payload, "second", 6);
    assert_int_equal(moatd_service_publish(srv, "r/t", NULL, 0, 0, true), 0); /* clears */
    assert_int_equal(srv->stats.retained_count, 0);
    moatd_conn *s2 = client(srv, "later", true);
    subscribe(s2, "r/t", 0);
    end_iter(srv);
    size_t cur2 = 0;
    assert_int_equal(publishes(s2, &cur2, NULL), 0);
    moatd_server_free(srv);
}

static void test_sys_retained_messages_stay_in_memory_and_are_not_persisted(void **state)
{
    char dir[] = "/tmp/moat-sys-store.XXXXXX";
    char err[256];
    assert_non_null(mkdtemp(dir));
    moatd_server *srv = new_server(MOATD_PROFILE_MQTT, 10, 10, 1 << 20);
    assert_int_equal(moatd_store_open(&srv->store, dir, MOATD_STORE_SYNC_NORMAL, err,
                                      sizeof(err)),
                     MOATD_STORE_OK);
    /* what the $SYS timer does every sys_interval, next to an ordinary retained message */
    assert_int_equal(moatd_service_publish(srv, "$SYS/broker/uptime", (const uint8_t *)"5", 1,
                                           0, true),
                     0);
    assert_int_equal(moatd_service_publish(srv, "plain/t", (const uint8_t *)"on", 2, 0, true),
                     0);
    end_iter(srv);
    moatd_store_counts n;
    assert_int_equal(moatd_store_count(srv->store, &n), MOATD_STORE_OK);
    assert_int_equal(n.retained, 1);
    moatd_conn *s = client(srv, "watcher", true);
    subscribe(s, "$SYS/broker/uptime", 0);
    end_iter(srv);
    size_t cur = 0;
    moat_mqtt_publish last;
    assert_int_equal(publishes(s, &cur, &last), 1);
    assert_true(last.retain);
    moatd_server_free(srv);
    assert_int_equal(peer_sh("rm -rf '%s'", dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_is_answered_with_connack_accepted),
        cmocka_unit_test(test_qos1_beyond_inflight_waits_for_puback),
        cmocka_unit_test(test_queue_limit_drops_and_counts),
        cmocka_unit_test(test_slow_consumer_drops_qos0_beyond_byte_limit),
        cmocka_unit_test(test_offline_persistent_session_queues_and_resumes),
        cmocka_unit_test(test_unacked_publish_resent_with_dup_on_reconnect),
        cmocka_unit_test(test_qos2_retransmission_delivered_once),
        cmocka_unit_test(test_takeover_closes_older_connection_and_publishes_its_will),
        cmocka_unit_test(test_service_defines_aws_topic_and_sees_publishes),
        cmocka_unit_test(test_service_publish_reaches_subscribers),
        cmocka_unit_test(test_auth_deny_close_closes_without_connack),
        cmocka_unit_test(test_authorize_denied_filter_gets_suback_failure),
        cmocka_unit_test(test_offline_persistent_session_expires_after_session_expiry),
        cmocka_unit_test(test_retained_message_is_replaced_then_cleared),
        cmocka_unit_test(test_sys_retained_messages_stay_in_memory_and_are_not_persisted),
    };
    return cmocka_run_group_tests(tests, quiet, NULL);
}
