/*
 * replay-open.c - open-loop and offline replay of one repetition.
 *
 * Open mode replays a trace as it was recorded: an issuer thread releases
 * each request at its intended time (trace arrival / speed), sleeping to an
 * absolute deadline and spinning the last microseconds, and never waits on
 * completions. The server (the calling thread) runs one batch at a time,
 * FIFO by the oldest arrived request whose stream is free (requests of one
 * stream run in order). A batch is dispatched when it is full, or when its
 * oldest request has waited max_queue_delay, or when no more requests can
 * join it. Each request gets three times, from which coordinated omission
 * cannot hide queueing:
 *   response = done - intended arrival
 *   service  = done - dispatch
 *   queue    = dispatch - intended arrival
 * Offline mode issues everything at t = 0 and reports throughput only.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gbench.h"
#include "hist.h"
#include "replay-impl.h"

/* An issue later than this after its intended time counts as late. */
#define LATE_NS 100000ull
/* Sleep until this close to a deadline, then spin. */
#define SPIN_NS 50000ull
/* Time from the start of a repetition to its first intended arrival. */
#define START_LEAD_NS 2000000ull

struct issuer {
	const struct gb_workload *w;
	uint64_t t0;
	double speed;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint32_t issued;          /* requests 0..issued-1 have arrived (under mu) */
	uint32_t n;               /* requests to issue: the cell's window of the trace */
	uint64_t late;
	volatile int stop;
};

static uint64_t intended(const struct issuer *is, uint32_t r)
{
	return is->t0 + (uint64_t)((double)is->w->trace.req[r].arrival_ns / is->speed);
}

static void sleep_until(uint64_t deadline)
{
	uint64_t now = gb_now_ns();

	if (deadline > now + SPIN_NS) {
		struct timespec ts;
		uint64_t wake = deadline - SPIN_NS;

		ts.tv_sec = (time_t)(wake / 1000000000ull);
		ts.tv_nsec = (long)(wake % 1000000000ull);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	while (gb_now_ns() < deadline)
		;
}

static void *issue(void *arg)
{
	struct issuer *is = arg;
	uint32_t n = is->n;

	for (uint32_t r = 0; r < n && !is->stop;) {
		uint64_t due = intended(is, r), now;
		uint32_t next = r + 1;

		sleep_until(due);
		/* Every request due by now arrives together. */
		now = gb_now_ns();
		while (next < n && intended(is, next) <= now)
			next++;
		for (uint32_t q = r; q < next; q++)
			if (now > intended(is, q) + LATE_NS)
				is->late++;
		pthread_mutex_lock(&is->mu);
		is->issued = next;
		pthread_cond_signal(&is->cv);
		pthread_mutex_unlock(&is->mu);
		r = next;
	}
	return NULL;
}

/* Wait until more requests have arrived than `have`, or until deadline (0: none). */
static uint32_t wait_arrivals(struct issuer *is, uint32_t have, uint64_t deadline)
{
	uint32_t issued;

	pthread_mutex_lock(&is->mu);
	while (is->issued == have && !gb_interrupted) {
		if (deadline) {
			struct timespec ts;

			if (gb_now_ns() >= deadline)
				break;
			/* the condvar waits on CLOCK_MONOTONIC, gb_now_ns's clock (issuer_init) */
			ts.tv_sec = (time_t)(deadline / 1000000000ull);
			ts.tv_nsec = (long)(deadline % 1000000000ull);
			pthread_cond_timedwait(&is->cv, &is->mu, &ts);
		} else {
			struct timespec ts;

			/* wake now and then to notice an interrupt */
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&is->cv, &is->mu, &ts);
		}
	}
	issued = is->issued;
	pthread_mutex_unlock(&is->mu);
	return issued;
}

static int issuer_init(struct issuer *is, const struct gb_workload *w, double speed)
{
	pthread_condattr_t ca;

	memset(is, 0, sizeof(*is));
	is->w = w;
	is->speed = speed;
	if (pthread_mutex_init(&is->mu, NULL))
		return -1;
	if (pthread_condattr_init(&ca) || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
	    pthread_cond_init(&is->cv, &ca)) {
		pthread_mutex_destroy(&is->mu);
		return -1;
	}
	pthread_condattr_destroy(&ca);
	return 0;
}

struct open_hists {
	struct gb_hist response, service, queue;
	int ready;
};

static struct open_hists hists;

static int hists_ready(void)
{
	if (hists.ready)
		return 0;
	if (gb_hist_init(&hists.response) || gb_hist_init(&hists.service) ||
	    gb_hist_init(&hists.queue))
		return -1;
	hists.ready = 1;
	return 0;
}

void gb_replay__open_release(void)
{
	if (!hists.ready)
		return;
	gb_hist_release(&hists.response);
	gb_hist_release(&hists.service);
	gb_hist_release(&hists.queue);
	hists.ready = 0;
}

