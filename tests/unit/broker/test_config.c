/* test_config.c - moatd configuration: profile defaults, the config file format and its error
 * messages, flags overriding the file, consistency checks and --check-config on real PEM files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "broker/config.h"
#include "moat_peer.h"

static char g_dir[256];
static char g_err[1024];

static int setup_dir(void **s)
{
    (void)s;
    snprintf(g_dir, sizeof g_dir, "/tmp/moat-config-test.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int remove_dir(void **s)
{
    (void)s;
    return peer_sh("rm -rf '%s'", g_dir) == 0 ? 0 : -1;
}

/* Writes `text` to g_dir/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static moatd_config_status from_args(moatd_config *c, int argc, const char **argv)
{
    g_err[0] = '\0';
    return moatd_config_from_args(c, argc, (char **)argv, g_err, sizeof g_err);
}

static moatd_config_status load(moatd_config *c, const char *text)
{
    moatd_config_defaults(c, MOATD_PROFILE_AWS);
    g_err[0] = '\0';
    return moatd_config_load_file(c, write_file("moatd.conf", text), g_err, sizeof g_err);
}

/* --- defaults --- */

static void test_aws_profile_defaults_follow_aws_iot_limits(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--data-dir", "/tmp/x"};
    assert_int_equal(from_args(&c, 3, argv), MOATD_CONFIG_OK);
    assert_int_equal(c.profile, MOATD_PROFILE_AWS);
    assert_int_equal(c.max_packet, 128 * 1024 + 512); /* 128 KB payload + header, topic */
    assert_int_equal(c.keepalive_min, 30);
    assert_int_equal(c.keepalive_max, 1200);
    assert_int_equal(c.client_id_max, 128);
    assert_int_equal(c.session_expiry, 3600);
    assert_int_equal(c.sqlite_synchronous, MOATD_STORE_SYNC_NORMAL);
}

static void test_mqtt_profile_lifts_aws_limits(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--profile", "mqtt"};
    assert_int_equal(from_args(&c, 3, argv), MOATD_CONFIG_OK);
    assert_int_equal(c.profile, MOATD_PROFILE_MQTT);
    assert_int_equal(c.max_packet, 16 * 1024 * 1024);
    assert_int_equal(c.keepalive_min, 0);
    assert_int_equal(c.client_id_max, 65535);
    assert_int_equal(c.session_expiry, 0);
}

static void test_no_listener_and_no_cert_listens_on_localhost_1883(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd"};
    assert_int_equal(from_args(&c, 1, argv), MOATD_CONFIG_OK);
    assert_int_equal(c.n_listeners, 1);
    assert_string_equal(c.listeners[0].host, "127.0.0.1");
    assert_int_equal(c.listeners[0].port, 1883);
    assert_false(c.listeners[0].tls);
}

static void test_data_dir_defaults_to_xdg_state_home(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd"};
    setenv("XDG_STATE_HOME", "/var/tmp/state", 1);
    assert_int_equal(from_args(&c, 1, argv), MOATD_CONFIG_OK);
    unsetenv("XDG_STATE_HOME");
    assert_string_equal(c.data_dir, "/var/tmp/state/moatd");
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(from_args(&c, 1, argv), MOATD_CONFIG_OK);
    assert_string_equal(c.data_dir, "/home/someone/.local/state/moatd");
}

/* --- value parsers --- */

static void test_sizes_take_k_m_g_suffixes(void **s)
{
    (void)s;
    size_t v;
    assert_true(moatd_config_parse_size("4096", &v));
    assert_int_equal(v, 4096);
    assert_true(moatd_config_parse_size("128k", &v));
    assert_int_equal(v, 131072);
    assert_true(moatd_config_parse_size("2MB", &v));
    assert_int_equal(v, 2 * 1024 * 1024);
    assert_true(moatd_config_parse_size("1g", &v));
    assert_int_equal(v, 1024ULL * 1024 * 1024);
    assert_false(moatd_config_parse_size("big", &v));
    assert_false(moatd_config_parse_size("12q", &v));
    assert_false(moatd_config_parse_size("-1", &v));
    assert_false(moatd_config_parse_size("", &v));
    assert_false(moatd_config_parse_size("99999999999999999999k", &v));
}

