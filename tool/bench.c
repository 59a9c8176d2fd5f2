// SPDX-License-Identifier: MIT
/*
 * Benchmark runs: see tool/bench.h.
 *
 * Each job sets up its own ring in its own thread (SINGLE_ISSUER wants the
 * thread that submits to be the one that created the ring), registers the
 * context's memory there, and waits for the start; the calling thread
 * starts the counters (CPU, device, IOMMU) once every job is ready and
 * releases them all at once, then watches progress until the last is done.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "bench.h"
#include "trace.h"
#include "util.h"

#define PROGRESS_NS	1000000000ull
#define POLL_NS		10000000ull

struct bench_run {
	struct db_ctx *c;
	const struct db_bench_opts *o;
	struct db_bench *b;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready;			/* jobs set up (under lock) */
	unsigned ended;			/* jobs past job_end() (under lock) */
	int go;				/* 1: start, -1: abort (under lock) */
	unsigned done;			/* jobs finished (atomic) */
	/* the counters when the measuring started (first counted request) */
	int marked;			/* atomic: 0, then 1 once taken */
	uint64_t usr0, sys0;
	/* the process's CPU time when the last job ended (by that job) */
	uint64_t usr1, sys1;
	bool dev_ok, trace_ok;
	struct db_devstat dev0;
	long maps0;
};

struct job_arg {
	struct bench_run *run;
	unsigned idx;
};

static void cpu_ns(int who, uint64_t *usr, uint64_t *sys);

/*
 * The ramp is over for a job: its own CPU time starts counting; the first
 * job there also starts the process's, the device's and the IOMMU's.
 */
