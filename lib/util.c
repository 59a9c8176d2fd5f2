// SPDX-License-Identifier: MIT
/* Number and size parsing, human sizes: see lib/util.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned)v < base ? v : -1;
}

/*
 * Parse the number at the start of @s, stopping at the first character that
 * is not a digit of its base; *end points there.  strtoull() is not used
 * because it accepts leading blanks and a minus sign, which a size must not.
 */
static int parse_number(const char *s, uint64_t *out, const char **end)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (digit_value(*p, base) < 0)
		return -EINVAL;
	for (; (d = digit_value(*p, base)) >= 0; p++) {
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -ERANGE;
		v = v * base + (unsigned)d;
	}
	*out = v;
	*end = p;
	return 0;
}

int db_parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int ret;

	if (!s)
		return -EINVAL;
	ret = parse_number(s, &v, &end);
	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *db_parse_why(int err, bool size)
{
	if (err == -ERANGE)
		return size ? "is too big: at most 18446744073709551615 bytes (16 EiB - 1)" :
			      "is too big: at most 18446744073709551615";
	return size ? "is not a size (e.g. 4096, 4k, 1M, 2G)" : "is not a number";
}

/* Shift for a binary unit letter, or -1 when @c is not one. */
static int unit_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	case 't': case 'T': return 40;
	default: return -1;
	}
}

int db_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int shift = 0;
	int ret;

	if (!s)
		return -EINVAL;
	ret = parse_number(s, &v, &end);
	if (ret)
		return ret;
	if (*end && unit_shift(*end) >= 0) {
		shift = unit_shift(*end++);
		if (!strcmp(end, "iB"))
			end += 2;
	}
	/* "512B", "4kB": a trailing B only says "bytes". */
	if (!strcmp(end, "B"))
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

const char *db_fmt_size(uint64_t bytes, char *buf, unsigned len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;
	double v;

	while (u + 1 < DB_ARRAY_SIZE(units) && bytes >> (10 * (u + 1)))
		u++;
	if (!u || !(bytes & ((1ull << (10 * u)) - 1))) {
		snprintf(buf, len, "%llu %s", (unsigned long long)(bytes >> (10 * u)), units[u]);
		return buf;
	}
	v = (double)bytes / (double)(1ull << (10 * u));
	/* 1023.96 KiB would print as "1024.0 KiB": say "1.0 MiB" instead. */
	if (v >= 1023.95 && u + 1 < DB_ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int db_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

const char *db_sig_name(int signo, char *buf, unsigned len)
{
	const char *abbrev = sigabbrev_np(signo);

	snprintf(buf, len, "SIG%s", abbrev ? abbrev : "?");
	return buf;
}

int db_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = -ENODATA;

	if (!f)
		return -errno;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}

int db_read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	int ret = db_read_line(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf || (*end && *end != ' '))
		return -EINVAL;
	return 0;
}