static void test_durations_take_s_m_h_suffixes(void **s)
{
    (void)s;
    uint32_t v;
    assert_true(moatd_config_parse_seconds("30", &v));
    assert_int_equal(v, 30);
    assert_true(moatd_config_parse_seconds("20m", &v));
    assert_int_equal(v, 1200);
    assert_true(moatd_config_parse_seconds("1h", &v));
    assert_int_equal(v, 3600);
    assert_false(moatd_config_parse_seconds("soon", &v));
    assert_false(moatd_config_parse_seconds("5x", &v));
    assert_false(moatd_config_parse_seconds("9999999999", &v));
}

static void test_listener_accepts_v4_v6_and_port_only(void **s)
{
    (void)s;
    moatd_listener l;
    assert_true(moatd_config_parse_listener("127.0.0.1:1883", &l));
    assert_string_equal(l.host, "127.0.0.1");
    assert_int_equal(l.port, 1883);
    assert_true(moatd_config_parse_listener("[::1]:8883", &l));
    assert_string_equal(l.host, "::1");
    assert_int_equal(l.port, 8883);
    assert_true(moatd_config_parse_listener(":8883", &l));
    assert_string_equal(l.host, "0.0.0.0");
    assert_true(moatd_config_parse_listener("1883", &l));
    assert_int_equal(l.port, 1883);
}

static void test_listener_rejects_bad_ports_and_hosts(void **s)
{
    (void)s;
    moatd_listener l;
    assert_false(moatd_config_parse_listener("127.0.0.1:0", &l));
    assert_false(moatd_config_parse_listener("127.0.0.1:65536", &l));
    assert_false(moatd_config_parse_listener("127.0.0.1:", &l));
    assert_false(moatd_config_parse_listener("::1:8883", &l));
    assert_false(moatd_config_parse_listener("[::1]8883", &l));
    assert_false(moatd_config_parse_listener("host name:1", &l));
    assert_false(moatd_config_parse_listener("", &l));
}

static void test_booleans_take_yes_no_true_false_on_off(void **s)
{
    (void)s;
    bool b;
    assert_true(moatd_config_parse_bool("yes", &b) && b);
    assert_true(moatd_config_parse_bool("Off", &b) && !b);
    assert_true(moatd_config_parse_bool("1", &b) && b);
    assert_false(moatd_config_parse_bool("maybe", &b));
}

/* --- config file --- */

static void test_file_reads_keys_comments_and_repeated_listeners(void **s)
{
    (void)s;
    moatd_config c;
    assert_int_equal(load(&c, "# moatd test\n"
                              "\n"
                              "profile mqtt\n"
                              "listen 127.0.0.1:1883   # the plain port\n"
                              "listen [::1]:1884\n"
                              "max-packet 256k\n"
                              "  log_format   json  \n"
                              "sys_interval 1m\n"),
                     MOATD_CONFIG_OK);
    assert_int_equal(c.profile, MOATD_PROFILE_MQTT);
    assert_int_equal(c.n_listeners, 2);
    assert_int_equal(c.listeners[1].port, 1884);
    assert_string_equal(c.listeners[1].host, "::1");
    assert_int_equal(c.max_packet, 256 * 1024);
    assert_int_equal(c.log_format, MOATD_LOG_JSON);
    assert_int_equal(c.sys_interval, 60);
}

static void test_file_bad_value_names_file_line_key_and_value(void **s)
{
    (void)s;
    moatd_config c;
    assert_int_equal(load(&c, "profile aws\n# x\nmax_packet big\n"), MOATD_CONFIG_ERR_VALUE);
    assert_string_equal(g_err, "moatd.conf:3: 'max_packet' wants a size like 128k, got 'big'");
}

static void test_file_unknown_key_suggests_the_closest(void **s)
{
    (void)s;
    moatd_config c;
    assert_int_equal(load(&c, "max_inflihgt 10\n"), MOATD_CONFIG_ERR_VALUE);
    assert_string_equal(g_err,
                        "moatd.conf:1: unknown key 'max_inflihgt' (did you mean 'max_inflight'?)");
    assert_int_equal(load(&c, "zzzzzzzz 1\n"), MOATD_CONFIG_ERR_VALUE);
    assert_non_null(strstr(g_err, "unknown key 'zzzzzzzz'"));
    assert_null(strstr(g_err, "did you mean"));
}

