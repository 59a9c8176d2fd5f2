/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_TOKEN_DEBUG_H
#define DMABUF_TOKEN_DEBUG_H

#include "err.h"

/*
 * The token test trigger of kernel-patches/ (CONFIG_DMABUF_TOKEN_DEBUG):
 * DB_TOKEN_DEBUGFS holds "invalidate" (write: every live token's exporter
 * notifies a move, as an exporter migrating the buffer would) and "stats".
 */
#define DB_TOKEN_DEBUGFS "/sys/kernel/debug/dmabuf_token"

struct db_token_stats {
	long tokens;		/* live tokens */
	long maps;		/* token mappings made since boot */
	long invalidations;	/* invalidations since boot */
};

/* Fire the trigger once.  0; -ENOENT (DMABUF_E_UNSUPPORTED) without it; -errno. */
int db_token_trigger(struct dmabuf_err *e);
/* Read the trigger's counters.  0; -ENOENT without the trigger; -errno. */
int db_token_stats(struct db_token_stats *s, struct dmabuf_err *e);

#endif
