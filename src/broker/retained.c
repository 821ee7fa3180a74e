/* broker/retained.c - retained messages: one per topic, replaced by a newer one, cleared by
 * an empty payload (MQTT-3.3.1-5..-11), persisted, and sent to new subscriptions. */
#include <string.h>

#include "broker/log.h"
#include "broker/server.h"

/* $SYS topics describe the running broker: a value reloaded after a restart would be wrong,
 * and writing ~20 rows every sys_interval would cost a commit for nothing (mosquitto does
 * not persist them either). They stay retained in memory only. */
static bool persistable(const char *topic)
{
    return strncmp(topic, "$SYS/", 5) != 0;
}

static void store_retained(moatd_server *srv, const moatd_msg *m, bool clear)
{
    const char *t = moatd_msg_topic(m);
    if (srv->store == NULL || !persistable(t))
        return;
    moatd_store_status st = clear ? moatd_store_retain_delete(srv->store, t)
                                  : moatd_store_retain_put(srv->store, t, m->payload,
                                                           m->payload_len, m->qos);
    moatd_persist_check(srv, st, "retained");
}

void moatd_retain_update(moatd_server *srv, moatd_msg *m)
{
    const char *t = moatd_msg_topic(m);
    bool clear = m->payload_len == 0; /* MQTT-3.3.1-10: zero bytes clear the topic */
    moatd_msg *old;
    if (clear) {
        old = moatd_dict_del(srv->retained, t, m->topic_len);
    } else {
        /* replacing a topic's message reuses its table entry: no allocation */
        old = moatd_dict_get(srv->retained, t, m->topic_len);
        if (moatd_dict_set(srv->retained, t, m->topic_len, moatd_msg_ref(m)) == NULL) {
            moatd_msg_unref(m);
            return;
        }
        srv->stats.retained_count++;
    }
    if (old) {
        moatd_msg_unref(old);
        srv->stats.retained_count--;
    }
    store_retained(srv, m, clear);
}

static bool has_wildcard(const char *f)
{
    return strchr(f, '+') != NULL || strchr(f, '#') != NULL;
}

void moatd_retain_deliver(moatd_server *srv, moatd_session *s, const char *filter,
                          uint8_t qos)
{
    size_t flen = strlen(filter);
    if (!has_wildcard(filter)) {
        moatd_msg *m = moatd_dict_get(srv->retained, filter, flen);
        if (m)
            moatd_session_deliver(srv, s, m, m->qos < qos ? m->qos : qos, true);
        return;
    }
    /* AWS IoT: only exact-topic subscriptions receive retained messages (aws_iot 6.3) */
    if (srv->rules.retained_exact_only)
        return;
    size_t b = 0;
    for (moatd_dict_entry *e = moatd_dict_next(srv->retained, &b, NULL); e;
         e = moatd_dict_next(srv->retained, &b, e)) {
        moatd_msg *m = e->value;
        if (moatd_topic_filter_matches(srv->rules.hash_matches_parent, filter, flen, e->key,
                                       e->key_len))
            moatd_session_deliver(srv, s, m, m->qos < qos ? m->qos : qos, true);
    }
}

void moatd_retain_free_all(moatd_server *srv)
{
    size_t b = 0;
    for (moatd_dict_entry *e = moatd_dict_next(srv->retained, &b, NULL); e;
         e = moatd_dict_next(srv->retained, &b, e))
        moatd_msg_unref(e->value);
}
