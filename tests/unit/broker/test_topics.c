/* test_topics.c - the broker's subscription tree: exact, '+' and '#' matching, the '$' topic
 * rule, delivery once per subscriber at its highest QoS, unsubscribe, and the AWS '#' rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/topics.h"

typedef struct {
    moatd_topics *t;
    moatd_matches m;
    moatd_sub_owner a, b, c;
} fixture;

static int setup_mqtt(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof(f));
    f.t = moatd_topics_create(true);
    *state = &f;
    return f.t ? 0 : -1;
}

static int setup_aws(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof(f));
    f.t = moatd_topics_create(false);
    *state = &f;
    return f.t ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    moatd_matches_free(&f->m);
    moatd_topics_free(f->t);
    return 0;
}

static void sub(fixture *f, const char *filter, moatd_sub_owner *o, uint8_t qos)
{
    assert_true(moatd_topics_subscribe(f->t, filter, strlen(filter), o, qos) >= 0);
}

/* Number of owners matched for topic; *qos_of_a gets a's QoS (or 0xFF if a not matched). */
static size_t match(fixture *f, const char *topic, const moatd_sub_owner *a, uint8_t *qos_of_a)
{
    assert_int_equal(moatd_topics_match(f->t, topic, strlen(topic), &f->m), 0);
    if (qos_of_a) {
        *qos_of_a = 0xFF;
        for (size_t i = 0; i < f->m.n; i++) {
            if (f->m.v[i].owner == a)
                *qos_of_a = f->m.v[i].qos;
        }
    }
    return f->m.n;
}

static void test_exact_filter_matches_only_its_topic(void **state)
{
    fixture *f = *state;
    sub(f, "a/b", &f->a, 1);
    assert_int_equal(match(f, "a/b", NULL, NULL), 1);
    assert_int_equal(match(f, "a/b/c", NULL, NULL), 0);
    assert_int_equal(match(f, "a", NULL, NULL), 0);
    assert_int_equal(match(f, "a/B", NULL, NULL), 0);
}

static void test_plus_matches_exactly_one_level_including_empty(void **state)
{
    fixture *f = *state;
    sub(f, "a/+/c", &f->a, 0);
    assert_int_equal(match(f, "a/b/c", NULL, NULL), 1);
    assert_int_equal(match(f, "a//c", NULL, NULL), 1);
    assert_int_equal(match(f, "a/b/x/c", NULL, NULL), 0);
    assert_int_equal(match(f, "a/c", NULL, NULL), 0);
}

static void test_plus_alone_matches_single_level_topics_and_leading_slash(void **state)
{
    fixture *f = *state;
    sub(f, "+", &f->a, 0);
    assert_int_equal(match(f, "x", NULL, NULL), 1);
    assert_int_equal(match(f, "x/y", NULL, NULL), 0);
    sub(f, "+/+", &f->b, 0);
    assert_int_equal(match(f, "/finance", NULL, NULL), 1); /* MQTT 4.7.1.3 example */
}

static void test_hash_matches_everything_below(void **state)
{
    fixture *f = *state;
    sub(f, "sport/#", &f->a, 0);
    assert_int_equal(match(f, "sport/tennis", NULL, NULL), 1);
    assert_int_equal(match(f, "sport/tennis/player1/score", NULL, NULL), 1);
    assert_int_equal(match(f, "sport/", NULL, NULL), 1);
    assert_int_equal(match(f, "sports", NULL, NULL), 0);
}

static void test_hash_matches_parent_in_mqtt_profile(void **state)
{
    fixture *f = *state;
    sub(f, "sport/#", &f->a, 0);
    assert_int_equal(match(f, "sport", NULL, NULL), 1); /* MQTT-4.7.1-2 */
}

static void test_hash_does_not_match_parent_in_aws_profile(void **state)
{
    fixture *f = *state;
    sub(f, "sport/#", &f->a, 0);
    assert_int_equal(match(f, "sport", NULL, NULL), 0);
    assert_int_equal(match(f, "sport/", NULL, NULL), 1);
    assert_int_equal(match(f, "sport/tennis", NULL, NULL), 1);
}

static void test_filter_matches_agrees_with_tree_on_aws_parent_rule(void **state)
{
    (void)state;
    assert_false(moatd_topic_filter_matches(false, "sport/#", 7, "sport", 5));
    assert_true(moatd_topic_filter_matches(true, "sport/#", 7, "sport", 5));
    assert_true(moatd_topic_filter_matches(false, "sport/#", 7, "sport/x", 7));
}

static void test_dollar_topic_not_matched_by_leading_wildcards(void **state)
{
    fixture *f = *state;
    sub(f, "#", &f->a, 0);
    sub(f, "+/monitor/Clients", &f->b, 0);
    assert_int_equal(match(f, "$SYS/monitor/Clients", NULL, NULL), 0); /* MQTT-4.7.2-1 */
    assert_int_equal(match(f, "SYS/monitor/Clients", NULL, NULL), 2);
}

