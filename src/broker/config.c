/* broker/config.c - moatd configuration: the key table (names, types, defaults per profile),
 * the config file reader, command-line flags and consistency checks.
 */
#include "broker/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef enum {
    T_PROFILE, T_LISTEN, T_TLS_LISTEN, T_PATH, T_STR, T_BOOL, T_SIZE, T_U32, T_SECONDS,
    T_SYNC, T_LOG_FORMAT, T_LOG_LEVEL, T_ALPN,
} key_type;

typedef struct {
    const char *name;
    key_type type;
    size_t off;   /* offset of the field in moatd_config */
    size_t size;  /* for T_PATH/T_STR: the field's capacity */
    const char *help;
} key_def;

#define F(field) offsetof(moatd_config, field), sizeof(((moatd_config *)0)->field)

/* The order is the order of moatd_config_dump(); the index is the bit in set_mask. */
static const key_def KEYS[] = {
    {"profile", T_PROFILE, F(profile), "aws (default) or mqtt"},
    {"listen", T_LISTEN, 0, 0, "plain TCP listener ADDR:PORT (repeatable)"},
    {"tls_listen", T_TLS_LISTEN, 0, 0, "TLS listener ADDR:PORT (repeatable)"},
    {"cert", T_PATH, F(cert_file), "server certificate chain (PEM)"},
    {"key", T_PATH, F(key_file), "server private key (PEM)"},
    {"cafile", T_PATH, F(ca_file), "CA certificates that client certificates chain to (PEM)"},
    {"require_certificate", T_BOOL, F(require_certificate),
     "refuse TLS clients without a verified certificate (default: yes if cafile is set)"},
    {"ciphers", T_STR, F(ciphers), "TLS 1.2 cipher list, OpenSSL syntax"},
    {"ciphersuites", T_STR, F(ciphersuites), "TLS 1.3 cipher suites, OpenSSL syntax"},
    {"alpn", T_ALPN, 0, 0, "accepted ALPN protocols, comma-separated"},
    {"alpn_required", T_BOOL, F(alpn_required), "refuse clients offering none of our ALPN"},
    {"data_dir", T_PATH, F(data_dir), "directory of the SQLite database"},
    {"sqlite_synchronous", T_SYNC, F(sqlite_synchronous), "normal or full"},
    {"max_packet", T_SIZE, F(max_packet), "largest MQTT packet accepted"},
    {"max_inflight", T_U32, F(max_inflight), "unacknowledged QoS 1/2 messages per client"},
    {"max_queued_messages", T_U32, F(max_queued_messages), "queued messages per client"},
    {"max_outgoing_bytes", T_SIZE, F(max_outgoing_bytes), "bytes buffered per client"},
    {"max_connections", T_U32, F(max_connections), "0 = limited by the fd limit only"},
    {"client_id_max", T_U32, F(client_id_max), "longest client id (bytes)"},
    {"keepalive_min", T_SECONDS, F(keepalive_min), "smaller keep-alives are raised to this"},
    {"keepalive_max", T_SECONDS, F(keepalive_max), "larger keep-alives are lowered to this"},
    {"connect_timeout", T_SECONDS, F(connect_timeout), "time allowed to send CONNECT"},
    {"session_expiry", T_SECONDS, F(session_expiry), "persistent session lifetime, 0 = ever"},
    {"log_format", T_LOG_FORMAT, F(log_format), "text or json"},
    {"log_level", T_LOG_LEVEL, F(log_level), "debug, info, warn or error"},
    {"log_file", T_PATH, F(log_file), "log file; empty or - = stderr"},
    {"sys_interval", T_SECONDS, F(sys_interval), "seconds between $SYS updates, 0 = off"},
};
#define N_KEYS (sizeof KEYS / sizeof KEYS[0])

static void errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const char *moatd_profile_name(moatd_profile p)
{
    return p == MOATD_PROFILE_MQTT ? "mqtt" : "aws";
}

const char *moatd_config_strerror(moatd_config_status s)
{
    switch (s) {
    case MOATD_CONFIG_OK: return "ok";
    case MOATD_CONFIG_ERR_USAGE: return "bad command line (see moatd --help)";
    case MOATD_CONFIG_ERR_FILE: return "the config file cannot be read";
    case MOATD_CONFIG_ERR_VALUE: return "a bad setting";
    case MOATD_CONFIG_ERR_TLS: return "a TLS file is unreadable or the key does not match";
    }
    return "unknown config status";
}

