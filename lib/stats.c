// SPDX-License-Identifier: MIT
/* I/O statistics: merging and latency percentiles (see include/dmabuf/engine.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf/engine.h"

void db_io_stats_free(struct db_io_stats *s)
{
	free(s->lat);
	memset(s, 0, sizeof(*s));
}

/* Make room for @extra more latencies, doubling so appends stay amortised O(1). */
static int reserve_lat(struct db_io_stats *s, uint64_t extra)
{
	uint64_t need = s->nr_lat + extra, cap = s->cap_lat ? s->cap_lat : 64;
	uint64_t *lat;

	if (need < s->nr_lat)
		return -EOVERFLOW;
	if (need <= s->cap_lat)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > SIZE_MAX / sizeof(*lat))
		return -ENOMEM;
	lat = realloc(s->lat, cap * sizeof(*lat));
	if (!lat)
		return -ENOMEM;
	s->lat = lat;
	s->cap_lat = cap;
	return 0;
}

int db_io_stats_add(struct db_io_stats *dst, const struct db_io_stats *src)
{
	uint64_t n = src->nr_lat;
	int ret;

	ret = reserve_lat(dst, n);
	if (ret)
		return ret;
	/* Read src->lat only now: when src == dst, reserve_lat may have moved it. */
	if (n)
		memcpy(dst->lat + dst->nr_lat, src->lat, n * sizeof(*dst->lat));
	dst->nr_lat += n;
	dst->ios += src->ios;
	dst->bytes += src->bytes;
	dst->retries += src->retries;
	dst->errors += src->errors;
	dst->ns += src->ns;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static bool is_sorted(const uint64_t *v, uint64_t n)
{
	uint64_t i;

	for (i = 1; i < n; i++)
		if (v[i - 1] > v[i])
			return false;
	return true;
}

/*
 * Nearest-rank percentile: the smallest sample with at least @p percent of
 * the samples at or below it.  A report asks for several percentiles in a
 * row, so the sort is skipped when the samples are already in order.
 */
uint64_t db_io_stats_pct(struct db_io_stats *s, double p)
{
	uint64_t n = s->nr_lat, rank;
	double r;

	if (!n)
		return 0;
	if (!is_sorted(s->lat, n))
		qsort(s->lat, n, sizeof(*s->lat), cmp_u64);
	if (!(p > 0))
		p = 0;
	if (p > 100)
		p = 100;
	/* The epsilon keeps 99.9 % of 1000 at rank 999, not 1000 from rounding. */
	r = ceil(p / 100.0 * (double)n - 1e-9);
	rank = r < 1 ? 1 : (uint64_t)r;
	if (rank > n)
		rank = n;
	return s->lat[rank - 1];
}
