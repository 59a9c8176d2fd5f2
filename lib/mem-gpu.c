// SPDX-License-Identifier: MIT
/*
 * cuda and hip sources: device memory of a GPU runtime, exported as a
 * dma-buf.  The runtime is loaded with dlopen() when the source is opened:
 * nothing of it is needed to build or test dmabuf, and without it (or
 * without a device) the source says which library or device is missing.
 *
 *   cuda: libcuda.so.1 (the NVIDIA driver's CUDA driver API): cuMemAlloc,
 *         then cuMemGetHandleForAddressRange(CU_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD),
 *         on a device whose CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED is 1
 *         (CUDA 11.7 and later, the open kernel modules).
 *   hip:  libamdhip64.so (ROCm): hipMalloc, then
 *         hipMemGetHandleForAddressRange(hipMemRangeHandleTypeDmaBufFd).
 *
 * Neither runtime's dma-bufs can be mmapped.  The CPU reaches the memory
 * through a host copy instead: db_mem_mmap() gives m->map a host buffer,
 * the sync brackets copy device to host at the start and host to device
 * at the end of a CPU write, with the runtime's own copy functions.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mem.h"
#include "mem-internal.h"

/* Values of the vendors' headers (facts: cuda.h, hip_runtime_api.h). */
#define CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED	124
#define CU_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD	1
#define HIP_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD	1
#define HIP_MEMCPY_HOST_TO_DEVICE		1
#define HIP_MEMCPY_DEVICE_TO_HOST		2
#define GPU_ALIGN				(2ull << 20)	/* both allocate in 2 MiB pages */

/*
 * One runtime.  Entry points are looked up by name (syms[], indexed by
 * S_*; NULL where the runtime has no such step); each returns the
 * runtime's status, 0 for success.
 */
struct gpu_api {
	const char *name;		/* "CUDA" */
	const char *const *libs;	/* sonames tried in order */
	const char *needs;		/* what to install */
	const char *const *syms;	/* entry points, in the order of struct gpu_fns */
};

struct gpu_priv {
	void *lib;
	const struct gpu_api *api;
	int dev;			/* ordinal */
	int cudev;			/* cuda: the CUdevice of it */
	uint64_t dptr;			/* device address, 0 when none */
	void *ctx;			/* cuda: the device's primary context, retained */
	void *sym[16];			/* entry points, by S_* */
};

static const char *const cuda_libs[] = { "libcuda.so.1", "libcuda.so", NULL };
static const char *const hip_libs[] = { "libamdhip64.so.7", "libamdhip64.so.6",
					"libamdhip64.so", NULL };

enum { S_INIT, S_COUNT, S_GET, S_ATTR, S_CTX_RETAIN, S_CTX_RELEASE, S_CTX_SET, S_ALLOC,
       S_FREE, S_EXPORT, S_TO_DEV, S_TO_HOST, S_ERR, S_NR };

static const char *const cuda_syms[S_NR] = {
	"cuInit", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetAttribute",
	"cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2", "cuCtxSetCurrent",
	"cuMemAlloc_v2", "cuMemFree_v2", "cuMemGetHandleForAddressRange",
	"cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2", "cuGetErrorString",
};

static const char *const hip_syms[S_NR] = {
	"hipInit", "hipGetDeviceCount", NULL, NULL, NULL, NULL, "hipSetDevice",
	"hipMalloc", "hipFree", "hipMemGetHandleForAddressRange",
	"hipMemcpy", "hipMemcpy", "hipGetErrorString",
};

static const struct gpu_api cuda_api = {
	"CUDA", cuda_libs, "the NVIDIA driver's libcuda.so.1 (CUDA 11.7 or later)", cuda_syms,
};
static const struct gpu_api hip_api = {
	"HIP", hip_libs, "ROCm's libamdhip64.so with hipMemGetHandleForAddressRange", hip_syms,
};

/* Call entry point @i of @g with the arguments given, as returning int. */
#define CALL(g, i, type, ...) (((type)(g)->sym[i])(__VA_ARGS__))

static const struct gpu_api *api_of(const struct db_mem_spec *spec)
{
	return spec->kind == DB_MEM_CUDA ? &cuda_api : &hip_api;
}

static const char *status_str(struct gpu_priv *g, int st)
{
	const char *s = NULL;

	if (!g->sym[S_ERR])
		return "";
	if (g->api == &cuda_api)
		CALL(g, S_ERR, int (*)(int, const char **), st, &s);
	else
		s = CALL(g, S_ERR, const char *(*)(int), st);
	return s ? s : "";
}

/* A runtime call failed: @e names it, with the runtime's status and text. */
static int gpu_fail(struct gpu_priv *g, struct dmabuf_err *e, int err, const char *call, int st,
		    const struct dmabuf_mem *m)
{
	db_err_set(e, err == -ENODEV || err == -EOPNOTSUPP ? DMABUF_E_UNSUPPORTED : DMABUF_E_IO, err,
		   call, "%s", m->spec.text);
	db_err_detail(e, "%s status %d (%s)", g->api->name, st, status_str(g, st));
	return err;
}

