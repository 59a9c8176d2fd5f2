// SPDX-License-Identifier: MIT
/*
 * DRM source: a dumb buffer (DRM_IOCTL_MODE_CREATE_DUMB) exported as a
 * dma-buf with PRIME.  The GEM handle and the DRM fd are closed right after
 * the export: the dma-buf holds its own reference on the object.
 *
 * Dumb buffers are a primary-node ioctl (no DRM_RENDER_ALLOW), so a render
 * node answers -EACCES; we then retry on the same device's card node.  That
 * is the normal path for vgem.
 *
 * Where libdrm has the driver's own allocator, the buffer is placed the
 * driver's way instead: amdgpu through libdrm_amdgpu (amdgpu_bo_alloc in
 * VRAM, the default, or GTT; the GEM object exported with
 * amdgpu_bo_export as a dma-buf).  The placement made is reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <amdgpu.h>
#include <amdgpu_drm.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drm.h"
#include "mem.h"
#include "mem-internal.h"

#define DRI_DIR		"/dev/dri"
#define DRM_NEEDS	"a DRM driver (e.g. modprobe vgem, CONFIG_DRM_VGEM)"

/* 1024 pixels of 32 bits: a 4 KiB pitch, so height = size / 4096. */
#define DUMB_WIDTH	1024u
#define DUMB_BPP	32u
#define DUMB_PITCH	(DUMB_WIDTH * DUMB_BPP / 8)
/* the kernel computes height * pitch in 32 bits */
#define DUMB_MAX	(UINT32_MAX & ~(uint64_t)(DUMB_PITCH - 1))

/* --- finding a node ------------------------------------------------------ */

static int drm_first_render(char *path, size_t len, struct dmabuf_err *e)
{
	struct db_drm_node n;

	if (db_drm_render_nodes(&n, 1)) {
		snprintf(path, len, "%s", n.path);
		return 0;
	}
	db_err_set(e, DMABUF_E_UNSUPPORTED, -ENODEV, "find render node", DRI_DIR);
	db_err_detail(e, "no DRM render node in " DRI_DIR ": it needs " DRM_NEEDS);
	return -ENODEV;
}