/* --- defaults --- */

static int key_index(const char *name);

static bool is_set(const moatd_config *c, const char *name)
{
    int i = key_index(name);
    return i >= 0 && (c->set_mask >> i) & 1;
}

/* Keys whose default depends on the profile: applied by _defaults and again by _finish for
 * every key not set explicitly, so `profile` may come after them in a file. */
static void profile_defaults(moatd_config *c)
{
    bool aws = c->profile == MOATD_PROFILE_AWS;
    if (!is_set(c, "max_packet"))
        /* AWS: 128 KB per message payload; the packet adds a header and a topic of at
         * most 256 bytes, so the payload rule (profile.c) is the one a client meets */
        c->max_packet = aws ? 128 * 1024 + 512 : 16 * 1024 * 1024;
    if (!is_set(c, "client_id_max"))
        c->client_id_max = aws ? 128 : 65535;
    if (!is_set(c, "keepalive_min"))
        c->keepalive_min = aws ? 30 : 0;        /* AWS treats 0 < k < 30 as 30 */
    if (!is_set(c, "keepalive_max"))
        c->keepalive_max = aws ? 1200 : 65535;  /* AWS lowers larger values to 1200 */
    if (!is_set(c, "session_expiry"))
        c->session_expiry = aws ? 3600 : 0;     /* AWS default: 1 hour */
}

void moatd_config_defaults(moatd_config *c, moatd_profile profile)
{
    memset(c, 0, sizeof *c);
    c->profile = profile;
    c->require_certificate = false;
    snprintf(c->alpn[0], sizeof c->alpn[0], "x-amzn-mqtt-ca");
    snprintf(c->alpn[1], sizeof c->alpn[1], "mqtt");
    c->n_alpn = 2;
    c->sqlite_synchronous = MOATD_STORE_SYNC_NORMAL;
    c->max_inflight = 100;          /* AWS: 100 unacknowledged outbound QoS 1 per client */
    c->max_queued_messages = 1000;
    c->max_outgoing_bytes = 1024 * 1024;
    c->connect_timeout = 10;
    c->log_format = MOATD_LOG_TEXT;
    c->log_level = MOATD_LOG_INFO;
    c->sys_interval = 10;
    profile_defaults(c);
}

/* --- value parsers --- */

/* Reads DIGITS and an optional unit: one letter of `units`, whose multiplier is the same
 * entry of `muls` (1 without a unit). *rest points after them. False when s does not start
 * with a digit, the number overflows, or the letter after it is not a unit. */
static bool parse_scaled(const char *s, const char *units, const unsigned long long *muls,
                         unsigned long long *v, unsigned long long *mul, const char **rest)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    *v = strtoull(s, &end, 10);
    if (errno)
        return false;
    *mul = 1;
    if (*end) {
        const char *u = strchr(units, *end);
        if (!u)
            return false;
        *mul = muls[u - units];
        end++;
    }
    *rest = end;
    return true;
}

bool moatd_config_parse_size(const char *s, size_t *out)
{
    static const unsigned long long muls[] = {1024ULL, 1024ULL, 1024ULL * 1024, 1024ULL * 1024,
                                              1024ULL * 1024 * 1024, 1024ULL * 1024 * 1024};
    unsigned long long v = 0, mul = 1;
    const char *end = NULL;
    if (!parse_scaled(s, "kKmMgG", muls, &v, &mul, &end))
        return false;
    if ((*end == 'b' || *end == 'B') && mul > 1)
        end++;
    if (*end || v > (unsigned long long)SIZE_MAX / mul)
        return false;
    *out = (size_t)(v * mul);
    return true;
}

bool moatd_config_parse_seconds(const char *s, uint32_t *out)
{
    static const unsigned long long muls[] = {1, 60, 3600, 86400};
    unsigned long long v = 0, mul = 1;
    const char *end = NULL;
    if (!parse_scaled(s, "smhd", muls, &v, &mul, &end))
        return false;
    if (*end || v > UINT32_MAX / mul)
        return false;
    *out = (uint32_t)(v * mul);
    return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool moatd_config_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; s && i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = true, true;
        if (strcasecmp(s, no[i]) == 0)
            return *out = false, true;
    }
    return false;
}

