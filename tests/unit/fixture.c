// SPDX-License-Identifier: MIT
/* The unit tests' shared fixture: see fixture.h. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "ring.h"
#include "token.h"

static int open_direct(struct fx *f, const char *dir)
{
	int fd;

	snprintf(f->path, sizeof(f->path), "%s/dmabuf-test-XXXXXX", dir);
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	unlink(f->path);
	/* tmpfs has no O_DIRECT: the caller then tries another directory. */
	if (fcntl(fd, F_SETFL, O_DIRECT) || ftruncate(fd, (off_t)FILE_BLOCKS * LBS)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct dmabuf_iobuf fx_iobuf(struct fx *f, unsigned slot)
{
	struct dmabuf_fixed *fx = slot == SLOT_W ? &f->fxw : &f->fxr;

	*fx = (struct dmabuf_fixed){
		.path = DMABUF_PATH_PAGES,
		.base = (uintptr_t)(slot == SLOT_W ? f->wbuf : f->rbuf),
		.len = BUF_BYTES,
	};
	return (struct dmabuf_iobuf){ .fx = fx, .slot = slot, .fd = f->t.fd };
}

int fx_setup(void **state)
{
	struct dmabuf_err e = { 0 };
	struct fx *f = calloc(1, sizeof(*f));
	int fd;

	assert_non_null(f);
	fd = open_direct(f, "/var/tmp");
	if (fd < 0)
		fd = open_direct(f, ".");
	assert_true(fd >= 0);
	f->t = (struct db_target){
		.fd = fd, .kind = DB_TGT_FILE, .writable = true, .lba_size = LBS,
		.nlba = FILE_BLOCKS, .max_xfer = 0, .dma_align = LBS,
	};
	snprintf(f->t.path, sizeof(f->t.path), "%s", f->path);
	assert_int_equal(db_ring_init(&f->r, DEPTH, false, 4, &e), 0);
	assert_int_equal(posix_memalign((void **)&f->wbuf, 4096, BUF_BYTES), 0);
	assert_int_equal(posix_memalign((void **)&f->rbuf, 4096, BUF_BYTES), 0);
	memset(f->wbuf, 0, BUF_BYTES);
	memset(f->rbuf, 0, BUF_BYTES);
	assert_int_equal(db_fixed_register_uaddr(&f->r.ring, SLOT_W, f->wbuf, BUF_BYTES, &e), 0);
	assert_int_equal(db_fixed_register_uaddr(&f->r.ring, SLOT_R, f->rbuf, BUF_BYTES, &e), 0);
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;

	db_ring_exit(&f->r);
	close(f->t.fd);
	free(f->wbuf);
	free(f->rbuf);
	free(f);
	return 0;
}
