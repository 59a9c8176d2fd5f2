/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_ENGINE_INTERNAL_H
#define DMABUF_ENGINE_INTERNAL_H

/*
 * What the common loop (engine.c) asks of an engine.  Private to lib/ and
 * the unit tests.
 */

#include <stdint.h>
#include <liburing.h>

#include "engine.h"

/* One request slot of the loop.  user_data of its SQE is the slot index. */
struct db_io {
	uint64_t lba;		/* first LBA of this request (advanced by short I/O) */
	uint32_t nblocks;	/* blocks still to move */
	uint32_t len;		/* bytes: nblocks * lba_size */
	uint64_t mem_off;	/* byte offset of @lba in the registered buffer */
	uint64_t req_off;	/* the whole request, as first issued: the */
	uint32_t req_len;	/* bounce path's copies cover it (short I/O advances the above) */
	uint64_t meta;		/* separate metadata buffer (passthru, ms > 0), else 0 */
	uint32_t meta_len;
	uint64_t t_submit;	/* first issue, ns: latency includes reissues */
	unsigned retries;
	bool write;		/* WRITE, else READ */
	bool counted;		/* issued after the workload's ramp: goes into the statistics */
	int state;		/* enum in engine.c: free, pending, in flight */
};

struct db_engine_ops {
	const char *name;
	const char *read_op;		/* "READ_FIXED": names a failed request */
	const char *write_op;
	uint32_t max_blocks;		/* per request, 0 = no engine limit */
	/* Engine-specific checks of @x before any I/O: 0 or -EINVAL (usage). */
	int (*check)(const struct db_xfer *x, struct dmabuf_err *e);
	/* Metadata bytes per block the engine needs in a separate buffer. */
	uint32_t (*meta_bytes)(const struct db_target *t);
	/*
	 * Encode @io into @sqe; the loop has zeroed the whole SQE.  0, or
	 * -EINVAL when the request is outside the buffer (the loop checked).
	 */
	int (*prep)(struct io_uring_sqe *sqe, const struct db_xfer *x, const struct db_io *io);
	/*
	 * Bytes moved by @io per @cqe (less than asked = short transfer), or
	 * a negative errno; -EIO with *@nvme_status set for an NVMe status.
	 */
	int (*result)(const struct io_uring_cqe *cqe, const struct db_io *io,
		      uint16_t *nvme_status);
};

extern const struct db_engine_ops db_engine_rw_ops;
extern const struct db_engine_ops db_engine_passthru_ops;

#endif