static bool parse_port(const char *s, uint16_t *out)
{
    uint32_t v;
    if (!parse_u32(s, &v) || v == 0 || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

static bool valid_host(const char *h, bool v6)
{
    if (!*h)
        return false;
    for (; *h; h++) {
        char ch = *h;
        bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == '-' || (v6 && ch == ':');
        if (!ok)
            return false;
    }
    return true;
}

bool moatd_config_parse_listener(const char *s, moatd_listener *out)
{
    moatd_listener l = {.host = "0.0.0.0"};
    const char *port;
    if (!s || !*s)
        return false;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof l.host)
            return false;
        memcpy(l.host, s + 1, (size_t)(close - s - 1));
        l.host[close - s - 1] = '\0';
        if (!valid_host(l.host, true))
            return false;
        port = close + 2;
    } else if (strchr(s, ':')) {
        const char *colon = strrchr(s, ':');
        if ((size_t)(colon - s) >= sizeof l.host || memchr(s, ':', (size_t)(colon - s)))
            return false;
        if (colon > s) {
            memcpy(l.host, s, (size_t)(colon - s));
            l.host[colon - s] = '\0';
            if (!valid_host(l.host, false))
                return false;
        }
        port = colon + 1;
    } else {
        port = s;
    }
    if (!parse_port(port, &l.port))
        return false;
    *out = l;
    return true;
}

/* --- key lookup and did-you-mean --- */

static void normalize_key(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    for (; in[i] && i + 1 < cap; i++)
        out[i] = in[i] == '-' ? '_' : in[i];
    out[i] = '\0';
}

static int key_index(const char *name)
{
    char k[64];
    normalize_key(name, k, sizeof k);
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(KEYS[i].name, k) == 0)
            return (int)i;
    return -1;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The known key closest to `name`, or NULL when none is close enough to be a typo. A key that
 * contains the word typed (e.g. "inflight" -> "max_inflight") also counts. */
static const char *suggest_key(const char *name)
{
    char k[64];
    normalize_key(name, k, sizeof k);
    const char *best = NULL;
    size_t best_d = 99;
    for (size_t i = 0; i < N_KEYS; i++) {
        size_t d = edit_distance(k, KEYS[i].name);
        if (strlen(k) >= 4 && strstr(KEYS[i].name, k))
            d = d < 2 ? d : 2;
        if (d < best_d) {
            best_d = d;
            best = KEYS[i].name;
        }
    }
    size_t limit = strlen(k) <= 4 ? 1 : 3;
    return best_d <= limit ? best : NULL;
}

/* --- setting one key --- */

static moatd_config_status bad(char *err, size_t errlen, const char *where, const char *key,
                               const char *wants, const char *value)
{
    errf(err, errlen, "%s: '%s' wants %s, got '%s'", where, key, wants, value);
    return MOATD_CONFIG_ERR_VALUE;
}

static moatd_config_status add_listener(moatd_config *c, const key_def *k, const char *value,
                                        const char *where, char *err, size_t errlen)
{
    moatd_listener l;
    if (!moatd_config_parse_listener(value, &l))
        return bad(err, errlen, where, k->name,
                   "ADDR:PORT like 127.0.0.1:1883, [::1]:8883 or :8883", value);
    if (c->n_listeners == MOATD_MAX_LISTENERS) {
        errf(err, errlen, "%s: too many listeners (at most %d)", where, MOATD_MAX_LISTENERS);
        return MOATD_CONFIG_ERR_VALUE;
    }
    l.tls = k->type == T_TLS_LISTEN;
    for (size_t i = 0; i < c->n_listeners; i++)
        if (c->listeners[i].port == l.port && strcmp(c->listeners[i].host, l.host) == 0) {
            errf(err, errlen, "%s: listener %s is given twice", where, value);
            return MOATD_CONFIG_ERR_VALUE;
        }
    c->listeners[c->n_listeners++] = l;
    return MOATD_CONFIG_OK;
}

