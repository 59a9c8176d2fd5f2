/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_BUFFER_H
#define DMABUF_BUFFER_H

/*
 * Buffer paths inside libdmabuf (lib/buffer.c): what dmabuf_register()
 * is built from and the unit tests drive directly.
 */

#include "dmabuf/dmabuf.h"

struct dmabuf_mem;

/*
 * Every buffer path tried failed: @tried[0..@n) with @errs (1 <= @n <= 3).
 * One error for them all, in @e: the memory is its object; the kind and
 * errno are the last path's.  Paths that failed for the same reason share
 * it ("pages, bounce: …"); a text longer than @e's detail is cut, each
 * path's part to its fair share, and the cut marked "…".
 */
void db_register_failed(const struct dmabuf_mem *m, const enum dmabuf_path *tried,
			const struct dmabuf_err *errs, unsigned n, struct dmabuf_err *e);

#endif
