/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_UTIL_H
#define DMABUF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DB_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DB_MAX(a, b) ((a) > (b) ? (a) : (b))
#define DB_ALIGNED(x, a) (((x) & ((a) - 1)) == 0)
#define DB_ROUND_UP(x, a) ((((x) + (a) - 1) / (a)) * (a))
/* A macro's value as a string literal: DB_XSTR(16) is "16". */
#define DB_STR(x) #x
#define DB_XSTR(x) DB_STR(x)

/*
 * Parse a size in bytes: a decimal or 0x number with an optional binary
 * suffix k/K, m/M, g/G, t/T (optionally followed by "iB" or "B"), e.g.
 * "4k" = 4096, "1MiB" = 1048576.  Returns 0, or -EINVAL for malformed text,
 * -ERANGE on overflow.  Zero is accepted: callers decide if it is valid.
 */
int db_parse_size(const char *s, uint64_t *out);

/* Parse an unsigned decimal or 0x number (no suffix); 0 / -EINVAL / -ERANGE. */
int db_parse_u64(const char *s, uint64_t *out);

/*
 * Why db_parse_size() (@size) or db_parse_u64() refused an option's value
 * with @err, to follow "OPT: 'VALUE' ": "is too big: at most
 * 18446744073709551615" (-ERANGE; a size adds " bytes (16 EiB - 1)"), else
 * "is not a size (e.g. 4096, 4k, 1M, 2G)" or "is not a number".
 */
const char *db_parse_why(int err, bool size);

/* "SIGINT" for @signo, into @buf (@len bytes); "SIG?" if unknown.  Returns @buf. */
const char *db_sig_name(int signo, char *buf, unsigned len);

/* "4 KiB", "1.5 MiB": human size of @bytes into @buf; returns @buf. */
const char *db_fmt_size(uint64_t bytes, char *buf, unsigned len);

/*
 * snprintf() that fails instead of truncating: 0, or -ENAMETOOLONG when
 * the result does not fit in @len bytes (paths built from sysfs names).
 */
int db_snprintf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The first line of a small file (sysfs, procfs) into @buf (@len bytes),
 * without its newline.  0, or -errno (-ENODATA: empty).
 */
int db_read_line(const char *path, char *buf, size_t len);

/*
 * The number (decimal or 0x) that starts the first line of @path: sysfs
 * attributes, /proc/sys values.  0, -errno, or -EINVAL when it is not one.
 */
int db_read_u64(const char *path, uint64_t *val);

/* Monotonic clock in ns. */
static inline uint64_t db_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
