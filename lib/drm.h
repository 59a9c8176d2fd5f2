/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_DRM_H
#define DMABUF_DRM_H

/*
 * DRM devices: how both the drm memory source (libdmabuf) and `check` find
 * them.  lib/drm.c is built into the library and into the tool alike.
 */

#include <stddef.h>

struct db_drm_node {
	char path[64];		/* /dev/dri/renderD128 */
	char driver[32];	/* "vgem", "amdgpu"; "" when the node cannot be opened */
};

/*
 * The render nodes of this machine, lowest minor first, into @out (at most
 * @max): libdrm's device list, and where libdrm lists none (it skips
 * devices on buses it cannot parse: a platform vgem without an OF node,
 * the faux bus of newer kernels) the renderD* entries of /dev/dri.
 * Returns how many were found.
 */
int db_drm_render_nodes(struct db_drm_node *out, int max);

/* The name of the DRM driver behind @fd into @buf (@len bytes); "" if unknown. */
void db_drm_driver(int fd, char *buf, size_t len);

#endif
