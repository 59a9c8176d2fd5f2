/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_ERR_H
#define DMABUF_ERR_H

/*
 * Error context.  libdmabuf (lib/) never prints and never exits, nor do the
 * tool's mechanisms in tool/ (engines, contexts, rings): a failing function
 * returns a negative errno and fills a struct dmabuf_err saying which operation
 * failed on which object, and what kind of failure it is.  cmd/ turns the
 * kind into an exit status and prints dmabuf_err_str().  The parts of tool/
 * that write are the report writer (tool/report.c, to the FILE cmd/ hands
 * it) and the engine's --iolog (to the FILE the caller opened).
 */

#include <stdarg.h>

#include "dmabuf/dmabuf.h"

/*
 * Record an error.  @err is a negative errno (or 0 when the failure has no
 * errno), @op names the operation, @objfmt the object.  Returns @err so that
 * callers can write "return db_err_set(e, …);".  @e may be NULL.
 */
int db_err_set(struct dmabuf_err *e, enum dmabuf_err_kind kind, int err,
	       const char *op, const char *objfmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Append a sentence of detail ("no huge pages reserved: see …"). */
void db_err_detail(struct dmabuf_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Kind for an errno seen on a device path: EOPNOTSUPP/ENODEV… → unsupported. */
enum dmabuf_err_kind db_err_kind_of(int err);

#endif