/* The card node of the device behind render node @fd, from sysfs. */
static int drm_primary_from_sysfs(int fd, char *path, size_t len)
{
	char dir[96];
	struct dirent *de;
	struct stat st;
	int ret = -ENOENT;
	DIR *d;

	if (fstat(fd, &st))
		return -errno;
	snprintf(dir, sizeof(dir), "/sys/dev/char/%u:%u/device/drm",
		 major(st.st_rdev), minor(st.st_rdev));
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "card", 4) && !strchr(de->d_name, '-')) {
			snprintf(path, len, DRI_DIR "/%s", de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

static int drm_primary_of(int fd, char *path, size_t len)
{
	drmDevicePtr dev;
	int ret = -ENOENT;

	if (!drmGetDevice2(fd, 0, &dev)) {
		if (dev->available_nodes & (1 << DRM_NODE_PRIMARY)) {
			snprintf(path, len, "%s", dev->nodes[DRM_NODE_PRIMARY]);
			ret = 0;
		}
		drmFreeDevice(&dev);
	}
	return ret ? drm_primary_from_sysfs(fd, path, len) : 0;
}

/* --- dumb buffer + PRIME ---------------------------------------------------- */

static int dumb_err(const char *path, int err, struct dmabuf_err *e)
{
	switch (-err) {
	case ENOSYS:
	case EOPNOTSUPP:
	case ENOTTY:
		db_err_set(e, DMABUF_E_UNSUPPORTED, err, "DRM_IOCTL_MODE_CREATE_DUMB", "%s", path);
		db_err_detail(e, "the driver behind %s has no dumb buffers", path);
		return err;
	case EACCES:
	case EPERM:
		db_err_set(e, DMABUF_E_UNSUPPORTED, err, "DRM_IOCTL_MODE_CREATE_DUMB", "%s", path);
		db_err_detail(e, "dumb buffers need the device's primary node (" DRI_DIR
			      "/cardN) and permission to open it");
		return err;
	default:
		return db_err_set(e, db_err_kind_of(err), err, "DRM_IOCTL_MODE_CREATE_DUMB",
				  "%s", path);
	}
}

/* Create a dumb buffer of >= @size bytes on @fd and export it: the dma-buf fd. */
static int dumb_export(int fd, const char *path, uint64_t size, struct dmabuf_err *e)
{
	uint32_t handle, pitch;
	uint64_t got;
	int ret, prime = -1, err;

	ret = drmModeCreateDumbBuffer(fd, DUMB_WIDTH, (uint32_t)(size / DUMB_PITCH), DUMB_BPP,
				      0, &handle, &pitch, &got);
	if (ret)
		return dumb_err(path, ret < 0 ? ret : -EIO, e);
	ret = drmPrimeHandleToFD(fd, handle, DRM_CLOEXEC | DRM_RDWR, &prime);
	err = ret ? -errno : 0;
	/* the dma-buf keeps the object alive; the handle only pins it to this fd */
	drmCloseBufferHandle(fd, handle);
	if (err)
		return db_err_set(e, db_err_kind_of(err), err, "drmPrimeHandleToFD", "%s", path);
	if (got < size) {
		close(prime);
		db_err_set(e, DMABUF_E_IO, -EIO, "DRM_IOCTL_MODE_CREATE_DUMB", "%s", path);
		db_err_detail(e, "driver made %llu bytes for %llu asked",
			      (unsigned long long)got, (unsigned long long)size);
		return -EIO;
	}
	return prime;
}

static int drm_node_open(const char *path, struct dmabuf_err *e)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return db_mem_dev_err(e, -errno, path, DRM_NEEDS);
	return fd;
}

/* amdgpu: a buffer object in @domain (VRAM or GTT), exported as a dma-buf. */
static int amdgpu_export(int fd, const char *path, uint64_t size, uint32_t domain,
			 struct dmabuf_err *e)
{
	struct amdgpu_bo_alloc_request req = {
		.alloc_size = size, .phys_alignment = 4096, .preferred_heap = domain,
		/* the CPU fills and compares through the dma-buf's mmap */
		.flags = AMDGPU_GEM_CREATE_CPU_ACCESS_REQUIRED,
	};
	amdgpu_device_handle dev;
	amdgpu_bo_handle bo;
	uint32_t major, minor, prime;
	int ret;

	ret = amdgpu_device_initialize(fd, &major, &minor, &dev);
	if (ret)
		return db_err_set(e, db_err_kind_of(ret), ret, "amdgpu_device_initialize", "%s", path);
	ret = amdgpu_bo_alloc(dev, &req, &bo);
	if (ret) {
		amdgpu_device_deinitialize(dev);
		return db_err_set(e, db_err_kind_of(ret), ret, "amdgpu_bo_alloc", "%s", path);
	}
	ret = amdgpu_bo_export(bo, amdgpu_bo_handle_type_dma_buf_fd, &prime);
	/* the dma-buf holds the object */
	amdgpu_bo_free(bo);
	amdgpu_device_deinitialize(dev);
	if (ret)
		return db_err_set(e, db_err_kind_of(ret), ret, "amdgpu_bo_export", "%s", path);
	return (int)prime;
}

static const char *const placement_names[] = {
	[DB_DRM_DEFAULT] = "", [DB_DRM_DUMB] = "dumb", [DB_DRM_VRAM] = "vram",
	[DB_DRM_GTT] = "gtt",
};

/* Which placement a driver gives @want; -EOPNOTSUPP for one it has no allocator for. */
static int choose_placement(struct dmabuf_mem *m, const char *path, enum db_drm_placement *out,
			    struct dmabuf_err *e)
{
	bool amdgpu = !strcmp(m->driver, "amdgpu");
	enum db_drm_placement want = m->spec.placement;

	if (want == DB_DRM_DEFAULT)
		want = amdgpu ? DB_DRM_VRAM : DB_DRM_DUMB;
	if (want != DB_DRM_DUMB && !amdgpu) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -EOPNOTSUPP, "place DRM buffer", "%s", m->spec.text);
		db_err_detail(e, "%s placement needs a driver libdrm can place buffers for "
			      "(amdgpu); %s is %s, which has dumb buffers only",
			      placement_names[want], path, m->driver[0] ? m->driver : "unknown");
		return -EOPNOTSUPP;
	}
	*out = want;
	return 0;
}

