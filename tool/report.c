// SPDX-License-Identifier: MIT
/*
 * Results as JSON or text: see tool/report.h.
 *
 * Commands build one json-c document; the text back end is a generic
 * renderer of that document, so there is no second, drifting description
 * of each result:
 *   scalars          "key      : value" lines, keys aligned per object
 *   objects          a "key:" heading with the members indented below
 *   arrays of scalars  one line, comma separated
 *   arrays of objects  a table, one column per key
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme.h"
#include "report.h"
#include "util.h"

#ifndef DMABUF_VERSION
#define DMABUF_VERSION "0.1"
#endif

#define INDENT_STEP	2
#define COL_GAP		2

/* --- building ---------------------------------------------------------------- */

struct json_object *db_report_new(const char *cmd)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	db_jadd_str(o, "command", cmd);
	db_jadd_str(o, "version", DMABUF_VERSION);
	db_jadd_int(o, "schema", DB_REPORT_SCHEMA);
	return o;
}

void db_jadd_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, val ? json_object_new_string(val) : NULL);
}

void db_jadd_u64(struct json_object *o, const char *key, uint64_t val)
{
	json_object_object_add(o, key, json_object_new_uint64(val));
}

void db_jadd_int(struct json_object *o, const char *key, int64_t val)
{
	json_object_object_add(o, key, json_object_new_int64(val));
}

void db_jadd_bool(struct json_object *o, const char *key, bool val)
{
	json_object_object_add(o, key, json_object_new_boolean(val));
}

/*
 * json-c prints doubles with 17 significant digits (0.1 becomes
 * 0.10000000000000001).  Serialise the shortest text that reads back as the
 * same double, keeping a ".0" so that readers still see a floating value.
 */
void db_jadd_double(struct json_object *o, const char *key, double val)
{
	char buf[40];
	int prec;

	if (!isfinite(val)) {
		json_object_object_add(o, key, NULL);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, val);
		if (strtod(buf, NULL) == val)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, val);
	if (!strpbrk(buf, ".e"))
		strcat(buf, ".0");
	json_object_object_add(o, key, json_object_new_double_s(val, buf));
}

static double ns_to_us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static struct json_object *latency_object(struct db_io_stats *s)
{
	static const struct { const char *key; double pct; } pcts[] = {
		{ "min", 0 }, { "p50", 50 }, { "p90", 90 }, { "p99", 99 },
		{ "p999", 99.9 }, { "max", 100 },
	};
	struct json_object *lat = json_object_new_object();
	unsigned i;

	for (i = 0; lat && i < DB_ARRAY_SIZE(pcts); i++)
		db_jadd_double(lat, pcts[i].key, ns_to_us(db_io_stats_pct(s, pcts[i].pct)));
	return lat;
}

struct json_object *db_report_stats(struct db_io_stats *s)
{
	struct json_object *o = json_object_new_object();
	double secs = (double)s->ns / 1e9;

	if (!o)
		return NULL;
	db_jadd_u64(o, "ios", s->ios);
	db_jadd_u64(o, "bytes", s->bytes);
	db_jadd_double(o, "seconds", secs);
	db_jadd_double(o, "iops", s->ns ? (double)s->ios / secs : 0.0);
	db_jadd_double(o, "mb_per_s", s->ns ? (double)s->bytes / secs / 1e6 : 0.0);
	db_jadd_u64(o, "retries", s->retries);
	db_jadd_u64(o, "errors", s->errors);
	if (s->lat.n)
		json_object_object_add(o, "latency_us", latency_object(s));
	return o;
}

static void jadd_hex_byte(struct json_object *o, const char *key, uint8_t v)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "0x%02x", v);
	db_jadd_str(o, key, buf);
}

static struct json_object *mismatch_object(const struct dmabuf_mismatch *m)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	db_jadd_u64(o, "lba", m->lba);
	db_jadd_u64(o, "offset", m->offset);
	db_jadd_u64(o, "mem_offset", m->mem_offset);
	db_jadd_str(o, "kind", dmabuf_mismatch_kind_str(m->kind));
	jadd_hex_byte(o, "expected", m->expected);
	jadd_hex_byte(o, "found", m->found);
	db_jadd_u64(o, "bytes", m->len);
	db_jadd_u64(o, "bits", m->bits);
	if (m->kind == DMABUF_MIS_MISPLACED)
		db_jadd_u64(o, "found_lba", m->found_lba);
	if (m->kind == DMABUF_MIS_STALE)
		db_jadd_u64(o, "found_pass", m->found_pass);
	if (m->canary_pieces)
		db_jadd_u64(o, "canary_pieces", m->canary_pieces);
	return o;
}

