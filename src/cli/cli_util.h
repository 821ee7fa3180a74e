/* cli/cli_util.h - small helpers every `moat` command shares: whole-file I/O into a caller's
 * buffer, hex text, numeric option values, and the public key a locator names. */
#ifndef MOAT_CLI_UTIL_H
#define MOAT_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Reads the whole file into buf (at most cap bytes). A larger file is refused. On failure
 * prints "PROG: cannot open PATH: reason" or "PROG: PATH is larger than CAP bytes" and
 * returns 1; 0 on success. */
int cli_read_file(const char *prog, const char *path, uint8_t *buf, size_t cap, size_t *len);

/* Writes len bytes to path (created or truncated). Prints the failure; returns 0 or 1. */
int cli_write_file(const char *prog, const char *path, const uint8_t *buf, size_t len);

/* Upper-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void cli_hex(const uint8_t *b, size_t n, char *out);

/* Exactly n bytes from hex text; ':' and ' ' between digits are ignored (a serial copied
 * from openssl or a datasheet). Returns 0, or -1 when s is not 2n hex digits. */
int cli_parse_hex(const char *s, uint8_t *out, size_t n);

/* Parses a non-negative integer option value; prints a usage error and returns false. */
bool cli_parse_uint(const char *prog, const char *opt, const char *val, unsigned long max,
                    unsigned long *out);

/* A UTC time given as "YYYY-MM-DD", "YYYY-MM-DD HH", "YYYY-MM-DD HH:MM" or "...:SS" ('T' may
 * replace the space). Fills *tm (fields not given are 0) and *out; returns 0, or -1 when the
 * text is not such a date (the caller prints the usage and checks its own year range). */
int cli_parse_utc(const char *s, struct tm *tm, time_t *out);

/* The public key X||Y of the key `locator` names (any moat/se.h backend; `slot` for an
 * ATECC608). When the key lives in an ATECC608 and `serial` is not NULL, also reads the
 * chip's serial number and sets *have_serial. Prints "PROG: ..." with the reason and returns
 * -1 on failure; 0 on success. */
int cli_locator_pubkey(const char *prog, const char *locator, unsigned slot, uint8_t xy[64],
                       uint8_t serial[9], bool *have_serial);

#endif
