// SPDX-License-Identifier: MIT
/* Error context: see lib/err.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int db_err_set(struct dmabuf_err *e, enum dmabuf_err_kind kind, int err, const char *op,
	       const char *objfmt, ...)
{
	va_list ap;

	if (!e)
		return err;
	e->err = err;
	e->kind = kind;
	snprintf(e->op, sizeof(e->op), "%s", op ? op : "");
	va_start(ap, objfmt);
	vsnprintf(e->obj, sizeof(e->obj), objfmt, ap);
	va_end(ap);
	e->detail[0] = '\0';
	memset(e->reserved, 0, sizeof(e->reserved));
	return err;
}

void db_err_detail(struct dmabuf_err *e, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!e)
		return;
	used = strlen(e->detail);
	if (used && used + 2 < sizeof(e->detail)) {
		strcpy(e->detail + used, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(e->detail + used, sizeof(e->detail) - used, fmt, ap);
	va_end(ap);
}

const char *dmabuf_err_str(const struct dmabuf_err *e, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", e->obj);

	if (e->op[0] && n >= 0 && (unsigned)n < len)
		n += snprintf(buf + n, len - n, "%s%s", n ? ": " : "", e->op);
	if (e->err && n >= 0 && (unsigned)n < len)
		n += snprintf(buf + n, len - n, ": %s", strerror(-e->err));
	if (e->detail[0] && n >= 0 && (unsigned)n < len)
		snprintf(buf + n, len - n, ": %s", e->detail);
	return buf;
}

enum dmabuf_err_kind db_err_kind_of(int err)
{
	switch (-err) {
	case EOPNOTSUPP:
	case ENODEV:
	case ENOSYS:
	case ENXIO:
		return DMABUF_E_UNSUPPORTED;
	case EINVAL:
	case ERANGE:
		return DMABUF_E_USAGE;
	default:
		return DMABUF_E_IO;
	}
}