/* dlopen the runtime and look up its entry points. */
static int gpu_load(struct gpu_priv *g, const struct db_mem_spec *spec, struct dmabuf_err *e)
{
	const char *const *l;

	g->api = api_of(spec);
	for (l = g->api->libs; *l && !g->lib; l++)
		g->lib = dlopen(*l, RTLD_NOW | RTLD_LOCAL);
	if (!g->lib) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -ENOENT, "dlopen", "%s", g->api->libs[0]);
		db_err_detail(e, "%s memory needs %s; none of its libraries is installed here",
			      spec->text, g->api->needs);
		return -ENOENT;
	}
	for (unsigned i = 0; i < S_NR; i++) {
		if (!g->api->syms[i])
			continue;
		g->sym[i] = dlsym(g->lib, g->api->syms[i]);
		if (!g->sym[i] && i != S_ERR) {
			db_err_set(e, DMABUF_E_UNSUPPORTED, -ENOSYS, "dlsym", "%s", g->api->syms[i]);
			db_err_detail(e, "the %s runtime here has no %s: %s memory needs %s",
				      g->api->name, g->api->syms[i], spec->text, g->api->needs);
			return -ENOSYS;
		}
	}
	return 0;
}

/* Initialise the runtime and make device @dev current. */
static int gpu_device(struct gpu_priv *g, const struct dmabuf_mem *m, struct dmabuf_err *e)
{
	int st, n = 0, ok = 0;

	st = CALL(g, S_INIT, int (*)(unsigned), 0);
	if (!st)
		st = CALL(g, S_COUNT, int (*)(int *), &n);
	if (st || n <= 0) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -ENODEV, "initialise the runtime", "%s",
			   m->spec.text);
		db_err_detail(e, "no %s device here (%s status %d: %s)", g->api->name,
			      g->api->name, st, status_str(g, st));
		return -ENODEV;
	}
	if (g->dev >= n) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -ENODEV, "select device", "%s", m->spec.text);
		db_err_detail(e, "%s has %d device(s), 0 to %d", g->api->name, n, n - 1);
		return -ENODEV;
	}
	if (g->api == &hip_api) {
		st = CALL(g, S_CTX_SET, int (*)(int), g->dev);
		return st ? gpu_fail(g, e, -EIO, "hipSetDevice", st, m) : 0;
	}
	st = CALL(g, S_GET, int (*)(int *, int), &g->cudev, g->dev);
	if (!st)
		st = CALL(g, S_ATTR, int (*)(int *, int, int), &ok,
			  CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED, g->cudev);
	if (st)
		return gpu_fail(g, e, -EIO, "cuDeviceGetAttribute", st, m);
	if (!ok) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -EOPNOTSUPP, "dma-buf export", "%s", m->spec.text);
		db_err_detail(e, "CUDA device %d cannot export dma-bufs "
			      "(CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED is 0: it needs the open "
			      "kernel modules and CUDA 11.7 or later)", g->dev);
		return -EOPNOTSUPP;
	}
	st = CALL(g, S_CTX_RETAIN, int (*)(void **, int), &g->ctx, g->cudev);
	if (!st)
		st = CALL(g, S_CTX_SET, int (*)(void *), g->ctx);
	return st ? gpu_fail(g, e, -EIO, "cuDevicePrimaryCtxRetain", st, m) : 0;
}

static int gpu_alloc_export(struct gpu_priv *g, struct dmabuf_mem *m, uint64_t size,
			    struct dmabuf_err *e)
{
	int st, fd = -1;

	/* cuMemAlloc(CUdeviceptr *, size_t), hipMalloc(void **, size_t) */
	st = CALL(g, S_ALLOC, int (*)(uint64_t *, size_t), &g->dptr, size);
	if (st) {
		g->dptr = 0;
		return gpu_fail(g, e, -ENOMEM, g->api->syms[S_ALLOC], st, m);
	}
	st = CALL(g, S_EXPORT, int (*)(int *, uint64_t, size_t, int, unsigned long long),
		  &fd, g->dptr, size, g->api == &cuda_api ? CU_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD :
		  HIP_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD, 0);
	if (st || fd < 0)
		return gpu_fail(g, e, -EOPNOTSUPP, g->api->syms[S_EXPORT], st, m);
	m->dmabuf_fd = fd;
	m->size = size;
	return 0;
}

/*
 * Make the buffer's device current in the calling thread: both runtimes
 * keep it per thread (cuCtxSetCurrent, hipSetDevice), and a copy from a
 * thread that never set it fails (CUDA_ERROR_INVALID_CONTEXT) or goes to
 * device 0 (HIP).  Cheap, so done before every copy rather than tracked.
 */
static int gpu_current(struct gpu_priv *g, struct dmabuf_mem *m, struct dmabuf_err *e)
{
	int st = g->api == &cuda_api ? CALL(g, S_CTX_SET, int (*)(void *), g->ctx) :
				       CALL(g, S_CTX_SET, int (*)(int), g->dev);

	return st ? gpu_fail(g, e, -EIO, g->api->syms[S_CTX_SET], st, m) : 0;
}

