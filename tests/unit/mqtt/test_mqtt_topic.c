/* test_mqtt_topic.c - MQTT string rules: UTF-8 well-formedness, topic names, topic filters and
 * filter matching (MQTT 3.1.1 sections 1.5.3, 4.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/mqtt_codec.h"

/* Validates a string literal from an exact-size heap copy (ASan catches over-reads). */
typedef moat_mqtt_status (*validator)(const uint8_t *, size_t);

static moat_mqtt_status check_n(validator f, const char *s, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, s, n);
    moat_mqtt_status st = f(copy, n);
    free(copy);
    return st;
}

#define UTF8(lit) check_n(moat_mqtt_validate_utf8, lit, sizeof(lit) - 1)
#define TOPIC(lit) check_n(moat_mqtt_validate_topic_name, lit, sizeof(lit) - 1)
#define FILTER(lit) check_n(moat_mqtt_validate_topic_filter, lit, sizeof(lit) - 1)

static bool match(const char *filter, const char *topic)
{
    size_t fl = strlen(filter), tl = strlen(topic);
    uint8_t *f = malloc(fl), *t = malloc(tl);
    assert_non_null(f);
    assert_non_null(t);
    memcpy(f, filter, fl);
    memcpy(t, topic, tl);
    assert_int_equal(moat_mqtt_validate_topic_filter(f, fl), MOAT_MQTT_OK);
    assert_int_equal(moat_mqtt_validate_topic_name(t, tl), MOAT_MQTT_OK);
    bool m = moat_mqtt_topic_matches(f, fl, t, tl);
    free(f);
    free(t);
    return m;
}

/* ---- UTF-8 ---- */

static void test_utf8_accepts_one_to_four_byte_sequences(void **state)
{
    assert_int_equal(UTF8(""), MOAT_MQTT_OK);
    assert_int_equal(UTF8("plain ascii/\x7F"), MOAT_MQTT_OK);
    assert_int_equal(UTF8("\xC2\x80"), MOAT_MQTT_OK);         /* U+0080 */
    assert_int_equal(UTF8("caf\xC3\xA9"), MOAT_MQTT_OK);      /* é */
    assert_int_equal(UTF8("\xE0\xA0\x80"), MOAT_MQTT_OK);     /* U+0800 */
    assert_int_equal(UTF8("\xE2\x82\xAC"), MOAT_MQTT_OK);     /* € */
    assert_int_equal(UTF8("\xED\x9F\xBF"), MOAT_MQTT_OK);     /* U+D7FF, below surrogates */
    assert_int_equal(UTF8("\xEE\x80\x80"), MOAT_MQTT_OK);     /* U+E000, above surrogates */
    assert_int_equal(UTF8("\xEF\xBB\xBF"), MOAT_MQTT_OK);     /* U+FEFF kept, not skipped */
    assert_int_equal(UTF8("\xEF\xBF\xBF"), MOAT_MQTT_OK);     /* U+FFFF */
    assert_int_equal(UTF8("\xF0\x90\x80\x80"), MOAT_MQTT_OK); /* U+10000 */
    assert_int_equal(UTF8("\xF0\x9D\x84\x9E"), MOAT_MQTT_OK); /* G clef */
    assert_int_equal(UTF8("\xF4\x8F\xBF\xBF"), MOAT_MQTT_OK); /* U+10FFFF */
}

static void test_utf8_rejects_nul(void **state)
{
    assert_int_equal(UTF8("a\0b"), MOAT_MQTT_ERR_BAD_UTF8); /* MQTT-1.5.3-2 */
    assert_int_equal(UTF8("\0"), MOAT_MQTT_ERR_BAD_UTF8);
}

static void test_utf8_rejects_overlong_forms(void **state)
{
    assert_int_equal(UTF8("\xC0\x80"), MOAT_MQTT_ERR_BAD_UTF8); /* NUL, "modified UTF-8" */
    assert_int_equal(UTF8("\xC0\xAF"), MOAT_MQTT_ERR_BAD_UTF8); /* '/' */
    assert_int_equal(UTF8("\xC1\xBF"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xE0\x80\xAF"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xE0\x9F\xBF"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xF0\x80\x80\xAF"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xF0\x8F\xBF\xBF"), MOAT_MQTT_ERR_BAD_UTF8);
}