static void test_file_key_without_value_is_an_error(void **s)
{
    (void)s;
    moatd_config c;
    assert_int_equal(load(&c, "max_inflight\n"), MOATD_CONFIG_ERR_VALUE);
    assert_string_equal(g_err, "moatd.conf:1: 'max_inflight' has no value (write: max_inflight "
                               "VALUE)");
}

static void test_file_enum_errors_list_the_choices(void **s)
{
    (void)s;
    moatd_config c;
    assert_int_equal(load(&c, "profile azure\n"), MOATD_CONFIG_ERR_VALUE);
    assert_string_equal(g_err, "moatd.conf:1: 'profile' wants aws or mqtt, got 'azure'");
    assert_int_equal(load(&c, "sqlite_synchronous off\n"), MOATD_CONFIG_ERR_VALUE);
    assert_non_null(strstr(g_err, "wants normal or full"));
    assert_int_equal(load(&c, "log_level loud\n"), MOATD_CONFIG_ERR_VALUE);
    assert_non_null(strstr(g_err, "wants debug, info, warn or error"));
}

static void test_file_duplicate_listener_is_an_error(void **s)
{
    (void)s;
    moatd_config c;
    assert_int_equal(load(&c, "listen 127.0.0.1:1883\ntls_listen 127.0.0.1:1883\n"),
                     MOATD_CONFIG_ERR_VALUE);
    assert_string_equal(g_err, "moatd.conf:2: listener 127.0.0.1:1883 is given twice");
}

static void test_missing_config_file_names_the_path(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--config", "/nonexistent/moatd.conf"};
    assert_int_equal(from_args(&c, 3, argv), MOATD_CONFIG_ERR_FILE);
    assert_string_equal(g_err, "cannot read config file '/nonexistent/moatd.conf': No such "
                               "file or directory");
}

static void test_profile_given_after_a_limit_keeps_the_limit(void **s)
{
    (void)s;
    moatd_config c;
    const char *path = write_file("p.conf", "max_packet 1m\nprofile aws\n");
    const char *argv[] = {"moatd", "-c", path};
    assert_int_equal(from_args(&c, 3, argv), MOATD_CONFIG_OK);
    assert_int_equal(c.max_packet, 1024 * 1024);
    assert_int_equal(c.keepalive_max, 1200);
}

static void test_alpn_is_a_comma_list_and_empty_turns_it_off(void **s)
{
    (void)s;
    moatd_config c;
    assert_int_equal(load(&c, "alpn x-amzn-mqtt-ca, mqtt ,foo\n"), MOATD_CONFIG_OK);
    assert_int_equal(c.n_alpn, 3);
    assert_string_equal(c.alpn[1], "mqtt");
    assert_int_equal(load(&c, "alpn\n"), MOATD_CONFIG_OK);
    assert_int_equal(c.n_alpn, 0);
    assert_int_equal(load(&c, "alpn a,,b\n"), MOATD_CONFIG_ERR_VALUE);
}

static void test_the_shipped_example_config_file_parses(void **s)
{
    (void)s;
    moatd_config c;
    char path[512];
    const char *src = getenv("MOAT_SRC_DIR");
    snprintf(path, sizeof path, "%s/docs/moatd.conf.example", src ? src : ".");
    moatd_config_defaults(&c, MOATD_PROFILE_AWS);
    assert_int_equal(moatd_config_load_file(&c, path, g_err, sizeof g_err), MOATD_CONFIG_OK);
    assert_int_equal(c.n_listeners, 2);
    assert_true(c.listeners[1].tls);
    assert_int_equal(c.session_expiry, 3600);
    assert_int_equal(c.connect_timeout, 10);
    assert_string_equal(c.data_dir, "/var/lib/moatd");
}

/* --- flags --- */