static void gpu_close(struct dmabuf_mem *m)
{
	struct gpu_priv *g = m->priv;

	if (!g)
		return;
	/* the closing thread may not be the one that allocated */
	if (g->dptr && !gpu_current(g, m, NULL))
		CALL(g, S_FREE, int (*)(uint64_t), g->dptr);
	if (g->ctx)
		CALL(g, S_CTX_RELEASE, int (*)(int), g->cudev);
	/* the runtime stays loaded: unloading a GPU runtime is not safe */
	free(g);
	m->priv = NULL;
}

static int gpu_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	struct gpu_priv *g = calloc(1, sizeof(*g));
	int ret;

	if (!g)
		return db_err_set(e, DMABUF_E_IO, -ENOMEM, "allocate", "%s", m->spec.text);
	m->priv = g;
	g->dev = m->spec.dev;
	ret = db_mem_round(m, size, GPU_ALIGN, &size, e);
	if (!ret)
		ret = gpu_load(g, &m->spec, e);
	if (!ret)
		ret = gpu_device(g, m, e);
	if (!ret)
		ret = gpu_alloc_export(g, m, size, e);
	if (!ret)
		snprintf(m->driver, sizeof(m->driver), "%s", g->api->name);
	return ret;
}

/* The CPU's view: a host copy, kept in step by gpu_sync(). */
static int gpu_cpu_map(struct dmabuf_mem *m, struct dmabuf_err *e)
{
	void *p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return db_err_set(e, DMABUF_E_IO, -errno, "mmap", "host copy of %s", m->spec.text);
	m->map = p;
	return 0;
}

/*
 * Copy bytes [@off, @off + @len) of the host copy to the device
 * (@to_device) or from it.  Only that range: threads working on disjoint
 * ranges of one buffer (bench's jobs on the bounce path) never touch each
 * other's bytes.
 */
static int gpu_sync(struct dmabuf_mem *m, bool to_device, uint64_t off, uint64_t len,
		    struct dmabuf_err *e)
{
	struct gpu_priv *g = m->priv;
	uint64_t dptr = g->dptr + off;
	char *host = (char *)m->map + off;
	int st = gpu_current(g, m, e);

	if (st)
		return st;
	if (to_device)
		st = g->api == &cuda_api ?
			CALL(g, S_TO_DEV, int (*)(uint64_t, const void *, size_t), dptr, host, len) :
			CALL(g, S_TO_DEV, int (*)(uint64_t, const void *, size_t, int), dptr, host,
			     len, HIP_MEMCPY_HOST_TO_DEVICE);
	else
		st = g->api == &cuda_api ?
			CALL(g, S_TO_HOST, int (*)(void *, uint64_t, size_t), host, dptr, len) :
			CALL(g, S_TO_HOST, int (*)(void *, uint64_t, size_t, int), host, dptr,
			     len, HIP_MEMCPY_DEVICE_TO_HOST);
	return st ? gpu_fail(g, e, -EIO, g->api->syms[to_device ? S_TO_DEV : S_TO_HOST], st, m) : 0;
}

/* Available: the runtime loads and has a device that can export dma-bufs. */
static int gpu_probe(enum db_mem_kind kind, struct dmabuf_err *e)
{
	struct dmabuf_mem m = { .spec = { .kind = kind }, .dmabuf_fd = -1, .mem_fd = -1 };
	struct gpu_priv g = { 0 };
	int ret;

	snprintf(m.spec.text, sizeof(m.spec.text), "%s", kind == DB_MEM_CUDA ? "cuda" : "hip");
	ret = gpu_load(&g, &m.spec, e);
	if (!ret)
		ret = gpu_device(&g, &m, e);
	if (g.ctx)
		CALL(&g, S_CTX_RELEASE, int (*)(int), g.cudev);
	if (!ret) {
		db_err_set(e, DMABUF_E_NONE, 0, "probe", "%s", m.spec.text);
		db_err_detail(e, "%s device 0 exports dma-bufs (%s; cuda:DEV / hip:DEV for others)",
			      g.api->name, g.api->libs[0]);
	}
	return ret;
}

int db_mem_cuda_probe(const char *path, struct dmabuf_err *e)
{
	(void)path;
	return gpu_probe(DB_MEM_CUDA, e);
}

int db_mem_hip_probe(const char *path, struct dmabuf_err *e)
{
	(void)path;
	return gpu_probe(DB_MEM_HIP, e);
}

const struct db_mem_ops db_mem_cuda_ops = {
	.name = "cuda",
	.is_dmabuf = true,
	.open = gpu_open,
	.close = gpu_close,
	.cpu_map = gpu_cpu_map,
	.cpu_sync = gpu_sync,
};

const struct db_mem_ops db_mem_hip_ops = {
	.name = "hip",
	.is_dmabuf = true,
	.open = gpu_open,
	.close = gpu_close,
	.cpu_map = gpu_cpu_map,
	.cpu_sync = gpu_sync,
};
