// SPDX-License-Identifier: MIT
/* The iommu:map tracepoint as a counter: see tool/trace.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"
#include "util.h"

static const char *const tracefs_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
static const char *root;

static int tracefs_write(const char *file, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	if (db_snprintf(path, sizeof(path), "%s/%s", root, file))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

int db_trace_iommu_begin(void)
{
	static const char *const steps[][2] = {
		{ "tracing_on", "0" }, { "events/iommu/map/enable", "1" },
		{ "trace", "" }, { "tracing_on", "1" },
	};
	char path[128];
	unsigned i;
	int ret;

	root = NULL;
	for (i = 0; i < DB_ARRAY_SIZE(tracefs_roots) && !root; i++) {
		snprintf(path, sizeof(path), "%s/events/iommu/map/enable", tracefs_roots[i]);
		if (!access(path, F_OK))
			root = tracefs_roots[i];
	}
	if (!root)
		return -ENOENT;
	for (i = 0; i < DB_ARRAY_SIZE(steps); i++) {
		ret = tracefs_write(steps[i][0], steps[i][1]);
		if (ret)
			return ret;
	}
	return 0;
}

long db_trace_iommu_read(void)
{
	long in = -1, written = -1;
	char path[128], line[256];
	FILE *f;

	if (!root)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/trace", root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* The header says how many events were written, wrapped or not. */
	while (fgets(line, sizeof(line), f) && line[0] == '#')
		if (sscanf(line, "# entries-in-buffer/entries-written: %ld/%ld", &in, &written) == 2)
			break;
	fclose(f);
	return written >= 0 ? written : -EINVAL;
}

long db_trace_iommu_end(void)
{
	long n;

	if (!root)
		return -ENOENT;
	tracefs_write("tracing_on", "0");
	tracefs_write("events/iommu/map/enable", "0");
	n = db_trace_iommu_read();
	tracefs_write("trace", "");
	return n;
}
