/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_SAFETY_H
#define DMABUF_SAFETY_H

/* The tool's rules for writes (tool/safety.c, doc/safety.md). */

#include "err.h"
#include "target.h"

/*
 * Safety rules for destructive writes (doc/safety.md), the one check of
 * every command that writes without --force: refuse when the device or one
 * of its partitions is mounted (/proc/self/mountinfo), has holders
 * (/sys/dev/block/M:m/holders), is swap, cannot be opened exclusively, or
 * carries a partition table or filesystem signature (libblkid).  Regular
 * files pass.  For an ng char device the matching block device is checked.
 * @always, when not NULL, is a reason to refuse whatever the target (bench's
 * scattered writes), given when the device has nothing to name.
 * Returns 0 when safe, -EBUSY (DMABUF_E_SAFETY): "TARGET: write refused:
 * REASON; give --force to write anyway", whichever command asked.
 */
int db_target_check_write(const struct db_target *t, const char *always, struct dmabuf_err *e);
/* db_target_check_write() with no @always. */
int db_target_check_safe(const struct db_target *t, struct dmabuf_err *e);

#endif
