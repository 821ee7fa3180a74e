/* test_stats.c - moatd $SYS topics: every counter is published under $SYS/broker/ with a
 * decimal payload, rates come from two snapshots, memory readings come from /proc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/stats.h"

typedef struct {
    char text[4096];
    int n;
} sink;

static void emit(void *ctx, const char *topic, const char *payload)
{
    sink *k = ctx;
    size_t len = strlen(k->text);
    snprintf(k->text + len, sizeof k->text - len, "%s=%s\n", topic, payload);
    k->n++;
}

static void test_sys_topics_carry_the_counters(void **s)
{
    (void)s;
    moatd_stats st;
    moatd_stats_init(&st, 1000);
    st.clients_connected = 3;
    st.connections_total = 7;
    st.msgs_received = 11;
    st.msgs_sent = 22;
    st.bytes_received = 333;
    st.msgs_dropped = 4;
    st.retained_count = 5;
    st.subscriptions_count = 6;
    sink k = {0};
    moatd_stats_sys_topics(&st, NULL, 0, 1042, emit, &k);
    assert_non_null(strstr(k.text, "$SYS/broker/version=moatd "));
    assert_non_null(strstr(k.text, "$SYS/broker/uptime=42\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/clients/connected=3\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/connections/total=7\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/messages/received=11\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/messages/sent=22\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/bytes/received=333\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/messages/dropped=4\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/retained messages/count=5\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/subscriptions/count=6\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/load/messages/received/rate=0\n"));
}

static void test_rates_are_per_second_between_two_snapshots(void **s)
{
    (void)s;
    moatd_stats prev, now;
    moatd_stats_init(&prev, 0);
    prev.msgs_received = 100;
    prev.msgs_sent = 50;
    now = prev;
    now.msgs_received = 1100;
    now.msgs_sent = 250;
    sink k = {0};
    moatd_stats_sys_topics(&now, &prev, 100, 110, emit, &k);
    assert_non_null(strstr(k.text, "$SYS/broker/load/messages/received/rate=100\n"));
    assert_non_null(strstr(k.text, "$SYS/broker/load/messages/sent/rate=20\n"));
}

static void test_rss_reports_the_resident_memory_of_this_process(void **s)
{
    (void)s;
    uint64_t before = moatd_stats_rss_bytes();
    assert_true(before > 100 * 1024);
    size_t big = 64 * 1024 * 1024;
    char *p = malloc(big);
    assert_non_null(p);
    memset(p, 1, big);
    uint64_t after = moatd_stats_rss_bytes();
    assert_true(after >= before + big / 2);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sys_topics_carry_the_counters),
        cmocka_unit_test(test_rates_are_per_second_between_two_snapshots),
        cmocka_unit_test(test_rss_reports_the_resident_memory_of_this_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
