/* broker/log.c - moatd structured logging: formats events as text or JSON lines and writes
 * them, one write per line, to stderr or a file (thread-safe, reopenable for logrotate).
 */
#include "broker/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_MAX_FIELDS 32
#define LOG_LINE_MAX 4096

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_fd = STDERR_FILENO;
static moatd_log_format g_fmt = MOATD_LOG_TEXT;
static moatd_log_level g_level = MOATD_LOG_INFO;
static char g_path[1024];

static const char *const level_upper[] = {"DEBUG", "INFO", "WARN", "ERROR"};
static const char *const level_lower[] = {"debug", "info", "warn", "error"};

const char *moatd_log_level_name(moatd_log_level level)
{
    return (unsigned)level <= MOATD_LOG_ERROR ? level_lower[level] : "?";
}

int moatd_log_level_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i <= MOATD_LOG_ERROR; i++)
        if (strcasecmp(s, level_lower[i]) == 0)
            return i;
    if (strcasecmp(s, "warning") == 0)
        return MOATD_LOG_WARN;
    return -1;
}

static int open_path(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0 && err && errlen)
        snprintf(err, errlen, "cannot open log file '%s': %s", path, strerror(errno));
    return fd;
}

/* Swaps in a destination (closing a previous log file) and the format and level, under the
 * lock. `path` is the file to reopen on SIGHUP, "" for stderr. */
static void install(int fd, moatd_log_format fmt, moatd_log_level level, const char *path)
{
    pthread_mutex_lock(&g_lock);
    if (g_fd != STDERR_FILENO)
        close(g_fd);
    g_fd = fd;
    g_fmt = fmt;
    g_level = level;
    snprintf(g_path, sizeof g_path, "%s", path);
    pthread_mutex_unlock(&g_lock);
}

int moatd_log_open(moatd_log_format fmt, moatd_log_level level, const char *path, char *err,
                   size_t errlen)
{
    int fd = STDERR_FILENO;
    bool to_file = path && path[0] && strcmp(path, "-") != 0;
    if (to_file && strlen(path) >= sizeof g_path) {
        if (err && errlen)
            snprintf(err, errlen, "log file path too long");
        return -1;
    }
    if (to_file && (fd = open_path(path, err, errlen)) < 0)
        return -1;
    install(fd, fmt, level, to_file ? path : "");
    return 0;
}

void moatd_log_reopen(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_path[0]) {
        int fd = open_path(g_path, NULL, 0);
        if (fd >= 0) {
            close(g_fd);
            g_fd = fd;
        }
    }
    pthread_mutex_unlock(&g_lock);
}

void moatd_log_close(void)
{
    install(STDERR_FILENO, MOATD_LOG_TEXT, MOATD_LOG_INFO, "");
}

bool moatd_log_enabled(moatd_log_level level)
{
    return level >= g_level;
}

/* --- line formatting into a bounded buffer --- */

/* A value longer than this is cut (at a UTF-8 boundary) and ends with "...". */
#define LOG_VALUE_MAX 1024
/* Room kept at the end of a JSON line for the closing `,"truncated":"yes"}`. */
#define JSON_RESERVE 24

typedef struct {
    char *p;
    size_t cap, len;
    bool full; /* something did not fit */
} outbuf;

/* Appends s whole, or nothing (and marks the buffer full): an escape sequence is never cut. */
static void put_n(outbuf *o, const char *s, size_t n)
{
    if (o->full || o->len + n + 1 > o->cap) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void put_s(outbuf *o, const char *s)
{
    put_n(o, s, strlen(s));
}

/* Length of the first `max` bytes of s, backed off so no UTF-8 sequence is split. */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 if it is not one (a stray
 * continuation byte, a truncated or overlong sequence, a surrogate, above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return len;
}

/* Escapes for a JSON string body or a quoted text value: both use \" \\ \n \r \t. Bytes that
 * are not well-formed UTF-8 become \ufffd (JSON) or \xHH (text): a line is always valid. */
static void put_escaped(outbuf *o, const char *s, bool json)
{
    size_t n = utf8_prefix(s, LOG_VALUE_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8] = {(char)c, 0};
        if (c >= 0x80) {
            size_t len = utf8_seq((const unsigned char *)s + i, n - i);
            if (len) {
                put_n(o, s + i, len);
                i += len - 1;
            } else {
                snprintf(tmp, sizeof tmp, json ? "\\ufffd" : "\\x%02x", c);
                put_s(o, tmp);
            }
            continue;
        }
        switch (c) {
        case '"': put_s(o, "\\\""); break;
        case '\\': put_s(o, "\\\\"); break;
        case '\n': put_s(o, "\\n"); break;
        case '\r': put_s(o, "\\r"); break;
        case '\t': put_s(o, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                snprintf(tmp, sizeof tmp, json ? "\\u%04x" : "\\x%02x", c);
            put_s(o, tmp);
        }
    }
    if (s[n])
        put_s(o, "...");
}

/* Text values are quoted when empty or when they hold a byte that gets escaped or splits
 * key=value parsing: whitespace, '"', '=', '\\', control bytes, malformed UTF-8. */
static bool text_needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
            return true;
        if (c >= 0x80) {
            size_t len = utf8_seq((const unsigned char *)s + i, n - i);
            if (len == 0)
                return true;
            i += len - 1;
        }
    }
    return false;
}

