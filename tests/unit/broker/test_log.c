/* test_log.c - moatd structured logging: the exact text and JSON line shapes, quoting and
 * escaping of values, level filtering, the denial line, and writing to a file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker/log.h"

/* 2026-11-25T10:00:00.123Z */
#define TS 1795600800123LL

static const char *line(moatd_log_format fmt, moatd_log_level lvl, const char *event,
                        const char *const *kv, size_t n)
{
    static char buf[1024];
    moatd_log_format_line(buf, sizeof buf, fmt, TS, lvl, event, kv, n);
    return buf;
}

static void test_text_line_has_time_level_event_and_fields(void **s)
{
    (void)s;
    const char *kv[] = {"client", "abc", "addr", "127.0.0.1:5555", "msg", "hello world"};
    assert_string_equal(line(MOATD_LOG_TEXT, MOATD_LOG_INFO, "conn", kv, 6),
                        "2026-11-25T10:00:00.123Z INFO conn client=abc addr=127.0.0.1:5555 "
                        "msg=\"hello world\"");
}

static void test_text_quotes_and_escapes_awkward_values(void **s)
{
    (void)s;
    const char *kv[] = {"a", "", "b", "x=y", "c", "say \"hi\"\n", "d", NULL};
    assert_string_equal(line(MOATD_LOG_TEXT, MOATD_LOG_WARN, "e", kv, 8),
                        "2026-11-25T10:00:00.123Z WARN e a=\"\" b=\"x=y\" c=\"say \\\"hi\\\"\\n\" "
                        "d=-");
}

static void test_json_line_is_one_object_with_escaped_strings(void **s)
{
    (void)s;
    const char *kv[] = {"client", "a\"b", "reason", "tab\there\x01"};
    assert_string_equal(line(MOATD_LOG_JSON, MOATD_LOG_ERROR, "deny", kv, 4),
                        "{\"ts\":\"2026-11-25T10:00:00.123Z\",\"level\":\"error\",\"event\":"
                        "\"deny\",\"client\":\"a\\\"b\",\"reason\":\"tab\\there\\u0001\"}");
}

static void test_invalid_utf8_is_escaped_so_the_line_stays_valid(void **s)
{
    (void)s;
    const char *kv[] = {"topic", "ok\xc3\xa9 bad\xff\xc3 cut"};
    assert_string_equal(line(MOATD_LOG_JSON, MOATD_LOG_WARN, "decode", kv, 2),
                        "{\"ts\":\"2026-11-25T10:00:00.123Z\",\"level\":\"warn\",\"event\":"
                        "\"decode\",\"topic\":\"ok\xc3\xa9 bad\\ufffd\\ufffd cut\"}");
    assert_string_equal(line(MOATD_LOG_TEXT, MOATD_LOG_WARN, "decode", kv, 2),
                        "2026-11-25T10:00:00.123Z WARN decode topic=\"ok\xc3\xa9 bad\\xff\\xc3 "
                        "cut\"");
}

static void test_json_line_too_long_drops_whole_fields_and_says_so(void **s)
{
    (void)s;
    const char *kv[] = {"a", "short", "b", "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"", "c", "x"};
    char buf[112];
    size_t n = moatd_log_format_line(buf, sizeof buf, MOATD_LOG_JSON, TS, MOATD_LOG_INFO, "e",
                                     kv, 6);
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "{\"ts\":\"2026-11-25T10:00:00.123Z\",\"level\":\"info\",\"event\":"
                             "\"e\",\"a\":\"short\",\"truncated\":\"yes\"}");
}

static void test_long_values_are_cut_at_a_utf8_boundary(void **s)
{
    (void)s;
    char big[1200];
    /* 'x' then 2-byte characters (U+00E9) so byte 1024 falls inside one */
    big[0] = 'x';
    for (size_t i = 1; i + 2 < sizeof big; i += 2) {
        big[i] = (char)0xC3;
        big[i + 1] = (char)0xA9;
    }
    big[sizeof big - 1] = '\0';
    const char *kv[] = {"msg", big};
    char buf[4096];
    moatd_log_format_line(buf, sizeof buf, MOATD_LOG_TEXT, TS, MOATD_LOG_INFO, "e", kv, 2);
    const char *v = strstr(buf, "msg=") + 4;
    assert_int_equal(strlen(v), 1023 + 3); /* 1 + 511 * 2 bytes, then "..." */
    assert_string_equal(v + 1023, "...");
    assert_int_equal((unsigned char)v[1022], 0xA9);
}

static void test_level_names_parse_both_ways(void **s)
{
    (void)s;
    assert_int_equal(moatd_log_level_parse("DEBUG"), MOATD_LOG_DEBUG);
    assert_int_equal(moatd_log_level_parse("warning"), MOATD_LOG_WARN);
    assert_int_equal(moatd_log_level_parse("loud"), -1);
    assert_string_equal(moatd_log_level_name(MOATD_LOG_ERROR), "error");
}

static char *read_all(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_file_output_filters_by_level_and_writes_deny_lines(void **s)
{
    (void)s;
    char path[] = "/tmp/moat-log-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    assert_int_equal(moatd_log_open(MOATD_LOG_TEXT, MOATD_LOG_INFO, path, err, sizeof err), 0);
    assert_false(moatd_log_enabled(MOATD_LOG_DEBUG));
    moatd_log(MOATD_LOG_DEBUG, "hidden", "k", "v", NULL);
    moatd_log(MOATD_LOG_INFO, "conn", "client", "dev-1", NULL);
    moatd_log_deny("dev-2", "127.0.0.1:9", "PUBLISH", "$aws/x", "policy denies iot:Publish");
    char n[24];
    moatd_logf(MOATD_LOG_ERROR, "store", "commit failed %s", moatd_log_num(n, -42));
    moatd_log_close();
    char *text = read_all(path);
    unlink(path);
    assert_null(strstr(text, "hidden"));
    assert_non_null(strstr(text, " INFO conn client=dev-1\n"));
    assert_non_null(strstr(text, " WARN deny client=dev-2 addr=127.0.0.1:9 action=PUBLISH "
                                 "resource=$aws/x reason=\"policy denies iot:Publish\"\n"));
    assert_non_null(strstr(text, " ERROR store msg=\"commit failed -42\"\n"));
}

static void test_unwritable_log_file_is_a_clear_error(void **s)
{
    (void)s;
    char err[256] = "";
    assert_int_equal(moatd_log_open(MOATD_LOG_TEXT, MOATD_LOG_INFO, "/nonexistent/dir/moatd.log",
                                    err, sizeof err),
                     -1);
    assert_string_equal(err, "cannot open log file '/nonexistent/dir/moatd.log': No such file "
                             "or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_line_has_time_level_event_and_fields),
        cmocka_unit_test(test_text_quotes_and_escapes_awkward_values),
        cmocka_unit_test(test_json_line_is_one_object_with_escaped_strings),
        cmocka_unit_test(test_invalid_utf8_is_escaped_so_the_line_stays_valid),
        cmocka_unit_test(test_json_line_too_long_drops_whole_fields_and_says_so),
        cmocka_unit_test(test_long_values_are_cut_at_a_utf8_boundary),
        cmocka_unit_test(test_level_names_parse_both_ways),
        cmocka_unit_test(test_file_output_filters_by_level_and_writes_deny_lines),
        cmocka_unit_test(test_unwritable_log_file_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