struct json_object *db_report_verify(const struct dmabuf_verify_result *v, uint32_t lba_size)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr, *kinds;
	unsigned i;

	if (!o)
		return NULL;
	db_jadd_u64(o, "lba_size", lba_size);
	db_jadd_u64(o, "blocks_checked", v->blocks_checked);
	db_jadd_u64(o, "blocks_bad", v->blocks_bad);
	db_jadd_u64(o, "bytes_bad", v->bytes_bad);
	kinds = json_object_new_object();
	for (i = 0; kinds && i < DMABUF_MIS_NR_KINDS; i++)
		db_jadd_u64(kinds, dmabuf_mismatch_kind_str(i), v->kinds[i]);
	json_object_object_add(o, "kinds", kinds);
	arr = json_object_new_array();
	for (i = 0; arr && i < v->nr_kept && i < DMABUF_MISMATCH_KEEP; i++)
		json_object_array_add(arr, mismatch_object(&v->first[i]));
	json_object_object_add(o, "mismatches", arr);
	return o;
}

static void failure_text(const struct db_io_failure *f, char *buf, size_t len)
{
	const char *name;

	if (f->res < 0) {
		snprintf(buf, len, "%s", strerror(-f->res));
		return;
	}
	if (!f->nvme_status) {
		snprintf(buf, len, "unknown error");
		return;
	}
	name = db_nvme_status_str(f->nvme_status);
	snprintf(buf, len, "NVMe status 0x%03x (%s)", f->nvme_status, name);
}

struct json_object *db_report_failure(const struct db_io_failure *f)
{
	struct json_object *o = json_object_new_object();
	char text[160];

	if (!o)
		return NULL;
	failure_text(f, text, sizeof(text));
	db_jadd_u64(o, "lba", f->lba);
	db_jadd_u64(o, "blocks", f->nblocks);
	db_jadd_str(o, "error", text);
	if (f->res < 0)
		db_jadd_int(o, "errno", -f->res);
	db_jadd_u64(o, "nvme_status", f->nvme_status);
	return o;
}

/* --- text rendering ---------------------------------------------------------- */

static bool is_table(struct json_object *v)
{
	return json_object_is_type(v, json_type_array) && json_object_array_length(v) &&
	       json_object_is_type(json_object_array_get_idx(v, 0), json_type_object);
}

/* Members that get a heading and a block of their own. */
static bool is_block(struct json_object *v)
{
	return is_table(v) ||
	       (json_object_is_type(v, json_type_object) && json_object_object_length(v));
}

static void fmt_double(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (v == trunc(v) && a < 1e15)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static char *list_str(struct json_object *arr);

/* One value as text, malloc'ed; NULL only when out of memory. */
static char *value_str(struct json_object *v)
{
	char buf[64];

	switch (json_object_get_type(v)) {
	case json_type_null:
		return strdup("-");
	case json_type_boolean:
		return strdup(json_object_get_boolean(v) ? "yes" : "no");
	case json_type_double:
		fmt_double(json_object_get_double(v), buf, sizeof(buf));
		return strdup(buf);
	case json_type_int:
		/* json-c prints int64 and uint64 values exactly. */
		return strdup(json_object_to_json_string(v));
	case json_type_string:
		return strdup(json_object_get_string(v));
	case json_type_array:
		if (!is_table(v))
			return list_str(v);
		/* fall through */
	case json_type_object:
		if (json_object_is_type(v, json_type_object) && !json_object_object_length(v))
			return strdup("none");
		return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	return strdup("?");
}

/* "a, b, c" for an array of scalars, "none" when empty. */
static char *list_str(struct json_object *arr)
{
	size_t i, n = json_object_array_length(arr);
	char *out = NULL;
	size_t size = 0;
	FILE *f;

	if (!n)
		return strdup("none");
	f = open_memstream(&out, &size);
	if (!f)
		return NULL;
	for (i = 0; i < n; i++) {
		char *s = value_str(json_object_array_get_idx(arr, i));

		fprintf(f, "%s%s", i ? ", " : "", s ? s : "");
		free(s);
	}
	fclose(f);
	return out;
}

static void print_line(FILE *out, int indent, int width, const char *key,
		       struct json_object *v)
{
	char *s = value_str(v);

	fprintf(out, "%*s%-*s : %s\n", indent, "", width, key, s ? s : "");
	free(s);
}

struct table {
	size_t rows, cols;
	const char **keys;	/* column keys, borrowed from the document */
	char **cells;		/* rows x cols, NULL for a missing key */
	int *width;
	bool *numeric;		/* right-aligned */
};

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; t->cells && i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->keys);
	free(t->width);
	free(t->numeric);
}

