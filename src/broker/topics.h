/* broker/topics.h - the subscription tree: topic filters split into levels, '+' and '#' nodes,
 * and matching a topic name to the set of subscribers, each once at its highest QoS. */
#ifndef MOATD_TOPICS_H
#define MOATD_TOPICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Anything that can subscribe (a session, a service) embeds one of these; the tree uses it to
 * deliver each message once per owner even when several of its filters match. */
typedef struct {
    uint64_t match_gen;
    uint32_t match_idx;
} moatd_sub_owner;

typedef struct {
    moatd_sub_owner *owner;
    uint8_t qos; /* the highest QoS among the owner's matching subscriptions */
} moatd_match;

typedef struct {
    moatd_match *v;
    size_t n, cap;
    uint64_t gen;
} moatd_matches;

typedef struct moatd_topics moatd_topics;

/* `hash_matches_parent`: true for MQTT 3.1.1 ("sport/#" also matches "sport", MQTT-4.7.1-2);
 * false for AWS IoT, where '#' matches only below its parent level. */
moatd_topics *moatd_topics_create(bool hash_matches_parent);
void moatd_topics_free(moatd_topics *t);

/* Adds (or updates the QoS of) owner's subscription to a valid filter. Returns 1 if new, 0 if
 * it replaced an existing one (MQTT-3.8.4-3), -1 when out of memory. */
int moatd_topics_subscribe(moatd_topics *t, const char *filter, size_t len,
                           moatd_sub_owner *owner, uint8_t qos);
/* Removes owner's subscription to filter. Returns 1 if it existed, 0 otherwise. */
int moatd_topics_unsubscribe(moatd_topics *t, const char *filter, size_t len,
                             moatd_sub_owner *owner);
/* Fills out with every owner whose filters match the topic name, once each at the maximum
 * QoS of its matching filters. A topic starting with '$' is not matched by filters starting
 * with '+' or '#' (MQTT-4.7.2-1). out->v is reused between calls (free with
 * moatd_matches_free). Returns 0, or -1 when out of memory. */
int moatd_topics_match(moatd_topics *t, const char *topic, size_t len, moatd_matches *out);
void moatd_matches_free(moatd_matches *m);

/* True if filter matches topic under the same rules as the tree (for retained messages). */
bool moatd_topic_filter_matches(bool hash_matches_parent, const char *filter, size_t flen,
                                const char *topic, size_t tlen);

/* Number of (owner, filter) subscriptions in the tree. */
size_t moatd_topics_count(const moatd_topics *t);

#endif