static void put_text_value(outbuf *o, const char *v)
{
    bool quote = text_needs_quotes(v);
    if (quote)
        put_s(o, "\"");
    put_escaped(o, v, false);
    if (quote)
        put_s(o, "\"");
}

static void format_ts(char out[64], long long ts_ms)
{
    time_t secs = (time_t)(ts_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts_ms % 1000));
}

static void format_text(outbuf *o, const char *ts, moatd_log_level level, const char *event,
                        const char *const *kv, size_t n_kv)
{
    put_s(o, ts);
    put_s(o, " ");
    put_s(o, (unsigned)level <= MOATD_LOG_ERROR ? level_upper[level] : "?");
    put_s(o, " ");
    put_s(o, event ? event : "-");
    for (size_t i = 0; i + 1 < n_kv; i += 2) {
        put_s(o, " ");
        put_s(o, kv[i]);
        put_s(o, "=");
        put_text_value(o, kv[i + 1] ? kv[i + 1] : "-");
    }
}

static void put_json_pair(outbuf *o, const char *k, const char *v)
{
    put_s(o, ",\"");
    put_escaped(o, k, true);
    put_s(o, "\":\"");
    put_escaped(o, v, true);
    put_s(o, "\"");
}

/* A JSON line must stay valid when it does not fit: the pair that overflowed and all after it
 * are left out and the line ends with "truncated":"yes". */
static void format_json(outbuf *o, const char *ts, moatd_log_level level, const char *event,
                        const char *const *kv, size_t n_kv)
{
    size_t full_cap = o->cap;
    o->cap = full_cap > JSON_RESERVE ? full_cap - JSON_RESERVE : 0;
    put_s(o, "{\"ts\":\"");
    put_s(o, ts);
    put_s(o, "\"");
    put_json_pair(o, "level", moatd_log_level_name(level));
    put_json_pair(o, "event", event ? event : "-");
    size_t good = o->len;
    for (size_t i = 0; i + 1 < n_kv && !o->full; i += 2) {
        put_json_pair(o, kv[i], kv[i + 1] ? kv[i + 1] : "-");
        if (!o->full)
            good = o->len;
    }
    bool truncated = o->full;
    o->cap = full_cap;
    o->full = false;
    o->len = good;
    put_s(o, truncated ? ",\"truncated\":\"yes\"}" : "}");
}

size_t moatd_log_format_line(char *out, size_t cap, moatd_log_format fmt, long long ts_ms,
                             moatd_log_level level, const char *event,
                             const char *const *kv, size_t n_kv)
{
    if (!out || cap == 0)
        return 0;
    char ts[64];
    format_ts(ts, ts_ms);
    outbuf o = {out, cap, 0, false};
    n_kv &= ~(size_t)1; /* pairs only */
    if (fmt == MOATD_LOG_JSON)
        format_json(&o, ts, level, event, kv, n_kv);
    else
        format_text(&o, ts, level, event, kv, n_kv);
    out[o.len] = '\0';
    return o.len;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_event(moatd_log_level level, const char *event, const char *const *kv,
                        size_t n_kv)
{
    char line[LOG_LINE_MAX];
    pthread_mutex_lock(&g_lock);
    size_t n = moatd_log_format_line(line, sizeof line - 1, g_fmt, now_ms(), level, event, kv,
                                     n_kv);
    line[n++] = '\n';
    ssize_t w = write(g_fd, line, n);
    (void)w; /* a log line that cannot be written is dropped: never fail the broker */
    pthread_mutex_unlock(&g_lock);
}

void moatd_log(moatd_log_level level, const char *event, ...)
{
    if (!moatd_log_enabled(level))
        return;
    const char *kv[LOG_MAX_FIELDS * 2];
    size_t n = 0;
    va_list ap;
    va_start(ap, event);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        if (n + 2 <= LOG_MAX_FIELDS * 2) {
            kv[n++] = k;
            kv[n++] = v;
        }
    }
    va_end(ap);
    write_event(level, event, kv, n);
}

void moatd_logf(moatd_log_level level, const char *event, const char *fmt, ...)
{
    if (!moatd_log_enabled(level))
        return;
    char msg[LOG_LINE_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *kv[2] = {"msg", msg};
    write_event(level, event, kv, 2);
}

void moatd_log_deny(const char *client, const char *addr, const char *action,
                    const char *resource, const char *reason)
{
    moatd_log(MOATD_LOG_WARN, "deny", "client", client, "addr", addr, "action", action,
              "resource", resource, "reason", reason, NULL);
}

const char *moatd_log_num(char buf[24], long long value)
{
    snprintf(buf, 24, "%lld", value);
    return buf;
}