static void test_utf8_rejects_surrogates(void **state)
{
    assert_int_equal(UTF8("\xED\xA0\x80"), MOAT_MQTT_ERR_BAD_UTF8); /* U+D800 */
    assert_int_equal(UTF8("\xED\xBF\xBF"), MOAT_MQTT_ERR_BAD_UTF8); /* U+DFFF */
    /* a CESU-8 pair for U+10000 */
    assert_int_equal(UTF8("\xED\xA0\x80\xED\xB0\x80"), MOAT_MQTT_ERR_BAD_UTF8);
}

static void test_utf8_rejects_truncated_sequences(void **state)
{
    assert_int_equal(UTF8("\xC3"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("ab\xE2\x82"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xF0\x9D\x84"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xE2\x82x"), MOAT_MQTT_ERR_BAD_UTF8); /* cut by an ASCII byte */
}

static void test_utf8_rejects_stray_and_invalid_bytes(void **state)
{
    assert_int_equal(UTF8("\x80"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("a\xBF"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xF5\x80\x80\x80"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xF4\x90\x80\x80"), MOAT_MQTT_ERR_BAD_UTF8); /* above U+10FFFF */
    assert_int_equal(UTF8("\xFE"), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(UTF8("\xFF"), MOAT_MQTT_ERR_BAD_UTF8);
}

static void test_utf8_rejects_null_pointer_with_length(void **state)
{
    assert_int_equal(moat_mqtt_validate_utf8(NULL, 3), MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_validate_utf8(NULL, 0), MOAT_MQTT_OK);
}

/* ---- Topic names ---- */

static void test_topic_name_accepts_levels_spaces_and_dollar(void **state)
{
    assert_int_equal(TOPIC("a"), MOAT_MQTT_OK);
    assert_int_equal(TOPIC("/"), MOAT_MQTT_OK);
    assert_int_equal(TOPIC("a//b/"), MOAT_MQTT_OK);
    assert_int_equal(TOPIC("with space/\xC3\xA9"), MOAT_MQTT_OK);
    assert_int_equal(TOPIC("$aws/things/dev1/shadow/update"), MOAT_MQTT_OK);
}

static void test_topic_name_rejects_empty(void **state)
{
    assert_int_equal(TOPIC(""), MOAT_MQTT_ERR_BAD_TOPIC); /* MQTT-4.7.3-1 */
}

static void test_topic_name_rejects_wildcards(void **state)
{
    assert_int_equal(TOPIC("+"), MOAT_MQTT_ERR_BAD_TOPIC);
    assert_int_equal(TOPIC("a/#"), MOAT_MQTT_ERR_BAD_TOPIC);
    assert_int_equal(TOPIC("a+b"), MOAT_MQTT_ERR_BAD_TOPIC);
}

static void test_topic_name_rejects_bad_utf8_with_utf8_status(void **state)
{
    assert_int_equal(TOPIC("a\xC0\x80"), MOAT_MQTT_ERR_BAD_UTF8);
}

/* ---- Topic filters ---- */

static void test_filter_accepts_well_placed_wildcards(void **state)
{
    const char *ok[] = {"#",     "+",     "+/+", "/+",   "+/",     "a/#",
                        "a/+/c", "+/b/#", "/#",  "a//b", "$SYS/#", "sport/tennis/+"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        moat_mqtt_status st = check_n(moat_mqtt_validate_topic_filter, ok[i], strlen(ok[i]));
        if (st != MOAT_MQTT_OK)
            fail_msg("%s: %s", ok[i], moat_mqtt_strerror(st));
    }
}

static void test_filter_rejects_misplaced_hash(void **state)
{
    assert_int_equal(FILTER("a/#/b"), MOAT_MQTT_ERR_BAD_FILTER); /* not last */
    assert_int_equal(FILTER("a#"), MOAT_MQTT_ERR_BAD_FILTER);    /* not alone in level */
    assert_int_equal(FILTER("a/b#"), MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(FILTER("#/"), MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(FILTER("##"), MOAT_MQTT_ERR_BAD_FILTER);
}

static void test_filter_rejects_plus_sharing_its_level(void **state)
{
    assert_int_equal(FILTER("a+"), MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(FILTER("+a"), MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(FILTER("a/b+/c"), MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(FILTER("++"), MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(FILTER("+#"), MOAT_MQTT_ERR_BAD_FILTER);
}

static void test_filter_rejects_empty_and_bad_utf8(void **state)
{
    assert_int_equal(FILTER(""), MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(FILTER("a/\xED\xA0\x80"), MOAT_MQTT_ERR_BAD_UTF8);
}

/* ---- Matching ---- */

static void test_match_exact_and_level_by_level(void **state)
{
    assert_true(match("a/b", "a/b"));
    assert_false(match("a/b", "a/c"));
    assert_false(match("a/b", "a/bc"));
    assert_false(match("a/bc", "a/b"));
    assert_false(match("a/b", "a/b/c"));
    assert_false(match("a/b/c", "a/b"));
    assert_false(match("A/b", "a/b")); /* case-sensitive */
}

static void test_match_plus_matches_exactly_one_level(void **state)
{
    assert_true(match("sport/tennis/+", "sport/tennis/player1"));
    assert_false(match("sport/tennis/+", "sport/tennis/player1/ranking"));
    assert_false(match("sport/+", "sport")); /* spec 4.7.1.3 */
    assert_true(match("sport/+", "sport/"));
    assert_true(match("+/+", "/finance"));
    assert_true(match("/+", "/finance"));
    assert_false(match("+", "/finance"));
    assert_true(match("+/tennis/#", "sport/tennis/x"));
}

static void test_match_plus_matches_empty_levels(void **state)
{
    assert_true(match("a/+/c", "a//c"));
    assert_true(match("+", "x"));
    assert_true(match("+/+", "/"));
    assert_true(match("a/+", "a/"));
}

static void test_match_hash_matches_parent_and_all_children(void **state)
{
    assert_true(match("sport/#", "sport")); /* spec 4.7.1.2 */
    assert_true(match("sport/#", "sport/"));
    assert_true(match("sport/tennis/player1/#", "sport/tennis/player1/ranking/wimbledon"));
    assert_true(match("#", "anything/at/all"));
    assert_true(match("#", "/"));
    assert_false(match("sport/#", "sports"));
    assert_false(match("sport/#", "spor"));
    assert_true(match("a/+/#", "a/"));
}

static void test_match_leading_wildcards_skip_dollar_topics(void **state)
{
    /* MQTT-4.7.2-1 */
    assert_false(match("#", "$SYS/broker/load"));
    assert_false(match("+/monitor/Clients", "$SYS/monitor/Clients"));
    assert_false(match("+", "$aws"));
    assert_true(match("$SYS/#", "$SYS/broker/load"));
    assert_true(match("$SYS/monitor/+", "$SYS/monitor/Clients"));
    assert_true(match("$aws/things/+/shadow/#", "$aws/things/dev1/shadow/update"));
    assert_true(match("a/#", "a/$b")); /* the rule is about the first character only */
}

static void test_match_empty_or_null_never_matches(void **state)
{
    assert_false(moat_mqtt_topic_matches((const uint8_t *)"#", 1, (const uint8_t *)"", 0));
    assert_false(moat_mqtt_topic_matches(NULL, 0, (const uint8_t *)"a", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_accepts_one_to_four_byte_sequences),
        cmocka_unit_test(test_utf8_rejects_nul),
        cmocka_unit_test(test_utf8_rejects_overlong_forms),
        cmocka_unit_test(test_utf8_rejects_surrogates),
        cmocka_unit_test(test_utf8_rejects_truncated_sequences),
        cmocka_unit_test(test_utf8_rejects_stray_and_invalid_bytes),
        cmocka_unit_test(test_utf8_rejects_null_pointer_with_length),
        cmocka_unit_test(test_topic_name_accepts_levels_spaces_and_dollar),
        cmocka_unit_test(test_topic_name_rejects_empty),
        cmocka_unit_test(test_topic_name_rejects_wildcards),
        cmocka_unit_test(test_topic_name_rejects_bad_utf8_with_utf8_status),
        cmocka_unit_test(test_filter_accepts_well_placed_wildcards),
        cmocka_unit_test(test_filter_rejects_misplaced_hash),
        cmocka_unit_test(test_filter_rejects_plus_sharing_its_level),
        cmocka_unit_test(test_filter_rejects_empty_and_bad_utf8),
        cmocka_unit_test(test_match_exact_and_level_by_level),
        cmocka_unit_test(test_match_plus_matches_exactly_one_level),
        cmocka_unit_test(test_match_plus_matches_empty_levels),
        cmocka_unit_test(test_match_hash_matches_parent_and_all_children),
        cmocka_unit_test(test_match_leading_wildcards_skip_dollar_topics),
        cmocka_unit_test(test_match_empty_or_null_never_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
