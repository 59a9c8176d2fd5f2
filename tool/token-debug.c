// SPDX-License-Identifier: MIT
/*
 * The kernel's token test trigger (debugfs): see tool/token-debug.h.
 * Part of the tool, not of libdmabuf: it exists only on kernels built with
 * this project's CONFIG_DMABUF_TOKEN_DEBUG.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "token-debug.h"

static int trigger_missing(struct dmabuf_err *e, int err, const char *file)
{
	db_err_set(e, err == -ENOENT ? DMABUF_E_UNSUPPORTED : DMABUF_E_IO, err, "open", "%s", file);
	if (err == -ENOENT)
		db_err_detail(e, "token invalidation needs the kernel's test trigger "
			      "(CONFIG_DMABUF_TOKEN_DEBUG, debugfs mounted on /sys/kernel/debug)");
	return err;
}

int db_token_trigger(struct dmabuf_err *e)
{
	const char *file = DB_TOKEN_DEBUGFS "/invalidate";
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return trigger_missing(e, -errno, file);
	if (write(fd, "1", 1) != 1)
		ret = db_err_set(e, DMABUF_E_IO, -errno, "write", "%s", file);
	close(fd);
	return ret;
}

int db_token_stats(struct db_token_stats *s, struct dmabuf_err *e)
{
	const char *file = DB_TOKEN_DEBUGFS "/stats";
	FILE *f = fopen(file, "re");
	char key[32];
	long v;

	s->tokens = s->maps = s->invalidations = -1;
	if (!f)
		return trigger_missing(e, -errno, file);
	while (fscanf(f, "%31s %ld", key, &v) == 2) {
		if (!strcmp(key, "tokens"))
			s->tokens = v;
		else if (!strcmp(key, "maps"))
			s->maps = v;
		else if (!strcmp(key, "invalidations"))
			s->invalidations = v;
	}
	fclose(f);
	return 0;
}