static void test_flags_override_the_file(void **s)
{
    (void)s;
    moatd_config c;
    const char *path = write_file("o.conf", "max_packet 64k\nlog_level warn\n");
    const char *argv[] = {"moatd", "--max-packet=32k", "--config", path, "-v"};
    assert_int_equal(from_args(&c, 5, argv), MOATD_CONFIG_OK);
    assert_int_equal(c.max_packet, 32 * 1024);
    assert_int_equal(c.log_level, MOATD_LOG_DEBUG);
    assert_string_equal(c.config_file, path);
}

static void test_listen_flags_replace_the_file_listeners(void **s)
{
    (void)s;
    moatd_config c;
    const char *path = write_file("l.conf", "listen 127.0.0.1:1000\nlisten 127.0.0.1:1001\n");
    const char *argv[] = {"moatd", "-c", path, "--listen", "127.0.0.1:2000", "--listen",
                          "127.0.0.1:2001"};
    assert_int_equal(from_args(&c, 7, argv), MOATD_CONFIG_OK);
    assert_int_equal(c.n_listeners, 2);
    assert_int_equal(c.listeners[0].port, 2000);
    assert_int_equal(c.listeners[1].port, 2001);
}

static void test_unknown_flag_suggests_the_closest(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--data-dri", "x"};
    assert_int_equal(from_args(&c, 3, argv), MOATD_CONFIG_ERR_USAGE);
    assert_string_equal(g_err, "unknown option '--data-dri' (did you mean --data-dir?)");
}

static void test_flag_without_value_is_a_usage_error(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--listen"};
    assert_int_equal(from_args(&c, 2, argv), MOATD_CONFIG_ERR_USAGE);
    assert_string_equal(g_err, "--listen needs a value");
}

static void test_flag_bad_value_names_the_flag(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--tls-listen", "nowhere"};
    assert_int_equal(from_args(&c, 3, argv), MOATD_CONFIG_ERR_VALUE);
    assert_non_null(strstr(g_err, "--tls-listen: 'tls_listen' wants ADDR:PORT"));
}

static void test_help_and_check_config_flags_are_recorded(void **s)
{
    (void)s;
    moatd_config c;
    const char *help[] = {"moatd", "--help"};
    assert_int_equal(from_args(&c, 2, help), MOATD_CONFIG_OK);
    assert_true(c.help);
    const char *check[] = {"moatd", "--check-config", "--profile", "mqtt"};
    assert_int_equal(from_args(&c, 4, check), MOATD_CONFIG_OK);
    assert_true(c.check_config);
    assert_int_equal(c.profile, MOATD_PROFILE_MQTT);
}

/* --- consistency --- */

static void test_tls_listener_without_cert_is_an_error(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--tls-listen", "127.0.0.1:8883"};
    assert_int_equal(from_args(&c, 3, argv), MOATD_CONFIG_ERR_VALUE);
    assert_string_equal(g_err, "TLS listener 127.0.0.1:8883 needs the server certificate and "
                               "key: set 'cert' and 'key' (--cert FILE --key FILE)");
}

static void test_cafile_turns_on_require_certificate(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--cafile", "ca.pem", "--listen", "1883"};
    assert_int_equal(from_args(&c, 5, argv), MOATD_CONFIG_OK);
    assert_true(c.require_certificate);
    const char *off[] = {"moatd", "--cafile", "ca.pem", "--require-certificate", "no"};
    assert_int_equal(from_args(&c, 5, off), MOATD_CONFIG_OK);
    assert_false(c.require_certificate);
}

static void test_require_certificate_without_cafile_is_an_error(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--require-certificate", "yes"};
    assert_int_equal(from_args(&c, 3, argv), MOATD_CONFIG_ERR_VALUE);
    assert_non_null(strstr(g_err, "'cafile' is not set"));
}

static void test_keepalive_min_above_max_is_an_error(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--keepalive-min", "100", "--keepalive-max", "60"};
    assert_int_equal(from_args(&c, 5, argv), MOATD_CONFIG_ERR_VALUE);
    assert_string_equal(g_err, "'keepalive_min' (100) is larger than 'keepalive_max' (60)");
}

