/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_ERR_H
#define DMABUF_ERR_H

/*
 * Error context.  lib/ never prints and never exits: a failing function
 * returns a negative errno and fills a struct db_err saying which operation
 * failed on which object, and what kind of failure it is.  cmd/ turns the
 * kind into an exit status and prints db_err_str().
 */

#include <stdarg.h>

enum db_err_kind {
	DB_E_NONE = 0,
	DB_E_USAGE,		/* bad input from the user (exit 2) */
	DB_E_UNSUPPORTED,	/* missing kernel/device/source feature (exit 3) */
	DB_E_IO,		/* I/O or device error (exit 4) */
	DB_E_SAFETY,		/* refused: would destroy data (exit 5) */
	DB_E_MISMATCH,		/* verification found mismatches (exit 1) */
	DB_E_INTERRUPTED,	/* stopped by a signal, I/O drained (exit 128 + signal) */
};

struct db_err {
	int err;		/* negative errno, 0 when none */
	enum db_err_kind kind;
	char obj[256];		/* the object: "/dev/nvme0n1", "udmabuf", … */
	char op[64];		/* the operation: "open", "IORING_REGISTER_BUFFERS_UPDATE" */
	char detail[512];	/* extra words for the user, may be empty */
};

/*
 * Record an error.  @err is a negative errno (or 0 when the failure has no
 * errno), @op names the operation, @objfmt the object.  Returns @err so that
 * callers can write "return db_err_set(e, …);".  @e may be NULL.
 */
int db_err_set(struct db_err *e, enum db_err_kind kind, int err,
	       const char *op, const char *objfmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Append a sentence of detail ("no huge pages reserved: see …"). */
void db_err_detail(struct db_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "obj: op: strerror[: detail]" into @buf (@len bytes); returns @buf. */
const char *db_err_str(const struct db_err *e, char *buf, unsigned len);

/* Kind for an errno seen on a device path: EOPNOTSUPP/ENODEV… → unsupported. */
enum db_err_kind db_err_kind_of(int err);

#endif
