/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_TEST_FIXTURE_H
#define DMABUF_TEST_FIXTURE_H

/*
 * The fixture the unit tests of the I/O loop, the ring and the token uAPI
 * share (tests/unit/fixture.c): a temporary regular file opened O_DIRECT
 * (a DB_TGT_FILE target filled in by hand) and two page-aligned user
 * buffers registered as fixed buffers SLOT_W and SLOT_R of a ring with
 * DEPTH entries; slot SLOT_SPARE is empty.
 */

#include <stdint.h>

#include "dmabuf/dmabuf.h"
#include "ring.h"
#include "target.h"

#define LBS		512u
#define FILE_BLOCKS	4096u		/* 2 MiB file */
#define BUF_BYTES	(4u << 20)	/* per fixed buffer */
#define DEPTH		32u
#define SLOT_W		0u
#define SLOT_R		1u
#define SLOT_SPARE	2u

struct fx {
	struct db_target t;
	struct db_ring r;
	uint8_t *wbuf, *rbuf;
	struct dmabuf_fixed fxw, fxr;	/* the two buffers as dmabuf_register() would describe them */
	char path[64];
};

/* cmocka set-up and tear-down: *state is the struct fx. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Slot @slot's buffer as the engines take it (the pages path: user addresses). */
struct dmabuf_iobuf fx_iobuf(struct fx *f, unsigned slot);

#define FX(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

#endif