static void test_cert_with_default_listeners_adds_tls_8883(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--cert", "s.crt", "--key", "s.key"};
    assert_int_equal(from_args(&c, 5, argv), MOATD_CONFIG_OK);
    assert_int_equal(c.n_listeners, 1);
    assert_true(c.listeners[0].tls);
    assert_int_equal(c.listeners[0].port, 8883);
}

static void test_dump_reads_back_to_the_same_settings(void **s)
{
    (void)s;
    moatd_config a, b;
    const char *argv[] = {"moatd", "--profile", "mqtt", "--listen", "[::1]:1999",
                          "--max-inflight", "7", "--alpn", "mqtt", "--data-dir", "/tmp/d"};
    assert_int_equal(from_args(&a, 11, argv), MOATD_CONFIG_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/dump.conf", g_dir);
    FILE *f = fopen(path, "w");
    moatd_config_dump(&a, f);
    fclose(f);
    const char *argv2[] = {"moatd", "--config", path};
    assert_int_equal(from_args(&b, 3, argv2), MOATD_CONFIG_OK);
    assert_int_equal(b.profile, MOATD_PROFILE_MQTT);
    assert_int_equal(b.n_listeners, 1);
    assert_string_equal(b.listeners[0].host, "::1");
    assert_int_equal(b.max_inflight, 7);
    assert_int_equal(b.n_alpn, 1);
    assert_int_equal(b.max_packet, a.max_packet);
    assert_string_equal(b.data_dir, "/tmp/d");
}

/* --- --check-config with real PEM files (tests/lib/pki.sh) --- */

static int setup_pki(void **s)
{
    if (setup_dir(s) != 0)
        return -1;
    const char *src = getenv("MOAT_SRC_DIR");
    return peer_sh("bash '%s/tests/lib/pki.sh' '%s/pki' >/dev/null", src ? src : ".", g_dir);
}

static moatd_config_status check(const char *cert, const char *key, const char *ca,
                                 char *out, size_t cap)
{
    moatd_config c;
    char cp[512], kp[512], ap[512], dd[512];
    snprintf(cp, sizeof cp, "%s/pki/%s", g_dir, cert);
    snprintf(kp, sizeof kp, "%s/pki/%s", g_dir, key);
    snprintf(ap, sizeof ap, "%s/pki/%s", g_dir, ca);
    snprintf(dd, sizeof dd, "%s/data", g_dir);
    const char *argv[] = {"moatd", "--cert", cp, "--key", kp, "--cafile", ap, "--data-dir", dd,
                          "--check-config"};
    assert_int_equal(from_args(&c, 10, argv), MOATD_CONFIG_OK);
    FILE *f = fmemopen(out, cap, "w");
    moatd_config_status st = moatd_config_check(&c, f, g_err, sizeof g_err);
    fclose(f);
    return st;
}

static void test_check_config_accepts_matching_cert_and_key(void **s)
{
    (void)s;
    char out[4096] = "";
    assert_int_equal(check("server.crt", "server.key", "device-ca.crt", out, sizeof out),
                     MOATD_CONFIG_OK);
    assert_non_null(strstr(out, "(matches the certificate)"));
    assert_non_null(strstr(out, "1 CA certificate"));
    assert_non_null(strstr(out, "0.0.0.0:8883 (TLS, client certificate required)"));
    assert_non_null(strstr(out, "no database yet"));
    assert_non_null(strstr(out, "configuration OK"));
}

static void test_check_config_rejects_a_key_of_another_certificate(void **s)
{
    (void)s;
    char out[4096] = "";
    assert_int_equal(check("server.crt", "other.key", "device-ca.crt", out, sizeof out),
                     MOATD_CONFIG_ERR_TLS);
    assert_non_null(strstr(g_err, "does not match certificate"));
    assert_non_null(strstr(g_err, "other.key"));
}

static void test_check_config_names_an_unreadable_cafile(void **s)
{
    (void)s;
    char out[4096] = "";
    assert_int_equal(check("server.crt", "server.key", "missing.crt", out, sizeof out),
                     MOATD_CONFIG_ERR_TLS);
    assert_non_null(strstr(g_err, "cafile '"));
    assert_non_null(strstr(g_err, "missing.crt' cannot be read"));
}

static void test_check_config_rejects_a_key_given_as_cert(void **s)
{
    (void)s;
    char out[4096] = "";
    assert_int_equal(check("server.key", "server.key", "device-ca.crt", out, sizeof out),
                     MOATD_CONFIG_ERR_TLS);
    assert_non_null(strstr(g_err, "is not a PEM certificate chain"));
}

static void test_check_config_rejects_unknown_ciphers(void **s)
{
    (void)s;
    moatd_config c;
    const char *argv[] = {"moatd", "--ciphers", "NO-SUCH-CIPHER", "--data-dir", g_dir};
    assert_int_equal(from_args(&c, 5, argv), MOATD_CONFIG_OK);
    FILE *f = fopen("/dev/null", "w");
    assert_int_equal(moatd_config_check(&c, f, g_err, sizeof g_err), MOATD_CONFIG_ERR_VALUE);
    fclose(f);
    assert_string_equal(g_err, "'ciphers' matches no cipher OpenSSL knows: 'NO-SUCH-CIPHER'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_profile_defaults_follow_aws_iot_limits),
        cmocka_unit_test(test_mqtt_profile_lifts_aws_limits),
        cmocka_unit_test(test_no_listener_and_no_cert_listens_on_localhost_1883),
        cmocka_unit_test(test_data_dir_defaults_to_xdg_state_home),
        cmocka_unit_test(test_sizes_take_k_m_g_suffixes),
        cmocka_unit_test(test_durations_take_s_m_h_suffixes),
        cmocka_unit_test(test_listener_accepts_v4_v6_and_port_only),
        cmocka_unit_test(test_listener_rejects_bad_ports_and_hosts),
        cmocka_unit_test(test_booleans_take_yes_no_true_false_on_off),
        cmocka_unit_test_setup_teardown(test_file_reads_keys_comments_and_repeated_listeners,
                                        setup_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_file_bad_value_names_file_line_key_and_value,
                                        setup_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_file_unknown_key_suggests_the_closest, setup_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_file_key_without_value_is_an_error, setup_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_file_enum_errors_list_the_choices, setup_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_file_duplicate_listener_is_an_error, setup_dir,
                                        remove_dir),
        cmocka_unit_test(test_missing_config_file_names_the_path),
        cmocka_unit_test_setup_teardown(test_profile_given_after_a_limit_keeps_the_limit,
                                        setup_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_alpn_is_a_comma_list_and_empty_turns_it_off,
                                        setup_dir, remove_dir),
        cmocka_unit_test(test_the_shipped_example_config_file_parses),
        cmocka_unit_test_setup_teardown(test_flags_override_the_file, setup_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_listen_flags_replace_the_file_listeners, setup_dir,
                                        remove_dir),
        cmocka_unit_test(test_unknown_flag_suggests_the_closest),
        cmocka_unit_test(test_flag_without_value_is_a_usage_error),
        cmocka_unit_test(test_flag_bad_value_names_the_flag),
        cmocka_unit_test(test_help_and_check_config_flags_are_recorded),
        cmocka_unit_test(test_tls_listener_without_cert_is_an_error),
        cmocka_unit_test(test_cafile_turns_on_require_certificate),
        cmocka_unit_test(test_require_certificate_without_cafile_is_an_error),
        cmocka_unit_test(test_keepalive_min_above_max_is_an_error),
        cmocka_unit_test(test_cert_with_default_listeners_adds_tls_8883),
        cmocka_unit_test_setup_teardown(test_dump_reads_back_to_the_same_settings, setup_dir,
                                        remove_dir),
    };
    const struct CMUnitTest pki_tests[] = {
        cmocka_unit_test(test_check_config_accepts_matching_cert_and_key),
        cmocka_unit_test(test_check_config_rejects_a_key_of_another_certificate),
        cmocka_unit_test(test_check_config_names_an_unreadable_cafile),
        cmocka_unit_test(test_check_config_rejects_a_key_given_as_cert),
        cmocka_unit_test(test_check_config_rejects_unknown_ciphers),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    failed += cmocka_run_group_tests(pki_tests, setup_pki, remove_dir);
    return failed;
}
