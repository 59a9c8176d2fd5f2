// SPDX-License-Identifier: MIT
/* DRM render nodes and drivers: see lib/drm.h. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm.h"

#define DRI_DIR "/dev/dri"

void db_drm_driver(int fd, char *buf, size_t len)
{
	drmVersionPtr v = drmGetVersion(fd);

	snprintf(buf, len, "%s", v ? v->name : "");
	if (v)
		drmFreeVersion(v);
}

static void node_fill(struct db_drm_node *n, const char *path)
{
	int fd;

	snprintf(n->path, sizeof(n->path), "%s", path);
	n->driver[0] = '\0';
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		db_drm_driver(fd, n->driver, sizeof(n->driver));
		close(fd);
	}
}

static int nodes_from_libdrm(struct db_drm_node *out, int max)
{
	drmDevicePtr devs[64];
	int i, nr = 0, n = drmGetDevices2(0, devs, 64);

	for (i = 0; i < n && nr < max; i++)
		if (devs[i]->available_nodes & (1 << DRM_NODE_RENDER))
			node_fill(&out[nr++], devs[i]->nodes[DRM_NODE_RENDER]);
	if (n > 0)
		drmFreeDevices(devs, n);
	return nr;
}

static int by_minor(const void *a, const void *b)
{
	return strverscmp(((const struct db_drm_node *)a)->path,
			  ((const struct db_drm_node *)b)->path);
}

static int nodes_from_dir(struct db_drm_node *out, int max)
{
	DIR *d = opendir(DRI_DIR);
	struct dirent *de;
	int nr = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && nr < max) {
		char path[sizeof(out->path)];

		if (strncmp(de->d_name, "renderD", 7) ||
		    snprintf(path, sizeof(path), DRI_DIR "/%s", de->d_name) >= (int)sizeof(path))
			continue;
		node_fill(&out[nr++], path);
	}
	closedir(d);
	return nr;
}

int db_drm_render_nodes(struct db_drm_node *out, int max)
{
	int nr = nodes_from_libdrm(out, max);

	if (!nr)
		nr = nodes_from_dir(out, max);
	qsort(out, nr, sizeof(*out), by_minor);
	return nr;
}
