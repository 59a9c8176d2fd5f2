// SPDX-License-Identifier: MIT
/*
 * A stand-in for a GPU runtime, for the VM tier, which has no GPU: the
 * entry points dmabuf's cuda and hip sources look up in libcuda.so.1 and
 * libamdhip64.so, over "device memory" that is a udmabuf (a memfd's pages
 * exported as a real dma-buf).  The I/O against it is real; what is stood
 * in for is only the vendor library, so that the dlopen path, the export,
 * the host copy kept in step by the runtime's copy calls, and the error
 * answers are exercised where no GPU exists.  Built twice, as
 * build/tests/gpu/cuda/libcuda.so.1 and build/tests/gpu/hip/libamdhip64.so;
 * tests put one on LD_LIBRARY_PATH.
 *
 * Like the real CUDA driver API, memory calls need a context current in the
 * calling thread (cuCtxSetCurrent() is per thread): without one they fail
 * with CUDA_ERROR_INVALID_CONTEXT, as they would on a GPU.
 *
 * Environment: STUB_GPU_DEVICES (default 1) devices; STUB_GPU_NO_DMABUF=1
 * makes them unable to export dma-bufs; STUB_GPU_COPY_LOG=FILE appends a
 * line per copy, "TID HtoD|DtoH OFFSET BYTES" (offset into the
 * allocation), so that tests can see what each thread copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define OK		0
#define E_INVALID	1
#define E_NOMEM		2
#define E_NO_DEVICE	100
#define E_INVALID_CONTEXT	201
#define E_NOT_SUPPORTED	801
#define MAX_ALLOCS	64

struct alloc {
	void *va;
	size_t size;
	int memfd, dmabuf;
};

static struct alloc allocs[MAX_ALLOCS];

static int devices(void)
{
	const char *s = getenv("STUB_GPU_DEVICES");

	return s ? atoi(s) : 1;
}

static bool no_dmabuf(void)
{
	const char *s = getenv("STUB_GPU_NO_DMABUF");

	return s && *s == '1';
}

static struct alloc *find(uint64_t dptr)
{
	for (unsigned i = 0; i < MAX_ALLOCS; i++)
		if (allocs[i].va && (uint64_t)(uintptr_t)allocs[i].va <= dptr &&
		    dptr < (uint64_t)(uintptr_t)allocs[i].va + allocs[i].size)
			return &allocs[i];
	return NULL;
}

/* A udmabuf of @size bytes; its memfd mapped as the "device" address. */
static int stub_alloc(uint64_t *dptr, size_t size)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	struct alloc *a = NULL;
	int dev;

	for (unsigned i = 0; i < MAX_ALLOCS && !a; i++)
		if (!allocs[i].va)
			a = &allocs[i];
	if (!a || !size)
		return E_NOMEM;
	a->memfd = memfd_create("stub-gpu", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (a->memfd < 0 || ftruncate(a->memfd, (off_t)size) ||
	    fcntl(a->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		goto fail;
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		goto fail;
	c.memfd = (uint32_t)a->memfd;
	a->dmabuf = ioctl(dev, UDMABUF_CREATE, &c);
	close(dev);
	if (a->dmabuf < 0)
		goto fail;
	a->va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, a->memfd, 0);
	if (a->va == MAP_FAILED) {
		close(a->dmabuf);
		a->va = NULL;
		goto fail;
	}
	a->size = size;
	*dptr = (uint64_t)(uintptr_t)a->va;
	return OK;
fail:
	if (a->memfd >= 0)
		close(a->memfd);
	memset(a, 0, sizeof(*a));
	return E_NOMEM;
}

static int stub_free(uint64_t dptr)
{
	struct alloc *a = find(dptr);

	if (!a)
		return E_INVALID;
	munmap(a->va, a->size);
	close(a->dmabuf);
	close(a->memfd);
	memset(a, 0, sizeof(*a));
	return OK;
}

static int stub_export(int *fd, uint64_t dptr, size_t size)
{
	struct alloc *a = find(dptr);

	if (no_dmabuf())
		return E_NOT_SUPPORTED;
	if (!a || dptr != (uint64_t)(uintptr_t)a->va || size > a->size)
		return E_INVALID;
	*fd = fcntl(a->dmabuf, F_DUPFD_CLOEXEC, 0);
	return *fd < 0 ? E_INVALID : OK;
}

/* Append "TID DIR OFFSET BYTES" to STUB_GPU_COPY_LOG, when set: one write(2), O_APPEND. */
static void log_copy(const char *dir, const struct alloc *a, uint64_t dptr, size_t n)
{
	const char *path = getenv("STUB_GPU_COPY_LOG");
	char line[96];
	int fd, len;

	if (!path)
		return;
	len = snprintf(line, sizeof(line), "%d %s %llu %zu\n", gettid(), dir,
		       (unsigned long long)(dptr - (uint64_t)(uintptr_t)a->va), n);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)len) != len)
			abort();
		close(fd);
	}
}

/* Copy @n bytes to the device (@to_dev) or from it, at device address @dptr. */
static int stub_copy(bool to_dev, uint64_t dptr, void *host, size_t n)
{
	struct alloc *a = find(dptr);
	void *dev = (void *)(uintptr_t)dptr;

	if (!a || n > a->size - (dptr - (uint64_t)(uintptr_t)a->va))
		return E_INVALID;
	log_copy(to_dev ? "HtoD" : "DtoH", a, dptr, n);
	memcpy(to_dev ? dev : host, to_dev ? host : dev, n);
	return OK;
}

