// SPDX-License-Identifier: MIT
/*
 * I/O statistics (see tool/engine.h): counters, and latencies in a
 * log-linear histogram so a run of any length takes the same memory and
 * merging two runs (jobs, windows) is a sum.
 *
 * Buckets: values below 2^(SUB_BITS+1) ns each have their own bucket (exact);
 * above, each power of two [2^k, 2^(k+1)) is cut into 2^SUB_BITS equal
 * buckets, so a bucket is at most 1/64 of its lower bound wide and the value
 * reported for it (its midpoint) is within 1/128 of every sample in it.
 * Samples past the last power of two land in the last bucket; min and max
 * are kept exactly.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "engine.h"

#define SUB	(1u << DB_LAT_SUB_BITS)
#define LINEAR	(2u * SUB)	/* values with their own bucket */

static unsigned msb64(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

static unsigned bucket_of(uint64_t ns)
{
	unsigned k, idx;

	if (ns < LINEAR)
		return (unsigned)ns;
	k = msb64(ns);
	idx = LINEAR + (k - DB_LAT_SUB_BITS - 1) * SUB +
	      (unsigned)((ns >> (k - DB_LAT_SUB_BITS)) - SUB);
	return idx < DB_LAT_BUCKETS ? idx : DB_LAT_BUCKETS - 1;
}

/* The value a bucket stands for: its midpoint (its value when exact). */
static uint64_t bucket_value(unsigned idx)
{
	unsigned g, sub, shift;

	if (idx < LINEAR)
		return idx;
	g = (idx - LINEAR) / SUB;
	sub = (idx - LINEAR) % SUB;
	shift = g + 1;
	return ((uint64_t)(SUB + sub) << shift) + (((uint64_t)1 << shift) - 1) / 2;
}

void db_lat_add(struct db_lat_hist *h, uint64_t ns)
{
	if (!h->n || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->n++;
	h->sum += ns;
	h->bucket[bucket_of(ns)]++;
}

static void lat_merge(struct db_lat_hist *dst, const struct db_lat_hist *src)
{
	unsigned i;

	if (!src->n)
		return;
	if (!dst->n || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->n += src->n;
	dst->sum += src->sum;
	for (i = 0; i < DB_LAT_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

/*
 * Nearest rank: the bucket holding the smallest sample with at least @p
 * percent of the samples at or below it, clamped to the exact min and max.
 */
/* Nearest-rank percentile @p (0..100, clamped) in ns; 0 with no samples. */
static uint64_t lat_pct(const struct db_lat_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	double r;
	unsigned i;

	if (!h->n)
		return 0;
	if (!(p > 0))
		return h->min;
	if (p >= 100)
		return h->max;
	/* The epsilon keeps 99.9 % of 1000 at rank 999, not 1000 from rounding. */
	r = ceil(p / 100.0 * (double)h->n - 1e-9);
	rank = r < 1 ? 1 : (uint64_t)r;
	for (i = 0; i < DB_LAT_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	v = bucket_value(i < DB_LAT_BUCKETS ? i : DB_LAT_BUCKETS - 1);
	return v < h->min ? h->min : v > h->max ? h->max : v;
}

double db_lat_mean(const struct db_lat_hist *h)
{
	return h->n ? (double)h->sum / (double)h->n : 0.0;
}

void db_io_stats_free(struct db_io_stats *s)
{
	memset(s, 0, sizeof(*s));
}

int db_io_stats_add(struct db_io_stats *dst, const struct db_io_stats *src)
{
	if (dst == src) {
		/* Doubling: every counter and bucket twice. */
		struct db_lat_hist h = src->lat;

		lat_merge(&dst->lat, &h);
	} else {
		lat_merge(&dst->lat, &src->lat);
	}
	dst->ios += src->ios;
	dst->bytes += src->bytes;
	dst->retries += src->retries;
	dst->errors += src->errors;
	dst->ns += src->ns;
	return 0;
}

uint64_t db_io_stats_pct(struct db_io_stats *s, double p)
{
	return lat_pct(&s->lat, p);
}