static void driver_of(int fd, struct dmabuf_mem *m)
{
	db_drm_driver(fd, m->driver, sizeof(m->driver));
}

/* Export from @path; a render node that refuses dumb buffers defers to its card node. */
static int drm_export_from(struct dmabuf_mem *m, const char *path, uint64_t size, struct dmabuf_err *e)
{
	enum db_drm_placement where;
	char primary[300];
	int fd, ret;

	fd = drm_node_open(path, e);
	if (fd < 0)
		return fd;
	driver_of(fd, m);
	ret = choose_placement(m, path, &where, e);
	if (ret) {
		close(fd);
		return ret;
	}
	snprintf(m->placement, sizeof(m->placement), "%s", placement_names[where]);
	if (where != DB_DRM_DUMB) {
		ret = amdgpu_export(fd, path, size, where == DB_DRM_VRAM ? AMDGPU_GEM_DOMAIN_VRAM :
				    AMDGPU_GEM_DOMAIN_GTT, e);
		close(fd);
		return ret;
	}
	ret = dumb_export(fd, path, size, e);
	if (ret == -EACCES && drmGetNodeTypeFromFd(fd) == DRM_NODE_RENDER &&
	    !drm_primary_of(fd, primary, sizeof(primary))) {
		close(fd);
		fd = drm_node_open(primary, e);
		if (fd < 0)
			return fd;
		ret = dumb_export(fd, primary, size, e);
	}
	close(fd);
	return ret;
}

static int drm_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	char node[256];
	int ret;

	ret = db_mem_round(m, size, db_mem_page_size(), &size, e);
	if (ret)
		return ret;
	if (size > DUMB_MAX) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "DRM_IOCTL_MODE_CREATE_DUMB", "%s",
			   m->spec.text);
		db_err_detail(e, "a DRM dumb buffer holds less than 4 GiB");
		return -EINVAL;
	}
	if (m->spec.path[0])
		snprintf(node, sizeof(node), "%s", m->spec.path);
	else if ((ret = drm_first_render(node, sizeof(node), e)))
		return ret;
	ret = drm_export_from(m, node, size, e);
	if (ret < 0)
		return ret;
	m->dmabuf_fd = ret;
	m->size = size;
	return 0;
}

int db_mem_drm_probe(const char *path, struct dmabuf_err *e)
{
	char node[256];
	int fd, ret;

	if (path && path[0])
		snprintf(node, sizeof(node), "%s", path);
	else if ((ret = drm_first_render(node, sizeof(node), e)))
		return ret;
	struct dmabuf_mem m = { 0 };

	fd = drm_node_open(node, e);
	if (fd < 0)
		return fd;
	driver_of(fd, &m);
	close(fd);
	db_err_set(e, DMABUF_E_NONE, 0, "probe", "%s", node);
	if (!strcmp(m.driver, "amdgpu"))
		db_err_detail(e, "DRM device %s (amdgpu: VRAM by default, drm:gtt for GTT, "
			      "drm:dumb for a dumb buffer)", node);
	else
		db_err_detail(e, "DRM device %s (%s: dumb buffers)", node,
			      m.driver[0] ? m.driver : "unknown driver");
	return 0;
}

const struct db_mem_ops db_mem_drm_ops = {
	.name = "drm",
	.is_dmabuf = true,
	.open = drm_open,
};