static moatd_config_status set_alpn(moatd_config *c, const char *value, const char *where,
                                    char *err, size_t errlen)
{
    size_t n = 0;
    const char *p = value;
    char list[MOATD_MAX_ALPN][64];
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && p[0] == ' ')
            p++, len--;
        while (len && p[len - 1] == ' ')
            len--;
        if (len == 0 || len >= sizeof list[0] || n == MOATD_MAX_ALPN)
            return bad(err, errlen, where, "alpn",
                       "a comma-separated list of up to 8 protocol names like "
                       "x-amzn-mqtt-ca,mqtt",
                       value);
        memcpy(list[n], p, len);
        list[n++][len] = '\0';
        p += comma ? (size_t)(comma - p) + 1 : strlen(p);
    }
    memcpy(c->alpn, list, sizeof list);
    c->n_alpn = n; /* an empty value turns ALPN off */
    return MOATD_CONFIG_OK;
}

static moatd_config_status set_enum(const key_def *k, void *field, const char *value,
                                    const char *where, char *err, size_t errlen)
{
    int v = -1;
    const char *wants = "";
    switch (k->type) {
    case T_PROFILE:
        v = strcasecmp(value, "aws") == 0 ? MOATD_PROFILE_AWS
            : strcasecmp(value, "mqtt") == 0 ? MOATD_PROFILE_MQTT : -1;
        wants = "aws or mqtt";
        break;
    case T_SYNC:
        v = strcasecmp(value, "normal") == 0 ? MOATD_STORE_SYNC_NORMAL
            : strcasecmp(value, "full") == 0 ? MOATD_STORE_SYNC_FULL : -1;
        wants = "normal or full";
        break;
    case T_LOG_FORMAT:
        v = strcasecmp(value, "text") == 0 ? MOATD_LOG_TEXT
            : strcasecmp(value, "json") == 0 ? MOATD_LOG_JSON : -1;
        wants = "text or json";
        break;
    default:
        v = moatd_log_level_parse(value);
        wants = "debug, info, warn or error";
        break;
    }
    if (v < 0)
        return bad(err, errlen, where, k->name, wants, value);
    /* every enum field of moatd_config is an enum type, stored as int */
    *(int *)field = v;
    return MOATD_CONFIG_OK;
}

static moatd_config_status set_number(const key_def *k, void *field, const char *value,
                                      const char *where, char *err, size_t errlen)
{
    if (k->type == T_SIZE) {
        size_t v;
        if (!moatd_config_parse_size(value, &v))
            return bad(err, errlen, where, k->name, "a size like 128k", value);
        if (strcmp(k->name, "max_packet") == 0 && (v < 16 || v > 268435460))
            return bad(err, errlen, where, k->name, "a size from 16 to 256m", value);
        *(size_t *)field = v;
    } else if (k->type == T_SECONDS) {
        uint32_t v;
        if (!moatd_config_parse_seconds(value, &v))
            return bad(err, errlen, where, k->name, "a duration like 30, 90s or 20m", value);
        *(uint32_t *)field = v;
    } else {
        uint32_t v;
        if (!parse_u32(value, &v))
            return bad(err, errlen, where, k->name, "a whole number", value);
        if (strcmp(k->name, "max_inflight") == 0 && (v == 0 || v > 65535))
            return bad(err, errlen, where, k->name, "a number from 1 to 65535", value);
        if (strcmp(k->name, "client_id_max") == 0 && (v == 0 || v > 65535))
            return bad(err, errlen, where, k->name, "a number from 1 to 65535", value);
        *(uint32_t *)field = v;
    }
    return MOATD_CONFIG_OK;
}

static moatd_config_status set_value(moatd_config *c, const key_def *k, const char *value,
                                     const char *where, char *err, size_t errlen)
{
    void *field = (char *)c + k->off;
    switch (k->type) {
    case T_LISTEN:
    case T_TLS_LISTEN:
        return add_listener(c, k, value, where, err, errlen);
    case T_ALPN:
        return set_alpn(c, value, where, err, errlen);
    case T_PATH:
    case T_STR:
        if (strlen(value) >= k->size) {
            errf(err, errlen, "%s: '%s' is too long (at most %zu bytes)", where, k->name,
                 k->size - 1);
            return MOATD_CONFIG_ERR_VALUE;
        }
        memcpy(field, value, strlen(value) + 1);
        return MOATD_CONFIG_OK;
    case T_BOOL:
        if (!moatd_config_parse_bool(value, (bool *)field))
            return bad(err, errlen, where, k->name, "yes or no", value);
        return MOATD_CONFIG_OK;
    case T_SIZE:
    case T_U32:
    case T_SECONDS:
        return set_number(k, field, value, where, err, errlen);
    default:
        return set_enum(k, field, value, where, err, errlen);
    }
}