static void record(struct rep_result *res, struct gb_hist *lat, uint64_t intended_ns,
		   uint64_t dispatch, uint64_t done)
{
	uint64_t q = dispatch > intended_ns ? dispatch - intended_ns : 0;

	gb_hist_record(res->response, done - intended_ns);
	gb_hist_record(res->service, done - dispatch);
	gb_hist_record(res->queue, q);
	gb_hist_record(lat, done - intended_ns);
}

/*
 * The issuer thread, off the server's core: a thread inherits its
 * creator's affinity, and an executor's turn may hold the server (this
 * thread) on one core (placement = pinned); the issuer, which spins before
 * each arrival, would then take turns with the server on that core.
 */
static int start_issuer(pthread_t *th, struct issuer *is)
{
	pthread_attr_t attr;
	cpu_set_t mine, others;
	int n = gb_ncpus(), err, here = -1;

	if (sched_getaffinity(0, sizeof(mine), &mine) < 0 || CPU_COUNT(&mine) != 1 || n < 2)
		return pthread_create(th, NULL, issue, is);
	CPU_ZERO(&others);
	for (int c = 0; c < n && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mine))
			here = c;
		else
			CPU_SET(c, &others);
	if (here < 0 || (err = pthread_attr_init(&attr)))
		return pthread_create(th, NULL, issue, is);
	err = pthread_attr_setaffinity_np(&attr, sizeof(others), &others);
	if (!err)
		err = pthread_create(th, &attr, issue, is);
	pthread_attr_destroy(&attr);
	return err ? pthread_create(th, NULL, issue, is) : 0;
}

int gb_replay__open(struct cell *c, struct rep_result *res)
{
	struct gb_workload *w = c->w;
	struct gb_hist *lat = gb_replay__rep_hist();
	uint32_t n = gb_replay__window(c), served = 0, arrived;
	int offline = c->spec.mode == GB_MODE_OFFLINE;
	struct issuer is;
	pthread_t th;
	int rc = GB_REPLAY_OK;
	uint64_t slo_misses = 0, slo_budget;

	if (hists_ready() < 0 || issuer_init(&is, w, c->spec.speed > 0 ? c->spec.speed : 1.0))
		return GB_REPLAY_FAILED;
	is.n = n;
	gb_replay__begin(c, res);
	gb_hist_reset(&hists.response);
	gb_hist_reset(&hists.service);
	gb_hist_reset(&hists.queue);
	res->response = &hists.response;
	res->service = &hists.service;
	res->queue = &hists.queue;
	/* p99 over the SLO is certain once more than 1% of all requests missed it */
	slo_budget = n / 100;

	/*
	 * The first arrival is a little ahead, so the issuer thread is surely
	 * running by then: its start-up is the harness's delay, not the system's.
	 */
	is.t0 = gb_now_ns() + (offline ? 0 : START_LEAD_NS);
	if (offline) {
		is.issued = n;
	} else if (start_issuer(&th, &is)) {
		pthread_cond_destroy(&is.cv);
		pthread_mutex_destroy(&is.mu);
		return GB_REPLAY_FAILED;
	}
	arrived = offline ? n : wait_arrivals(&is, 0, 0);
	while (served < n) {
		uint32_t nm, r;
		uint64_t t0, t1, waited, due;

		if (gb_interrupted) {
			rc = GB_REPLAY_INTERRUPTED;
			break;
		}
		if (!offline) {
			pthread_mutex_lock(&is.mu);
			arrived = is.issued;
			pthread_mutex_unlock(&is.mu);
		}
		if (!gb_replay__heads(c, arrived)) {
			arrived = wait_arrivals(&is, arrived, 0);
			continue;
		}
		r = w->stream_req[c->order[0]][c->heads[c->order[0]]];
		t0 = gb_now_ns();
		if (gb_replay__hit(c, r, res)) {
			t1 = gb_now_ns();
			record(res, lat, offline ? is.t0 : intended(&is, r), t0, t1);
			served++;
			continue;
		}
		nm = gb_replay__batch(c, gb_replay__cache(c), arrived);
		/* Let a partial batch fill while its oldest request may still wait. */
		due = intended(&is, r) + c->spec.max_queue_delay_ns;
		waited = gb_now_ns();
		if (!offline && nm < c->spec.batch && arrived < n && waited < due &&
		    c->spec.max_queue_delay_ns) {
			arrived = wait_arrivals(&is, arrived, due);
			continue;
		}
		rc = gb_replay__run(c, nm, res, &t0, &t1);
		if (rc)
			break;
		for (uint32_t i = 0; i < nm; i++) {
			uint64_t in = offline ? is.t0 : intended(&is, c->members[i]);

			record(res, lat, in, t0, t1);
			if (c->spec.slo_ns && t1 - in > c->spec.slo_ns)
				slo_misses++;
		}
		served += nm;
		if (c->spec.slo_ns && slo_misses > slo_budget) {
			res->aborted = 1;
			break;
		}
	}
	res->wall_ns = gb_now_ns() - is.t0;
	is.stop = 1;
	if (!offline)
		pthread_join(th, NULL);
	res->late_issues = is.late;
	pthread_cond_destroy(&is.cv);
	pthread_mutex_destroy(&is.mu);
	return rc;
}