static void mark_start(void *p)
{
	struct job_arg *a = p;
	struct bench_run *run = a->run;
	struct db_bench_job *j = &run->b->job[a->idx];
	int zero = 0;

	cpu_ns(RUSAGE_THREAD, &j->usr0, &j->sys0);
	j->cpu_t0 = db_now_ns();
	if (!__atomic_compare_exchange_n(&run->marked, &zero, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	cpu_ns(RUSAGE_SELF, &run->usr0, &run->sys0);
	run->dev_ok = !db_target_devstat(&run->c->t, &run->dev0);
	run->maps0 = run->trace_ok ? db_trace_iommu_read() : -1;
}

static uint64_t tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000ull;
}

static void cpu_ns(int who, uint64_t *usr, uint64_t *sys)
{
	struct rusage ru;

	if (getrusage(who, &ru)) {
		*usr = *sys = 0;
		return;
	}
	*usr = tv_ns(&ru.ru_utime);
	*sys = tv_ns(&ru.ru_stime);
}

/* The job's ring with the memory registered in slot 0. */
static int job_setup(struct bench_run *run, struct db_bench_job *j)
{
	const struct db_bench_opts *o = run->o;
	struct db_ctx *c = run->c;
	struct db_ring_opts ro = {
		.big = c->engine == DB_ENGINE_PASSTHRU,
		.iopoll = o->iopoll,
		.sqpoll = o->sqpoll,
		.single_issuer = o->single_issuer,
		.reg_ring_fd = o->reg_ring_fd,
		.fixed_file = o->fixed_file ? c->t.fd : -1,
	};
	int ret;

	ret = db_ring_init_opts(&j->r, DB_MAX(c->qd, 8u), 1, &ro, &j->e);
	if (ret)
		return ret;
	j->setup_flags = j->r.setup_flags;
	j->reg_ring_fd = j->r.reg_ring_fd;
	/*
	 * Every job registers the one memory in its own ring, from its own
	 * thread (a single-issuer ring takes registrations only from its
	 * submitter): one at a time, as the library's objects require.
	 */
	pthread_mutex_lock(&run->lock);
	ret = db_ctx_register_ring(c, &j->r, &j->e);
	pthread_mutex_unlock(&run->lock);
	return ret;
}

/*
 * The job's CPU time and window end when its transfer does (its requests
 * drained), before the ring's teardown; the last job to end takes the process's CPU time, so
 * the run's window is the jobs' and not the watcher's next poll.
 */
static void job_end(struct db_bench_job *j)
{
	uint64_t u1, s1;

	cpu_ns(RUSAGE_THREAD, &u1, &s1);
	j->cpu_t1 = db_now_ns();
	if (j->wl.dir[0].ios + j->wl.dir[1].ios) {
		j->cpu_ns = j->cpu_t1 - j->cpu_t0;
		j->usr_ns = u1 - j->usr0;
		j->sys_ns = s1 - j->sys0;
	}
}

static void *job_main(void *p)
{
	struct job_arg *a = p;
	struct bench_run *run = a->run;
	struct db_bench_job *j = &run->b->job[a->idx];
	int go;

	j->ret = job_setup(run, j);
	pthread_mutex_lock(&run->lock);
	run->ready++;
	pthread_cond_broadcast(&run->cond);
	while (!run->go)
		pthread_cond_wait(&run->cond, &run->lock);
	go = run->go;
	pthread_mutex_unlock(&run->lock);
	if (!j->ret && go > 0) {
		j->wl.on_count = mark_start;
		j->wl.on_count_arg = a;
		j->ret = db_xfer_run(&j->x, &j->e);
		job_end(j);
	}
	/* the last one out: every job's window is closed */
	pthread_mutex_lock(&run->lock);
	if (++run->ended == run->b->nr_jobs)
		cpu_ns(RUSAGE_SELF, &run->usr1, &run->sys1);
	pthread_mutex_unlock(&run->lock);
	__atomic_add_fetch(&run->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Job @idx's transfer: its part of the memory, its seed, its log. */
static int job_init(struct bench_run *run, unsigned idx, struct dmabuf_err *e)
{
	const struct db_bench_opts *o = run->o;
	struct db_bench_job *j = &run->b->job[idx];
	struct db_ctx *c = run->c;

	j->wl = o->wl;
	j->wl.seed = o->wl.seed + idx;
	j->wl.iolog = NULL;
	if (o->iolog) {
		char path[4096];

		if (o->jobs > 1)
			snprintf(path, sizeof(path), "%s.%u", o->iolog, idx);
		else
			snprintf(path, sizeof(path), "%s", o->iolog);
		j->wl.iolog = fopen(path, "we");
		if (!j->wl.iolog)
			return db_err_set(e, DMABUF_E_USAGE, -errno, "open", "%s", path);
	}
	j->x = (struct db_xfer){
		.t = &c->t, .r = &j->r, .engine = c->engine, .write = false,
		.lba = o->lba, .nblocks = o->nblocks, .buf = c->buf,
		.buf_off = (uint64_t)idx * c->qd * o->req_bytes,
		.req_bytes = o->req_bytes, .qd = c->qd, .retry = c->retry, .wl = &j->wl,
	};
	/* slot 0 of the job's own ring; the bounce copies, per request, touch only the job's part */
	j->x.buf.slot = 0;
	return 0;
}

static uint64_t progress_ios(const struct db_bench *b)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < b->nr_jobs; i++)
		n += __atomic_load_n(&b->job[i].wl.progress, __ATOMIC_RELAXED);
	return n;
}

/* Until every job is done: sleep, and tell the caller how far they are. */
static void watch(struct bench_run *run, uint64_t t0)
{
	const struct db_bench_opts *o = run->o;
	uint64_t next = t0 + PROGRESS_NS;
	struct timespec ts = { 0, POLL_NS };

	while (__atomic_load_n(&run->done, __ATOMIC_ACQUIRE) < run->b->nr_jobs) {
		uint64_t now;

		nanosleep(&ts, NULL);
		now = db_now_ns();
		if (o->progress && now >= next) {
			o->progress(o->progress_arg, now - t0, progress_ios(run->b));
			next += PROGRESS_NS;
		}
	}
}

/*
 * The run's window: from the first job's start to the last job's end (the
 * jobs start together, so this is the union of their windows).
 */
static void run_window(struct db_bench *b)
{
	uint64_t t0 = UINT64_MAX, t1 = 0;

	for (unsigned i = 0; i < b->nr_jobs; i++) {
		const struct db_bench_job *j = &b->job[i];

		if (!j->cpu_ns)
			continue;
		t0 = DB_MIN(t0, j->cpu_t0);
		t1 = DB_MAX(t1, j->cpu_t1);
	}
	b->cpu_t0 = t0 < t1 ? t0 : 0;
	b->cpu_ns = t0 < t1 ? t1 - t0 : 0;
}

/* The counters from mark_start() to the last job's end (nothing counted: none). */
static void counters_end(struct bench_run *run)
{
	struct db_bench *b = run->b;
	struct db_devstat dev1;
	long n = run->trace_ok ? db_trace_iommu_end() : -1;

	if (!__atomic_load_n(&run->marked, __ATOMIC_ACQUIRE))
		return;
	run_window(b);
	b->usr_ns = run->usr1 - run->usr0;
	b->sys_ns = run->sys1 - run->sys0;
	if (n >= 0 && run->maps0 >= 0)
		b->iommu_maps = n - run->maps0;
	b->dev_valid = run->dev_ok && !db_target_devstat(&run->c->t, &dev1);
	if (b->dev_valid)
		db_devstat_sub(&dev1, &run->dev0, &b->dev);
}

static void sum_jobs(struct db_bench *b)
{
	for (unsigned i = 0; i < b->nr_jobs; i++) {
		struct db_bench_job *j = &b->job[i];

		for (unsigned d = 0; d < 2; d++) {
			uint64_t ns = DB_MAX(b->dir[d].ns, j->wl.dir[d].ns);

			db_io_stats_add(&b->dir[d], &j->wl.dir[d]);
			/* jobs run side by side: the run lasts as long as the longest */
			b->dir[d].ns = ns;
		}
		b->dir[0].retries += j->x.stats.retries;
		b->dir[0].errors += j->x.stats.errors;
	}
}

int db_bench_run(struct db_ctx *c, const struct db_bench_opts *o, struct db_bench *b,
		 struct dmabuf_err *e)
{
	struct bench_run run = { .c = c, .o = o, .b = b };
	struct job_arg args[DB_BENCH_MAX_JOBS];
	pthread_t th[DB_BENCH_MAX_JOBS];
	uint64_t t0 = 0;
	unsigned i, started = 0;
	int ret = 0;

	memset(b, 0, sizeof(*b));
	b->iommu_maps = -1;
	if (!o->jobs || o->jobs > DB_BENCH_MAX_JOBS)
		return db_err_set(e, DMABUF_E_USAGE, -EINVAL, "bench", "%u jobs", o->jobs);
	b->job = calloc(o->jobs, sizeof(*b->job));
	if (!b->job)
		return db_err_set(e, DMABUF_E_IO, -ENOMEM, "calloc", "%u jobs", o->jobs);
	b->nr_jobs = o->jobs;
	for (i = 0; i < o->jobs && !ret; i++)
		ret = job_init(&run, i, e);
	if (ret)
		return ret;
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.cond, NULL);
	for (i = 0; i < o->jobs; i++) {
		args[i] = (struct job_arg){ &run, i };
		ret = -pthread_create(&th[i], NULL, job_main, &args[i]);
		if (ret)
			break;
		started++;
	}
	if (ret)
		db_err_set(e, DMABUF_E_IO, ret, "pthread_create", "bench job %u", started);
	/* Every job set up (or failed to): start the counters, then the jobs. */
	pthread_mutex_lock(&run.lock);
	while (run.ready < started)
		pthread_cond_wait(&run.cond, &run.lock);
	if (!ret) {
		run.trace_ok = !db_trace_iommu_begin();
		t0 = db_now_ns();
	}
	run.go = ret ? -1 : 1;
	pthread_cond_broadcast(&run.cond);
	pthread_mutex_unlock(&run.lock);
	if (!ret)
		watch(&run, t0);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_cond_destroy(&run.cond);
	pthread_mutex_destroy(&run.lock);
	if (ret) {
		if (run.trace_ok)
			db_trace_iommu_end();
		return ret;
	}
	counters_end(&run);
	sum_jobs(b);
	for (i = 0; i < o->jobs; i++) {
		struct db_bench_job *j = &b->job[i];

		if (!b->req_bytes && j->x.wl)
			b->req_bytes = j->wl.req_bytes;
		if (j->ret && !ret) {
			ret = j->ret;
			*e = j->e;
		}
	}
	return ret;
}

void db_bench_free(struct db_bench *b)
{
	for (unsigned i = 0; b->job && i < b->nr_jobs; i++) {
		struct db_bench_job *j = &b->job[i];

		db_ring_exit(&j->r);
		if (j->wl.iolog)
			fclose(j->wl.iolog);
	}
	free(b->job);
	b->job = NULL;
	b->nr_jobs = 0;
}