moatd_config_status moatd_config_set(moatd_config *c, const char *key, const char *value,
                                     const char *where, char *err, size_t errlen)
{
    int i = key_index(key);
    if (i < 0) {
        const char *s = suggest_key(key);
        if (s)
            errf(err, errlen, "%s: unknown key '%s' (did you mean '%s'?)", where, key, s);
        else
            errf(err, errlen, "%s: unknown key '%s' (see docs/broker.md for the keys)", where,
                 key);
        return MOATD_CONFIG_ERR_VALUE;
    }
    moatd_config_status s = set_value(c, &KEYS[i], value, where, err, errlen);
    if (s == MOATD_CONFIG_OK)
        c->set_mask |= 1ULL << i;
    return s;
}

/* --- config file --- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

/* Splits "key value" (the value is the rest of the line, trimmed; a value may be quoted to
 * keep leading spaces or a '#'). A '#' after whitespace starts a comment. */
static bool split_line(char *line, char **key, char **value)
{
    char *p = trim(line);
    if (!*p || *p == '#')
        return false;
    *key = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    if (*p)
        *p++ = '\0';
    p = trim(p);
    if (*p == '"') {
        char *close = strrchr(p + 1, '"');
        if (close) {
            *close = '\0';
            *value = p + 1;
            return true;
        }
    }
    for (char *h = p; *h; h++)
        if (*h == '#' && (h == p || h[-1] == ' ' || h[-1] == '\t')) {
            *h = '\0';
            break;
        }
    *value = trim(p);
    return true;
}

moatd_config_status moatd_config_load_file(moatd_config *c, const char *path, char *err,
                                           size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        errf(err, errlen, "cannot read config file '%s': %s", path, strerror(errno));
        return MOATD_CONFIG_ERR_FILE;
    }
    char line[2048], where[MOATD_PATH_MAX + 16];
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    moatd_config_status s = MOATD_CONFIG_OK;
    for (unsigned n = 1; s == MOATD_CONFIG_OK && fgets(line, sizeof line, f); n++) {
        char *key, *value;
        snprintf(where, sizeof where, "%s:%u", base, n);
        if (!strchr(line, '\n') && !feof(f)) {
            errf(err, errlen, "%s: line too long (at most %zu bytes)", where, sizeof line - 2);
            s = MOATD_CONFIG_ERR_VALUE;
        } else if (split_line(line, &key, &value)) {
            if (!*value && key_index(key) >= 0 && KEYS[key_index(key)].type != T_PATH &&
                KEYS[key_index(key)].type != T_STR && KEYS[key_index(key)].type != T_ALPN) {
                errf(err, errlen, "%s: '%s' has no value (write: %s VALUE)", where, key, key);
                s = MOATD_CONFIG_ERR_VALUE;
            } else {
                s = moatd_config_set(c, key, value, where, err, errlen);
            }
        }
    }
    fclose(f);
    if (s == MOATD_CONFIG_OK)
        snprintf(c->config_file, sizeof c->config_file, "%s", path);
    return s;
}

/* --- finishing: derived defaults and consistency --- */

static void default_data_dir(moatd_config *c)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(c->data_dir, sizeof c->data_dir, "%s/moatd", xdg);
    else if (home && home[0] == '/')
        snprintf(c->data_dir, sizeof c->data_dir, "%s/.local/state/moatd", home);
    else
        snprintf(c->data_dir, sizeof c->data_dir, "./moatd-data");
}

/* No listener given: TLS on 8883 when a certificate is configured (as AWS IoT), plain TCP on
 * the loopback only otherwise (and always in the mqtt profile), so an unconfigured broker is
 * never open to the network without TLS. */
