// SPDX-License-Identifier: MIT
/* libdmabuf's version: see dmabuf_version() in dmabuf/dmabuf.h. */
#include "dmabuf/dmabuf.h"

const char *dmabuf_version(void)
{
	return DMABUF_VERSION;
}
