// SPDX-License-Identifier: MIT
/*
 * The live progress line, one for every command (see cmd/builtin.h): bench
 * draws it from its jobs' counts, the data commands from the engine's
 * callback (struct db_xfer.progress), which comes from the I/O loop at most
 * once an interval.  The library prints nothing; this file draws.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../builtin.h"
#include "util.h"

#define DEFAULT_INTERVAL_NS 1000000000ull
#define MAX_TRACKED 2	/* the context, and verify's host memory */

static bool shown;	/* a line is on the terminal */

bool progress_wanted(void)
{
	return !g.json && isatty(STDERR_FILENO);
}

uint64_t progress_interval_ns(void)
{
	const char *s = getenv("DMABUF_PROGRESS_MS");
	uint64_t ms;

	if (!s || db_parse_u64(s, &ms) || ms > UINT64_MAX / 1000000)
		return DEFAULT_INTERVAL_NS;
	return ms * 1000000;
}

static void add(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n = DB_MIN(*n + (size_t)r, len - 1);
}

/* The terminal's width, so that a line never wraps (\r goes back one row only). */
static size_t columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col)
		return 0;
	return ws.ws_col;
}

void progress_draw(const char *cmd, const struct progress_figs *f)
{
	char line[256], a[32], b[32];
	size_t n = 0, cols = columns();

	add(line, sizeof(line), &n, "%s: ", cmd);
	if (f->stage && *f->stage)
		add(line, sizeof(line), &n, "%s, ", f->stage);
	add(line, sizeof(line), &n, "%.0f s elapsed, ", f->elapsed_s);
	if (f->iops) {
		add(line, sizeof(line), &n, "%.0f IOPS so far", f->rate);
	} else {
		add(line, sizeof(line), &n, "%s", db_fmt_size(f->done, a, sizeof(a)));
		/* floor: 100 % is all of it */
		if (f->total)
			add(line, sizeof(line), &n, " of %s (%u %%)", db_fmt_size(f->total, b, sizeof(b)),
			    (unsigned)((double)DB_MIN(f->done, f->total) * 100 / (double)f->total));
		add(line, sizeof(line), &n, f->rate < 10e6 ? ", %.1f MB/s" : ", %.0f MB/s",
		    f->rate / 1e6);
	}
	if (f->eta_s >= 0)
		add(line, sizeof(line), &n, ", ETA %.0f s", f->eta_s);
	if (cols && n >= cols)
		line[cols - 1] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	shown = true;
}

void progress_clear(void)
{
	if (!shown)
		return;
	fputs("\r\033[K", stderr);
	shown = false;
}

/* --- the data commands --------------------------------------------------------- */

static struct {
	bool on;
	const struct io_cmd *cmd;
	void *args;
	const struct db_ctx *c;
	const struct io_range *rg;
	struct db_ctx *ctx[MAX_TRACKED];
	uint64_t base[MAX_TRACKED];	/* their byte counts when tracking began */
	unsigned n;
	uint64_t t0, every;
} tr;

/* The engine's callback: one of the tracked contexts completed a batch, and it is time. */
static void tick(void *arg, uint64_t bytes)
{
	struct io_progress p = { .eta_s = -1 };
	struct progress_figs f;
	uint64_t now = db_now_ns();

	(void)arg;
	(void)bytes;	/* one context's: the line counts them all */
	for (unsigned i = 0; i < tr.n; i++)
		p.done += tr.ctx[i]->xfer.stats.bytes - tr.base[i];
	p.elapsed_s = (double)(now - tr.t0) / 1e9;
	p.total = tr.rg->nblocks * tr.c->t.lba_size;
	if (tr.cmd->progress)
		tr.cmd->progress(tr.args, tr.c, tr.rg, &p);
	f = (struct progress_figs){
		.stage = p.stage,
		.elapsed_s = p.elapsed_s,
		.done = p.total ? DB_MIN(p.done, p.total) : p.done,
		.total = p.total,
		.rate = p.elapsed_s > 0 ? (double)p.done / p.elapsed_s : 0,
		.eta_s = p.eta_s,
	};
	if (f.eta_s < 0 && f.total && f.rate > 0)
		f.eta_s = (double)(f.total - f.done) / f.rate;
	progress_draw(tr.cmd->name, &f);
	/* one line an interval, whichever context calls */
	for (unsigned i = 0; i < tr.n; i++)
		tr.ctx[i]->xfer.progress_at = now + tr.every;
}

void io_progress_track(struct db_ctx *c)
{
	struct db_xfer *x = &c->xfer;

	if (!tr.on || tr.n == MAX_TRACKED)
		return;
	tr.ctx[tr.n] = c;
	tr.base[tr.n++] = x->stats.bytes;
	x->progress = tick;
	x->progress_arg = NULL;
	x->progress_ns = tr.every;
	x->progress_at = tr.n > 1 ? tr.ctx[0]->xfer.progress_at : tr.t0 + tr.every;
}

void io_progress_begin(const struct io_cmd *cmd, void *args, struct db_ctx *c,
		       const struct io_range *rg)
{
	memset(&tr, 0, sizeof(tr));
	if (!progress_wanted())
		return;
	tr.on = true;
	tr.cmd = cmd;
	tr.args = args;
	tr.c = c;
	tr.rg = rg;
	tr.every = progress_interval_ns();
	tr.t0 = db_now_ns();
	io_progress_track(c);
}

void io_progress_end(void)
{
	for (unsigned i = 0; i < tr.n; i++)
		tr.ctx[i]->xfer.progress = NULL;
	memset(&tr, 0, sizeof(tr));
	progress_clear();
}

void io_progress_passes(struct io_progress *p, const char *word, unsigned n, uint64_t per)
{
	/* the pass a byte count ends in: a pass's last batch is still that pass */
	uint64_t pass = per && p->done ? (p->done - 1) / per + 1 : 1;

	p->total = (uint64_t)n * per;
	if (n > 1)
		snprintf(p->stage, sizeof(p->stage), "%s %llu of %u", word,
			 (unsigned long long)DB_MIN(pass, n), n);
}