static void default_listeners(moatd_config *c)
{
    bool have_cert = c->cert_file[0] && c->key_file[0];
    if (have_cert)
        c->listeners[c->n_listeners++] = (moatd_listener){"0.0.0.0", 8883, true};
    if (c->profile == MOATD_PROFILE_MQTT || !have_cert)
        c->listeners[c->n_listeners++] = (moatd_listener){"127.0.0.1", 1883, false};
}

static const moatd_listener *first_tls(const moatd_config *c)
{
    for (size_t i = 0; i < c->n_listeners; i++)
        if (c->listeners[i].tls)
            return &c->listeners[i];
    return NULL;
}

moatd_config_status moatd_config_finish(moatd_config *c, char *err, size_t errlen)
{
    profile_defaults(c);
    if (!c->data_dir[0])
        default_data_dir(c);
    if (c->n_listeners == 0)
        default_listeners(c);
    if (!is_set(c, "require_certificate"))
        c->require_certificate = c->ca_file[0] != '\0';
    const moatd_listener *tls = first_tls(c);
    if (tls && (!c->cert_file[0] || !c->key_file[0])) {
        errf(err, errlen,
             "TLS listener %s:%u needs the server certificate and key: set 'cert' and 'key' "
             "(--cert FILE --key FILE)",
             tls->host, tls->port);
        return MOATD_CONFIG_ERR_VALUE;
    }
    if ((c->cert_file[0] != '\0') != (c->key_file[0] != '\0')) {
        errf(err, errlen, "'%s' is set without '%s': give both the certificate and its key",
             c->cert_file[0] ? "cert" : "key", c->cert_file[0] ? "key" : "cert");
        return MOATD_CONFIG_ERR_VALUE;
    }
    if (c->require_certificate && !c->ca_file[0]) {
        errf(err, errlen,
             "'require_certificate' is yes but 'cafile' is not set: give the CA certificates "
             "that sign client certificates (--cafile FILE), or set require_certificate no");
        return MOATD_CONFIG_ERR_VALUE;
    }
    if (c->keepalive_min > c->keepalive_max) {
        errf(err, errlen, "'keepalive_min' (%u) is larger than 'keepalive_max' (%u)",
             c->keepalive_min, c->keepalive_max);
        return MOATD_CONFIG_ERR_VALUE;
    }
    return MOATD_CONFIG_OK;
}

/* --- command line --- */

void moatd_config_usage(FILE *out)
{
    fputs("usage: moatd [--config FILE] [--profile aws|mqtt] [--listen ADDR:PORT]...\n"
          "             [--tls-listen ADDR:PORT]... [--cert FILE --key FILE] [--cafile FILE]\n"
          "             [--data-dir DIR] [--log-format text|json] [--log-level LEVEL]\n"
          "             [--log-file FILE] [-v] [--check-config] [--KEY VALUE]...\n"
          "\n"
          "MQTT 3.1.1 broker with mutual TLS; behaves as AWS IoT Core by default.\n"
          "\n"
          "  -c, --config FILE     read settings from FILE (`key value` lines); flags win\n"
          "  --profile aws|mqtt    aws (default): AWS IoT Core rules; mqtt: plain MQTT 3.1.1\n"
          "  --listen ADDR:PORT    plain TCP listener (repeatable)\n"
          "  --tls-listen ADDR:PORT  TLS listener (repeatable); needs --cert and --key\n"
          "  --cert FILE --key FILE  server certificate chain and private key (PEM)\n"
          "  --cafile FILE         CAs for client certificates (turns on require_certificate)\n"
          "  --data-dir DIR        SQLite state (default $XDG_STATE_HOME/moatd or\n"
          "                        ~/.local/state/moatd)\n"
          "  --log-format text|json, --log-level debug|info|warn|error, --log-file FILE\n"
          "  -v                    same as --log-level debug\n"
          "  --check-config        check the settings and the TLS files, print a summary, exit\n"
          "  --KEY VALUE           any config file key, e.g. --max-packet 256k\n"
          "  -h, --help            this text;  --version  the version\n"
          "\n"
          "Config keys:\n",
          out);
    for (size_t i = 0; i < N_KEYS; i++)
        fprintf(out, "  %-21s %s\n", KEYS[i].name, KEYS[i].help);
    fputs("See docs/broker.md for details.\n", out);
}

