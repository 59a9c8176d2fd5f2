/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_REPORT_H
#define DMABUF_REPORT_H

/*
 * Results.  Every command builds one json-c document; report.c prints it as
 * JSON (--json) or as human text.  The text back end renders the same
 * document, so both always say the same thing.
 */

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "engine.h"
#include "dmabuf/dmabuf.h"
#include "fsinfo.h"

/*
 * The version of the JSON documents' layout (the files in schema/, dmabuf-json(7)).
 * It moves whenever a member is added, removed or changes type or meaning;
 * tests/schema-check fails a change to the schema files that does not move it.
 */
#define DB_REPORT_SCHEMA 5

/*
 * {"command": @cmd, "version": …, "schema": DB_REPORT_SCHEMA}: the caller
 * owns the reference (json_object_put).
 */
struct json_object *db_report_new(const char *cmd);

/* Print @doc to @out: pretty JSON when @json, else text.  Does not consume @doc. */
void db_report_print(struct json_object *doc, bool json, FILE *out);

/*
 * I/O statistics as an object: ios, bytes, seconds, iops, mb_per_s (10^6
 * bytes/s), retries, errors, latency_us {min, p50, p90, p99, p999, max}.
 */
struct json_object *db_report_stats(struct db_io_stats *s);

/*
 * A memory source: source, size, requested_size (@requested, the bytes asked
 * for, when the source rounded them up to its page size; 0: nothing asked,
 * fd and pid take the dma-buf's own size), dmabuf (bool) and, for a
 * dma-buf, what its exporter says (exporter, inode, name when set;
 * /proc/self/fdinfo).
 */
struct json_object *db_report_mem(const struct dmabuf_mem *m, uint64_t requested);

/*
 * A regular file's file system (struct db_fsinfo): type, mount, device (the
 * one the file's data is on), realtime_device and realtime (XFS), and
 * token_refused when the file itself rules out a dmabuf token
 * (db_fsinfo_refusal()).  Members not known are left out.
 */
struct json_object *db_report_fs(const struct db_fsinfo *fi);

/* Verification result: blocks checked/bad, first mismatches with kind. */
struct json_object *db_report_verify(const struct dmabuf_verify_result *v, uint32_t lba_size);

/* Failure of a request: lba, blocks, errno text, NVMe status. */
struct json_object *db_report_failure(const struct db_io_failure *f);

/* Add "key": value shorthands. */
void db_jadd_str(struct json_object *o, const char *key, const char *val);
void db_jadd_u64(struct json_object *o, const char *key, uint64_t val);
void db_jadd_int(struct json_object *o, const char *key, int64_t val);
void db_jadd_bool(struct json_object *o, const char *key, bool val);
void db_jadd_double(struct json_object *o, const char *key, double val);

#endif