static bool table_has_key(const struct table *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->cols; i++)
		if (!strcmp(t->keys[i], key))
			return true;
	return false;
}

/*
 * Columns: every key of every row, in order of first appearance, so rows
 * with optional members (a mismatch's found_lba) still line up.
 */
static int table_columns(struct table *t, struct json_object *arr)
{
	size_t r, max = 0;

	for (r = 0; r < t->rows; r++) {
		struct json_object *row = json_object_array_get_idx(arr, r);

		if (json_object_is_type(row, json_type_object))
			max += (size_t)json_object_object_length(row);
	}
	t->keys = calloc(max ? max : 1, sizeof(*t->keys));
	if (!t->keys)
		return -ENOMEM;
	for (r = 0; r < t->rows; r++) {
		struct json_object *row = json_object_array_get_idx(arr, r);

		if (!json_object_is_type(row, json_type_object))
			continue;
		json_object_object_foreach(row, key, val) {
			(void)val;
			if (!table_has_key(t, key))
				t->keys[t->cols++] = key;
		}
	}
	return 0;
}

static int table_cells(struct table *t, struct json_object *arr)
{
	size_t r, c;

	t->cells = calloc(t->rows * t->cols + 1, sizeof(*t->cells));
	t->width = calloc(t->cols + 1, sizeof(*t->width));
	t->numeric = calloc(t->cols + 1, sizeof(*t->numeric));
	if (!t->cells || !t->width || !t->numeric)
		return -ENOMEM;
	for (c = 0; c < t->cols; c++) {
		t->width[c] = (int)strlen(t->keys[c]);
		t->numeric[c] = true;
	}
	for (r = 0; r < t->rows; r++) {
		struct json_object *row = json_object_array_get_idx(arr, r);

		for (c = 0; c < t->cols; c++) {
			struct json_object *v;
			char **cell = &t->cells[r * t->cols + c];

			if (!json_object_object_get_ex(row, t->keys[c], &v))
				continue;
			*cell = value_str(v);
			if (*cell)
				t->width[c] = DB_MAX(t->width[c], (int)strlen(*cell));
			if (!json_object_is_type(v, json_type_int) &&
			    !json_object_is_type(v, json_type_double))
				t->numeric[c] = false;
		}
	}
	return 0;
}

static void print_cell(FILE *out, const struct table *t, size_t c, const char *s)
{
	int gap = c ? COL_GAP : 0;
	bool last = c + 1 == t->cols;

	if (t->numeric[c])
		fprintf(out, "%*s%*s", gap, "", t->width[c], s);
	else if (last)
		fprintf(out, "%*s%s", gap, "", s);
	else
		fprintf(out, "%*s%-*s", gap, "", t->width[c], s);
}

static void print_header(FILE *out, const struct table *t, int indent)
{
	size_t c, i;
	char name[64];

	fprintf(out, "%*s", indent, "");
	for (c = 0; c < t->cols; c++) {
		snprintf(name, sizeof(name), "%s", t->keys[c]);
		for (i = 0; name[i]; i++)
			if (name[i] >= 'a' && name[i] <= 'z')
				name[i] = (char)(name[i] - 'a' + 'A');
		print_cell(out, t, c, name);
	}
	fputc('\n', out);
}

static void print_table(FILE *out, struct json_object *arr, int indent)
{
	struct table t = { .rows = json_object_array_length(arr) };
	size_t r, c;

	if (table_columns(&t, arr) || table_cells(&t, arr))
		goto out;
	print_header(out, &t, indent);
	for (r = 0; r < t.rows; r++) {
		fprintf(out, "%*s", indent, "");
		for (c = 0; c < t.cols; c++) {
			const char *s = t.cells[r * t.cols + c];

			print_cell(out, &t, c, s ? s : "-");
		}
		fputc('\n', out);
	}
out:
	table_free(&t);
}

