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
 */

#include <stdbool.h>
#include <stdint.h>

#include "dmabuf/err.h"

enum db_pat_kind {
	DB_PAT_ZERO, DB_PAT_ONES, DB_PAT_LBA, DB_PAT_RANDOM, DB_PAT_BYTE, DB_PAT_FILE,
};

struct db_pattern {
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
 * Parse zero, ones, lba, lba:SEED, random:SEED, byte:0xNN, file:PATH.
 * file: is opened here (-ENOENT etc., DB_E_USAGE).  Default seed for
 * `lba` is 0x5eed.  Release with db_pattern_close().
 */
int db_pattern_parse(const char *text, struct db_pattern *p, struct db_err *e);
void db_pattern_close(struct db_pattern *p);

/*
 * Fill @buf with @nblocks blocks of @lba_size bytes for the blocks starting
 * at @lba.  0 or -errno (file: read errors).
 */
int db_pattern_fill(const struct db_pattern *p, void *buf, uint64_t lba, uint64_t nblocks,
		    uint32_t lba_size, struct db_err *e);

enum db_mismatch_kind {
	DB_MIS_FLIP,		/* right block, some bits differ */
	DB_MIS_CORRUPT,		/* many bytes differ, no recognisable header */
	DB_MIS_ZEROED,		/* block reads back all zero */
	DB_MIS_MISPLACED,	/* valid header of another LBA */
	DB_MIS_STALE,		/* valid header of this LBA, other pass */
};

struct db_mismatch {
	uint64_t lba;
	uint64_t offset;	/* byte offset of the first differing byte from the start of the range */
	uint32_t len;		/* differing bytes in this block */
	uint32_t bits;		/* differing bits in this block */
	uint8_t expected, found;/* the first differing byte */
	enum db_mismatch_kind kind;
	uint64_t found_lba;	/* misplaced: the LBA its header names */
	uint32_t found_pass;	/* stale: the pass its header names */
};

#define DB_MISMATCH_KEEP 16

struct db_verify_result {
	uint64_t blocks_checked;
	uint64_t blocks_bad;
	uint64_t bytes_bad;
	unsigned nr_kept;	/* first mismatches kept, at most DB_MISMATCH_KEEP */
	struct db_mismatch first[DB_MISMATCH_KEEP];
};

/*
 * Compare @buf (@nblocks blocks from @lba) with what @p generates.
 * @range_off is the byte offset of @buf's first block from the start of the
 * whole verified range (reported in mismatches).  Accumulates into @res.
 * Returns the number of bad blocks found in this call (>= 0) or -errno.
 */
int64_t db_pattern_check(const struct db_pattern *p, const void *buf, uint64_t lba,
			 uint64_t nblocks, uint32_t lba_size, uint64_t range_off,
			 struct db_verify_result *res, struct db_err *e);

const char *db_mismatch_kind_str(enum db_mismatch_kind k);

#endif
