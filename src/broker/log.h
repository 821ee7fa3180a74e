/* broker/log.h - moatd structured logging: one line per event, as text or as JSON lines.
 * Every line has a timestamp, a level, an event name and key=value fields.
 *
 * Text:  2026-11-25T10:00:00.123Z INFO conn client=abc addr=127.0.0.1:5555 msg="hello world"
 * JSON:  {"ts":"2026-11-25T10:00:00.123Z","level":"info","event":"conn","client":"abc",...}
 *
 * Values are strings; a value is quoted in text (and escaped) when it is empty or holds a
 * space, '"', '=', '\' or a control character. A value over 1 KB is cut at a UTF-8 boundary
 * and ends with "..."; a line over 4 KB loses its last fields (JSON: "truncated":"yes", so
 * every line stays valid JSON). Logging is thread-safe (one mutex) and never fails loudly: if
 * the output cannot be written the line is dropped.
 */
#ifndef MOATD_LOG_H
#define MOATD_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    MOATD_LOG_DEBUG = 0, /* per-packet detail; -v */
    MOATD_LOG_INFO,      /* connections, subscriptions, start/stop (default) */
    MOATD_LOG_WARN,      /* denials, protocol violations, dropped messages */
    MOATD_LOG_ERROR,     /* the broker cannot do something it should (I/O, SQLite) */
} moatd_log_level;

typedef enum {
    MOATD_LOG_TEXT = 0,  /* human-readable key=value lines (default) */
    MOATD_LOG_JSON,      /* one JSON object per line, for log shippers */
} moatd_log_format;

/* Configures the logger. `path` NULL, "" or "-" means stderr; otherwise the file is opened for
 * appending (created 0640). Returns 0, or -1 with a one-line reason in err (never NULL if
 * errlen > 0). May be called again (e.g. after config reload); the previous file is closed.
 * Before any call the logger writes text at INFO to stderr. */
int moatd_log_open(moatd_log_format fmt, moatd_log_level level, const char *path, char *err,
                   size_t errlen);

/* Reopens the current log file (for logrotate on SIGHUP). No-op when logging to stderr. */
void moatd_log_reopen(void);

/* Closes the log file and returns to stderr/text/INFO. */
void moatd_log_close(void);

/* True if a line at `level` would be written: test it before building expensive fields. */
bool moatd_log_enabled(moatd_log_level level);

/* Writes one event. After `event` come key/value pairs of `const char *`, ended by a NULL
 * KEY: moatd_log(MOATD_LOG_INFO, "conn", "client", id, "addr", addr, NULL);
 * A NULL value is written as "-" (it does not end the list). Keys should be short
 * lowercase words; "msg" is the conventional free-text field. */
void moatd_log(moatd_log_level level, const char *event, ...) __attribute__((sentinel));

/* Writes one event whose only field is msg=<printf-formatted text>. */
void moatd_logf(moatd_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The denial line the auth/policy layer writes for every refused action:
 *   WARN deny client=ID addr=ADDR action=ACTION resource=TOPIC reason="..."
 * Any argument may be NULL (written as "-"). `reason` says the cause in one line. */
void moatd_log_deny(const char *client, const char *addr, const char *action,
                    const char *resource, const char *reason);

/* Formats a number for a field value: moatd_log(..., "n", moatd_log_num(buf, n), NULL). */
const char *moatd_log_num(char buf[24], long long value);

/* Parses "debug", "info", "warn"/"warning", "error" (case-insensitive). -1 if unknown. */
int moatd_log_level_parse(const char *s);
const char *moatd_log_level_name(moatd_log_level level);

/* For tests: formats one event into `out` exactly as it would be written (no newline). The
 * timestamp is `ts_ms` milliseconds since the epoch. Returns the length (truncated to cap-1). */
size_t moatd_log_format_line(char *out, size_t cap, moatd_log_format fmt, long long ts_ms,
                             moatd_log_level level, const char *event,
                             const char *const *kv, size_t n_kv);

#endif