/* Reads the value of flag argv[*i]: "--flag=value" or "--flag value". */
static const char *flag_value(int argc, char **argv, int *i, const char *eq)
{
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static bool valueless(const char *flag)
{
    return strcmp(flag, "--check-config") == 0 || strcmp(flag, "--verbose") == 0 ||
           strcmp(flag, "--help") == 0 || strcmp(flag, "--version") == 0;
}

static bool is_config_flag(const char *a)
{
    return strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 ||
           strncmp(a, "--config=", 9) == 0;
}

/* First pass: --config, --help and --version, so the file is read before the other flags. */
static moatd_config_status first_pass(int argc, char **argv, const char **config_path,
                                      moatd_config *c, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = a[0] == '-' && a[1] == '-' ? strchr(a, '=') : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            c->help = true;
        else if (strcmp(a, "--version") == 0)
            c->version = true;
        else if (is_config_flag(a)) {
            if (!(*config_path = flag_value(argc, argv, &i, eq))) {
                errf(err, errlen, "%s needs a FILE", a);
                return MOATD_CONFIG_ERR_USAGE;
            }
        } else if (a[0] == '-' && a[1] == '-' && !eq && !valueless(a))
            i++; /* skip the value of a --key value flag */
    }
    return MOATD_CONFIG_OK;
}

/* Maps flag names that differ from key names. */
static const char *flag_key(const char *flag)
{
    if (strcmp(flag, "tls-listen") == 0)
        return "tls_listen";
    return flag;
}

static moatd_config_status apply_flag(moatd_config *c, int argc, char **argv, int *i,
                                      bool *cleared_listeners, char *err, size_t errlen)
{
    const char *a = argv[*i];
    if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
        c->log_level = MOATD_LOG_DEBUG;
        return MOATD_CONFIG_OK;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "--version") == 0)
        return MOATD_CONFIG_OK;
    if (strcmp(a, "--check-config") == 0) {
        c->check_config = true;
        return MOATD_CONFIG_OK;
    }
    if (a[0] != '-' || a[1] != '-' || !a[2]) {
        errf(err, errlen, "unexpected argument '%s' (see moatd --help)", a);
        return MOATD_CONFIG_ERR_USAGE;
    }
    char name[64];
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), a + 2);
    const char *key = flag_key(name);
    if (key_index(key) < 0) {
        const char *s = suggest_key(key);
        char sugg[80] = "";
        if (s) {
            snprintf(sugg, sizeof sugg, " (did you mean --%s?)", s);
            for (char *p = sugg; *p; p++)
                *p = *p == '_' ? '-' : *p;
        }
        errf(err, errlen, "unknown option '--%s'%s", name, sugg);
        return MOATD_CONFIG_ERR_USAGE;
    }
    const char *value = flag_value(argc, argv, i, eq);
    if (!value) {
        errf(err, errlen, "--%s needs a value", name);
        return MOATD_CONFIG_ERR_USAGE;
    }
    int ki = key_index(key);
    bool listener = KEYS[ki].type == T_LISTEN || KEYS[ki].type == T_TLS_LISTEN;
    if (listener && !*cleared_listeners) {
        c->n_listeners = 0; /* listener flags replace the file's listeners */
        *cleared_listeners = true;
    }
    char where[80];
    snprintf(where, sizeof where, "--%s", name);
    return moatd_config_set(c, key, value, where, err, errlen);
}

moatd_config_status moatd_config_from_args(moatd_config *c, int argc, char **argv, char *err,
                                           size_t errlen)
{
    const char *config_path = NULL;
    moatd_config_defaults(c, MOATD_PROFILE_AWS);
    moatd_config_status s = first_pass(argc, argv, &config_path, c, err, errlen);
    if (s != MOATD_CONFIG_OK || c->help || c->version)
        return s;
    if (config_path && (s = moatd_config_load_file(c, config_path, err, errlen)))
        return s;
    bool cleared = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (is_config_flag(a)) {
            if (!strchr(a, '='))
                i++;
            continue;
        }
        if ((s = apply_flag(c, argc, argv, &i, &cleared, err, errlen)))
            return s;
    }
    return moatd_config_finish(c, err, errlen);
}