static const char *stub_error(int st)
{
	switch (st) {
	case OK:		return "no error";
	case E_NO_DEVICE:	return "no device (stub runtime)";
	case E_NOT_SUPPORTED:	return "operation not supported (stub runtime)";
	case E_NOMEM:		return "out of memory (stub runtime)";
	case E_INVALID_CONTEXT:	return "invalid device context: none current in this thread (stub runtime)";
	}
	return "invalid value (stub runtime)";
}

/* --- the CUDA driver API ---------------------------------------------------------- */

int cuInit(unsigned flags);
int cuDeviceGetCount(int *n);
int cuDeviceGet(int *dev, int ordinal);
int cuDeviceGetAttribute(int *v, int attr, int dev);
int cuDevicePrimaryCtxRetain(void **ctx, int dev);
int cuDevicePrimaryCtxRelease_v2(int dev);
int cuCtxSetCurrent(void *ctx);
int cuMemAlloc_v2(uint64_t *dptr, size_t size);
int cuMemFree_v2(uint64_t dptr);
int cuMemGetHandleForAddressRange(void *handle, uint64_t dptr, size_t size, int type,
				  unsigned long long flags);
int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t n);
int cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t n);
int cuGetErrorString(int st, const char **s);

int cuInit(unsigned flags)
{
	return flags ? E_INVALID : devices() > 0 ? OK : E_NO_DEVICE;
}

int cuDeviceGetCount(int *n)
{
	*n = devices();
	return OK;
}

int cuDeviceGet(int *dev, int ordinal)
{
	*dev = ordinal;
	return ordinal < devices() ? OK : E_INVALID;
}

int cuDeviceGetAttribute(int *v, int attr, int dev)
{
	(void)dev;
	*v = attr == 124 && !no_dmabuf();	/* CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED */
	return OK;
}

int cuDevicePrimaryCtxRetain(void **ctx, int dev)
{
	static int ctx_of[16];

	*ctx = &ctx_of[dev & 15];
	return OK;
}

int cuDevicePrimaryCtxRelease_v2(int dev)
{
	(void)dev;
	return OK;
}

/* The context current in this thread, as cuCtxSetCurrent() left it. */
static __thread void *current_ctx;

int cuCtxSetCurrent(void *ctx)
{
	current_ctx = ctx;
	return OK;
}

int cuMemAlloc_v2(uint64_t *dptr, size_t size)
{
	return current_ctx ? stub_alloc(dptr, size) : E_INVALID_CONTEXT;
}

int cuMemFree_v2(uint64_t dptr)
{
	return current_ctx ? stub_free(dptr) : E_INVALID_CONTEXT;
}

int cuMemGetHandleForAddressRange(void *handle, uint64_t dptr, size_t size, int type,
				  unsigned long long flags)
{
	if (type != 1 || flags)	/* CU_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD */
		return E_INVALID;
	return current_ctx ? stub_export(handle, dptr, size) : E_INVALID_CONTEXT;
}

int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t n)
{
	return current_ctx ? stub_copy(true, dst, (void *)src, n) : E_INVALID_CONTEXT;
}

int cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t n)
{
	return current_ctx ? stub_copy(false, src, dst, n) : E_INVALID_CONTEXT;
}

int cuGetErrorString(int st, const char **s)
{
	*s = stub_error(st);
	return OK;
}

/* --- HIP ---------------------------------------------------------------------------- */

int hipInit(unsigned flags);
int hipGetDeviceCount(int *n);
int hipSetDevice(int dev);
int hipMalloc(void **p, size_t size);
int hipFree(void *p);
int hipMemGetHandleForAddressRange(void *handle, void *dptr, size_t size, int type,
				   unsigned long long flags);
int hipMemcpy(void *dst, const void *src, size_t n, int kind);
const char *hipGetErrorString(int st);

int hipInit(unsigned flags)
{
	return flags ? E_INVALID : devices() > 0 ? OK : E_NO_DEVICE;
}

int hipGetDeviceCount(int *n)
{
	*n = devices();
	return *n > 0 ? OK : E_NO_DEVICE;
}

int hipSetDevice(int dev)
{
	return dev < devices() ? OK : E_INVALID;
}

int hipMalloc(void **p, size_t size)
{
	uint64_t d;
	int st = stub_alloc(&d, size);

	*p = st ? NULL : (void *)(uintptr_t)d;
	return st;
}

int hipFree(void *p)
{
	return stub_free((uint64_t)(uintptr_t)p);
}

int hipMemGetHandleForAddressRange(void *handle, void *dptr, size_t size, int type,
				   unsigned long long flags)
{
	if (type != 1 || flags)	/* hipMemRangeHandleTypeDmaBufFd */
		return E_INVALID;
	return stub_export(handle, (uint64_t)(uintptr_t)dptr, size);
}

int hipMemcpy(void *dst, const void *src, size_t n, int kind)
{
	/* 1: host to device, 2: device to host */
	if (kind == 1)
		return stub_copy(true, (uint64_t)(uintptr_t)dst, (void *)src, n);
	if (kind == 2)
		return stub_copy(false, (uint64_t)(uintptr_t)src, dst, n);
	return E_INVALID;
}

const char *hipGetErrorString(int st)
{
	return stub_error(st);
}
