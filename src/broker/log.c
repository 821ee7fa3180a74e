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
    pthread_mutex_lock(&g_lock);
    if (g_fd != STDERR_FILENO)
        close(g_fd);
    g_fd = fd;
    g_fmt = fmt;
    g_level = level;
    if (to_file)
        snprintf(g_path, sizeof g_path, "%s", path);
    else
        g_path[0] = '\0';
    pthread_mutex_unlock(&g_lock);
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
    pthread_mutex_lock(&g_lock);
    if (g_fd != STDERR_FILENO)
        close(g_fd);
    g_fd = STDERR_FILENO;
    g_fmt = MOATD_LOG_TEXT;
    g_level = MOATD_LOG_INFO;
    g_path[0] = '\0';
    pthread_mutex_unlock(&g_lock);
}

bool moatd_log_enabled(moatd_log_level level)
{
    return level >= g_level;
}

/* --- line formatting into a bounded buffer --- */

typedef struct {
    char *p;
    size_t cap, len;
} outbuf;

static void put_c(outbuf *o, char c)
{
    if (o->len + 1 < o->cap)
        o->p[o->len++] = c;
}

static void put_s(outbuf *o, const char *s)
{
    while (*s)
        put_c(o, *s++);
}

static void put_hex_escape(outbuf *o, unsigned char c, bool json)
{
    char tmp[8];
    snprintf(tmp, sizeof tmp, json ? "\\u%04x" : "\\x%02x", c);
    put_s(o, tmp);
}

/* Escapes for a JSON string body or a quoted text value: both use \" \\ \n \r \t. */
static void put_escaped(outbuf *o, const char *s, bool json)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': put_s(o, "\\\""); break;
        case '\\': put_s(o, "\\\\"); break;
        case '\n': put_s(o, "\\n"); break;
        case '\r': put_s(o, "\\r"); break;
        case '\t': put_s(o, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                put_hex_escape(o, c, json);
            else
                put_c(o, (char)c);
        }
    }
}

static bool text_needs_quotes(const char *s)
{
    if (!*s)
        return true;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
            return true;
    }
    return false;
}

static void put_text_value(outbuf *o, const char *v)
{
    if (!text_needs_quotes(v)) {
        put_s(o, v);
        return;
    }
    put_c(o, '"');
    put_escaped(o, v, false);
    put_c(o, '"');
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
    put_c(o, ' ');
    put_s(o, (unsigned)level <= MOATD_LOG_ERROR ? level_upper[level] : "?");
    put_c(o, ' ');
    put_s(o, event ? event : "-");
    for (size_t i = 0; i + 1 < n_kv; i += 2) {
        put_c(o, ' ');
        put_s(o, kv[i]);
        put_c(o, '=');
        put_text_value(o, kv[i + 1] ? kv[i + 1] : "-");
    }
}

static void put_json_pair(outbuf *o, const char *k, const char *v)
{
    put_s(o, ",\"");
    put_escaped(o, k, true);
    put_s(o, "\":\"");
    put_escaped(o, v, true);
    put_c(o, '"');
}

static void format_json(outbuf *o, const char *ts, moatd_log_level level, const char *event,
                        const char *const *kv, size_t n_kv)
{
    put_s(o, "{\"ts\":\"");
    put_s(o, ts);
    put_c(o, '"');
    put_json_pair(o, "level", moatd_log_level_name(level));
    put_json_pair(o, "event", event ? event : "-");
    for (size_t i = 0; i + 1 < n_kv; i += 2)
        put_json_pair(o, kv[i], kv[i + 1] ? kv[i + 1] : "-");
    put_c(o, '}');
}

size_t moatd_log_format_line(char *out, size_t cap, moatd_log_format fmt, long long ts_ms,
                             moatd_log_level level, const char *event,
                             const char *const *kv, size_t n_kv)
{
    if (!out || cap == 0)
        return 0;
    char ts[64];
    format_ts(ts, ts_ms);
    outbuf o = {out, cap, 0};
    n_kv &= ~(size_t)1; /* pairs only */
    if (fmt == MOATD_LOG_JSON)
        format_json(&o, ts, level, event, kv, n_kv);
    else
        format_text(&o, ts, level, event, kv, n_kv);
    /* A JSON line cut by the buffer limit would be invalid: close it. */
    if (fmt == MOATD_LOG_JSON && o.len + 1 >= cap && cap > 3) {
        o.len = cap - 3;
        o.p[o.len++] = '"';
        o.p[o.len++] = '}';
    }
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
