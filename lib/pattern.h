/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_PATTERN_H
#define DMABUF_PATTERN_H

/*
 * Data patterns and verification.  Every pattern is a pure function of
 * (pattern, LBA, LBA size, pass), so any window of a range can be generated
 * or checked on its own.
 *
 * The `lba` pattern stamps each logical block with a header:
 *   bytes 0..7   magic "DMABUFLB"
 *   bytes 8..15  LBA (little endian)
 *   bytes 16..19 pass number, 20..23 low 32 bits of the seed
 *   bytes 24..31 FNV-1a hash of bytes 0..23 of the header
 * followed by a pseudo-random stream keyed by (seed, LBA, pass).  A block
 * that reads back with a valid header for another LBA is "misplaced", for
 * the right LBA but another pass "stale"; a block whose header is gone is
 * "corrupt" or "zeroed"; a few differing bits are "bit flips".
 *
 * Memory is filled with a canary before every read into it (see
 * dmabuf_canary_fill()); a block that still holds it after a read that
 * succeeded was never written by the device: "undelivered".
 */

#include <stdbool.h>
#include <stdint.h>

#include "dmabuf/dmabuf.h"
#include "err.h"

enum db_pat_kind {
	DB_PAT_ZERO, DB_PAT_ONES, DB_PAT_LBA, DB_PAT_RANDOM, DB_PAT_BYTE, DB_PAT_FILE,
};

struct dmabuf_pattern {
	enum db_pat_kind kind;
	uint64_t seed;		/* lba, random */
	uint8_t byte;		/* byte:0xNN */
	uint32_t pass;		/* lba: pass number stamped in headers */
	char path[256];		/* file:PATH */
	int fd;			/* file: open fd, -1 otherwise; owned */
	uint64_t file_size;	/* file: bytes; the file repeats when shorter */
	char text[300];		/* as given */
};

/*
 * Parse zero, ones, lba, lba:SEED, random, random:SEED, byte:0xNN, file:PATH.
 * file: is opened here (-ENOENT etc., DMABUF_E_USAGE).  Default seed for
 * `lba` and `random` is 0x5eed; `random` is named "random:0x5eed" (text).
 * Release with db_pattern_close().
 */
int db_pattern_parse(const char *text, struct dmabuf_pattern *p, struct dmabuf_err *e);
void db_pattern_close(struct dmabuf_pattern *p);

/*
 * How many whole DMABUF_CANARY_PIECE pieces of the @len bytes at @buf (a
 * block's start) hold this process's canary.
 */
uint32_t db_canary_count(const void *buf, uint64_t len);

#endif