static void test_dollar_topic_matched_by_explicit_filters(void **state)
{
    fixture *f = *state;
    sub(f, "$SYS/#", &f->a, 0);
    sub(f, "$SYS/monitor/+", &f->b, 0);
    assert_int_equal(match(f, "$SYS/monitor/Clients", NULL, NULL), 2);
}

static void test_overlapping_filters_deliver_once_at_max_qos(void **state)
{
    fixture *f = *state;
    uint8_t q;
    sub(f, "a/#", &f->a, 0);
    sub(f, "a/+", &f->a, 2);
    sub(f, "a/b", &f->a, 1);
    assert_int_equal(match(f, "a/b", &f->a, &q), 1);
    assert_int_equal(q, 2);
}

static void test_overlap_counts_each_owner_once_among_many(void **state)
{
    fixture *f = *state;
    uint8_t q;
    sub(f, "x/#", &f->a, 1);
    sub(f, "x/y", &f->a, 0);
    sub(f, "x/+", &f->b, 0);
    sub(f, "#", &f->c, 0);
    assert_int_equal(match(f, "x/y", &f->a, &q), 3);
    assert_int_equal(q, 1);
    /* a second match starts afresh: no stale dedupe from the first */
    assert_int_equal(match(f, "x/y", &f->b, &q), 3);
    assert_int_equal(q, 0);
}

static void test_resubscribe_replaces_qos(void **state)
{
    fixture *f = *state;
    uint8_t q;
    assert_int_equal(moatd_topics_subscribe(f->t, "r/s", 3, &f->a, 0), 1);
    assert_int_equal(moatd_topics_subscribe(f->t, "r/s", 3, &f->a, 2), 0); /* MQTT-3.8.4-3 */
    assert_int_equal(moatd_topics_count(f->t), 1);
    match(f, "r/s", &f->a, &q);
    assert_int_equal(q, 2);
}

static void test_unsubscribe_removes_only_that_owner(void **state)
{
    fixture *f = *state;
    uint8_t q;
    sub(f, "u/+", &f->a, 0);
    sub(f, "u/+", &f->b, 1);
    assert_int_equal(moatd_topics_unsubscribe(f->t, "u/+", 3, &f->a), 1);
    assert_int_equal(moatd_topics_unsubscribe(f->t, "u/+", 3, &f->a), 0);
    assert_int_equal(match(f, "u/v", &f->b, &q), 1);
    assert_int_equal(q, 1);
}

static void test_unsubscribe_prunes_and_tree_still_works(void **state)
{
    fixture *f = *state;
    sub(f, "p/q/r/s", &f->a, 0);
    assert_int_equal(moatd_topics_unsubscribe(f->t, "p/q/r/s", 7, &f->a), 1);
    assert_int_equal(moatd_topics_count(f->t), 0);
    assert_int_equal(match(f, "p/q/r/s", NULL, NULL), 0);
    sub(f, "p/q", &f->b, 0);
    assert_int_equal(match(f, "p/q", NULL, NULL), 1);
}

static void test_many_subscriptions_match_only_their_topic(void **state)
{
    fixture *f = *state;
    static moatd_sub_owner owners[2000];
    char name[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof(name), "dev/%d/state", i);
        sub(f, name, &owners[i], 1);
    }
    uint8_t q;
    assert_int_equal(match(f, "dev/1234/state", &owners[1234], &q), 1);
    assert_int_equal(q, 1);
    assert_int_equal(match(f, "dev/2000/state", NULL, NULL), 0);
}

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_exact_filter_matches_only_its_topic, setup_mqtt),
        T(test_plus_matches_exactly_one_level_including_empty, setup_mqtt),
        T(test_plus_alone_matches_single_level_topics_and_leading_slash, setup_mqtt),
        T(test_hash_matches_everything_below, setup_mqtt),
        T(test_hash_matches_parent_in_mqtt_profile, setup_mqtt),
        T(test_hash_does_not_match_parent_in_aws_profile, setup_aws),
        T(test_filter_matches_agrees_with_tree_on_aws_parent_rule, setup_aws),
        T(test_dollar_topic_not_matched_by_leading_wildcards, setup_mqtt),
        T(test_dollar_topic_matched_by_explicit_filters, setup_mqtt),
        T(test_overlapping_filters_deliver_once_at_max_qos, setup_mqtt),
        T(test_overlap_counts_each_owner_once_among_many, setup_mqtt),
        T(test_resubscribe_replaces_qos, setup_mqtt),
        T(test_unsubscribe_removes_only_that_owner, setup_mqtt),
        T(test_unsubscribe_prunes_and_tree_still_works, setup_mqtt),
        T(test_many_subscriptions_match_only_their_topic, setup_mqtt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
