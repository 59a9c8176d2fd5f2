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
 * db_canary_fill()); a block that still holds it after a read that
 * succeeded was never written by the device: "undelivered".
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

/*
 * The canary.  Each DB_CANARY_PIECE bytes of a block carry the magic
 * "DMABUFCY", the piece's byte offset in the memory, this process's nonce
 * and an FNV-1a hash of those 24 bytes; the rest of the piece is 0xa5.  No
 * pattern generates it (the `lba` header has another magic; the others form
 * a hashed header by 2^-64 chance), and another run's canary, read back
 * from a drive, carries another nonce.
 */
#define DB_CANARY_PIECE 512

/* This process's nonce (random, drawn once). */
uint64_t db_canary_nonce(void);

/*
 * Fill @nblocks blocks of @lba_size bytes at @buf, which lies @mem_off
 * bytes into the memory, with the canary.  Pieces start at each block's
 * start; a block's tail shorter than a piece is 0xa5.
 */
void db_canary_fill(void *buf, uint64_t mem_off, uint64_t nblocks, uint32_t lba_size);

/*
 * How many whole pieces of the @len bytes at @buf (a block's start) hold
 * this process's canary.
 */
uint32_t db_canary_count(const void *buf, uint64_t len);

enum db_mismatch_kind {
	DB_MIS_FLIP,		/* right block, some bits differ */
	DB_MIS_CORRUPT,		/* many bytes differ, no recognisable header */
	DB_MIS_ZEROED,		/* block reads back all zero */
	DB_MIS_MISPLACED,	/* valid header of another LBA */
	DB_MIS_STALE,		/* valid header of this LBA, other pass */
	DB_MIS_UNDELIVERED,	/* the read reported success, the memory kept the canary
				 * (round trip: the data did not come back out of it) */
	DB_MIS_UNWRITTEN,	/* round trip: the scratch range kept its stamp */
	DB_MIS_NR_KINDS,
};

struct db_mismatch {
	uint64_t lba;
	uint64_t offset;	/* byte offset of the first differing byte from the start of the range */
	uint64_t mem_offset;	/* byte offset of the block in the memory it was read into */
	uint32_t canary_pieces;	/* undelivered: DB_CANARY_PIECE pieces still holding the canary */
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
	uint64_t kinds[DB_MIS_NR_KINDS];	/* bad blocks by kind */
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

/*
 * How data being checked reached host memory, when not by a plain read
 * into the memory under test.  @round_trip: the range was read into the
 * memory, written from it to a scratch range stamped beforehand with
 * @stamp (its first LBA @stamp_lba), and read back into host memory; @buf
 * then holds what the memory gave back.  A block equal to the stamp is
 * "unwritten" (the write from the memory did not reach the drive), a few
 * differing bits are "flip", anything else is "undelivered": the range's
 * data did not come back out of the memory (the caller has checked that
 * the drive itself returns the right data).
 */
struct db_check_how {
	bool round_trip;
	const struct db_pattern *stamp;
	uint64_t stamp_lba;
};

/* db_pattern_check() for data that came as @how says (NULL: a plain read). */
int64_t db_pattern_check_how(const struct db_pattern *p, const void *buf, uint64_t lba,
			     uint64_t nblocks, uint32_t lba_size, uint64_t range_off,
			     const struct db_check_how *how, struct db_verify_result *res,
			     struct db_err *e);

/*
 * Data read without a pattern to compare with (dmabuf read): record each of
 * the @nblocks blocks at @buf (from @lba, @range_off bytes into the range)
 * that still holds the canary as "undelivered".  Returns how many.
 */
uint64_t db_canary_check(const void *buf, uint64_t lba, uint64_t nblocks, uint32_t lba_size,
			 uint64_t range_off, struct db_verify_result *res);

const char *db_mismatch_kind_str(enum db_mismatch_kind k);

#endif