/* Whether any row of a table has a member that needs a block of its own. */
static bool table_nested(struct json_object *arr)
{
	size_t r, n = json_object_array_length(arr);

	for (r = 0; r < n; r++) {
		struct json_object *row = json_object_array_get_idx(arr, r);

		if (!json_object_is_type(row, json_type_object))
			continue;
		json_object_object_foreach(row, key, val) {
			(void)key;
			if (is_block(val))
				return true;
		}
	}
	return false;
}

static void print_object(FILE *out, struct json_object *o, int indent);

/*
 * Rows that hold objects or tables (a PCI function's BARs and bridges) do
 * not fit a table's cells: each row is printed as an object of its own,
 * after a "-" line, with its blocks nested under it.
 */
static void print_records(FILE *out, struct json_object *arr, int indent)
{
	size_t r, n = json_object_array_length(arr);

	for (r = 0; r < n; r++) {
		struct json_object *row = json_object_array_get_idx(arr, r);
		char *s;

		if (json_object_is_type(row, json_type_object)) {
			fprintf(out, "%*s-\n", indent, "");
			print_object(out, row, indent + INDENT_STEP);
			continue;
		}
		s = value_str(row);
		fprintf(out, "%*s- %s\n", indent, "", s ? s : "");
		free(s);
	}
}

/* The document's identity is not repeated in the human rendering. */
static bool skip_key(const char *key, int indent)
{
	return !indent && (!strcmp(key, "command") || !strcmp(key, "version") ||
			   !strcmp(key, "schema"));
}

static void print_object(FILE *out, struct json_object *o, int indent)
{
	int width = 0;

	json_object_object_foreach(o, k1, v1) {
		if (!skip_key(k1, indent) && !is_block(v1))
			width = DB_MAX(width, (int)strlen(k1));
	}
	json_object_object_foreach(o, key, val) {
		if (skip_key(key, indent))
			continue;
		if (!is_block(val)) {
			print_line(out, indent, width, key, val);
			continue;
		}
		fprintf(out, "%*s%s:\n", indent, "", key);
		if (is_table(val) && table_nested(val))
			print_records(out, val, indent + INDENT_STEP);
		else if (is_table(val))
			print_table(out, val, indent + INDENT_STEP);
		else
			print_object(out, val, indent + INDENT_STEP);
	}
}

void db_report_print(struct json_object *doc, bool json, FILE *out)
{
	if (json || !json_object_is_type(doc, json_type_object)) {
		fprintf(out, "%s\n", json_object_to_json_string_ext(doc,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		return;
	}
	print_object(out, doc, 0);
}

struct json_object *db_report_fs(const struct db_fsinfo *fi)
{
	struct json_object *o = json_object_new_object();
	const char *dev = db_fsinfo_device(fi);
	char why[512];

	db_jadd_str(o, "type", fi->fstype[0] ? fi->fstype : "unknown");
	if (fi->mount[0])
		db_jadd_str(o, "mount", fi->mount);
	if (dev[0])
		db_jadd_str(o, "device", dev);
	if (fi->rt_dev[0]) {
		db_jadd_str(o, "realtime_device", fi->rt_dev);
		db_jadd_bool(o, "realtime", fi->realtime);
	}
	if (db_fsinfo_refusal(fi, why, sizeof(why)))
		db_jadd_str(o, "token_refused", why);
	return o;
}

struct json_object *db_report_mem(const struct dmabuf_mem *m, uint64_t requested)
{
	struct json_object *o = json_object_new_object();
	struct dmabuf_mem_info info = { 0 };
	/* the source's own facts are filled even when the exporter's are not */
	bool described = !dmabuf_mem_describe(m, &info, NULL);

	db_jadd_str(o, "source", info.source);
	db_jadd_u64(o, "size", dmabuf_mem_size(m));
	/* --size 3 gets a page: the report says what was asked */
	if (requested && requested != dmabuf_mem_size(m))
		db_jadd_u64(o, "requested_size", requested);
	db_jadd_bool(o, "dmabuf", dmabuf_mem_fd(m) >= 0);
	if (described && info.is_dmabuf) {
		db_jadd_str(o, "exporter", info.exp_name);
		db_jadd_u64(o, "inode", info.inode);
		if (info.name[0])
			db_jadd_str(o, "name", info.name);
	}
	if (info.driver[0])
		db_jadd_str(o, "driver", info.driver);
	if (info.placement[0])
		db_jadd_str(o, "placement", info.placement);
	return o;
}
