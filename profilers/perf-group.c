/*
 * perf-group.c - perf_event_open groups over every thread of the process.
 *
 * A counter opened with pid 0 counts the calling thread only, and inherit
 * reaches only threads created after the open; the CPU executor's worker
 * pool exists before the counters are opened, so every thread listed in
 * /proc/self/task gets its own groups (with inherit, for threads yet to
 * come). A group is read at once with TOTAL_TIME_ENABLED/RUNNING; start
 * and stop read a baseline and an end, so that the window's time enabled
 * and running (which RESET does not clear) scale the window's counts.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "gbench.h"
#include "perf-group.h"

#define GB_PERF_MAX_GROUP 16
#define GB_PERF_MAX_EVENTS 32

struct rgroup {
	size_t nev;
	size_t ev[GB_PERF_MAX_GROUP];      /* event indices, leader first */
};

/* One group on one thread: its fds and the readings around a window. */
struct tgroup {
	int fd[GB_PERF_MAX_GROUP];
	uint64_t base[GB_PERF_MAX_GROUP + 3], end[GB_PERF_MAX_GROUP + 3];
};

struct gb_perf_set {
	size_t n;                  /* events asked for */
	int *opened;               /* per event */
	struct rgroup *g;
	size_t ng;
	struct tgroup *tg;         /* [thread * ng + group] */
	size_t nthreads;
	int user_only;
};

static long perf_open(const struct gb_perf_ev *e, pid_t tid, int group_fd, int user_only,
		      int leader)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = e->type;
	a.config = e->config;
	a.config1 = e->config1;
	a.config2 = e->config2;
	a.disabled = leader;
	a.inherit = 1;
	a.exclude_kernel = user_only ? 1 : 0;
	a.exclude_hv = 1;
	a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
			PERF_FORMAT_TOTAL_TIME_RUNNING;
	return syscall(SYS_perf_event_open, &a, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

int gb_perf_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v;

	if (!f)
		return -100;
	if (fscanf(f, "%d", &v) != 1)
		v = -100;
	fclose(f);
	return v;
}

int gb_perf_has_cpu_pmu(void)
{
	DIR *d = opendir("/sys/bus/event_source/devices");
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = !strcmp(de->d_name, "cpu") || !strncmp(de->d_name, "cpu_", 4) ||
			!strncmp(de->d_name, "armv", 4) || !strncmp(de->d_name, "arm_", 4);
	closedir(d);
	return found;
}

static int under_hypervisor(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int yes = 0;

	if (!f)
		return 0;
	while (!yes && fgets(line, sizeof(line), f))
		yes = !strncmp(line, "flags", 5) && strstr(line, " hypervisor") != NULL;
	fclose(f);
	return yes;
}

void gb_perf_why(int err, int hardware, char *buf, size_t len)
{
	int par = gb_perf_paranoid();
	char ptxt[48];

	if (par == -100)
		snprintf(ptxt, sizeof(ptxt), "perf_event_paranoid unreadable");
	else
		snprintf(ptxt, sizeof(ptxt), "perf_event_paranoid %d", par);
	if (hardware && (err == ENOENT || err == ENODEV || err == EOPNOTSUPP) &&
	    !gb_perf_has_cpu_pmu()) {
		snprintf(buf, len, "perf_event_open: %s: %s (no cpu PMU in "
			 "/sys/bus/event_source/devices; %s)", strerror(err),
			 under_hypervisor() ? "no PMU: running under a hypervisor that exposes none"
					    : "no PMU driver for this CPU", ptxt);
	} else if (err == EACCES || err == EPERM) {
		snprintf(buf, len, "perf_event_open: %s: %s%s", strerror(err), ptxt,
			 par >= 3 ? " forbids every perf event to unprivileged users"
				  : " and no CAP_PERFMON");
	} else if (err == ENOSYS) {
		snprintf(buf, len, "perf_event_open: %s: the kernel has no perf events "
			 "(or a seccomp filter hides them)", strerror(err));
	} else if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV) {
		snprintf(buf, len, "perf_event_open: %s: this PMU does not support the event (%s)",
			 strerror(err), ptxt);
	} else {
		snprintf(buf, len, "perf_event_open: %s (%s)", strerror(err), ptxt);
	}
}

/* The thread ids of the process now; caller frees. */
static pid_t *list_threads(size_t *n)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	pid_t *t = NULL, self = (pid_t)syscall(SYS_gettid);
	size_t cnt = 0;

	/* The calling thread first: its open decides what works. */
	t = gb_xmalloc(sizeof(*t));
	t[cnt++] = self;
	while (d && (de = readdir(d)) != NULL) {
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (*end || v <= 0 || (pid_t)v == self)
			continue;
		t = gb_xrealloc(t, (cnt + 1) * sizeof(*t));
		t[cnt++] = (pid_t)v;
	}
	if (d)
		closedir(d);
	*n = cnt;
	return t;
}

static void close_tgroup(struct tgroup *tg, size_t nev)
{
	for (size_t i = 0; i < nev; i++)
		if (tg->fd[i] >= 0) {
			close(tg->fd[i]);
			tg->fd[i] = -1;
		}
}

/* Open group g on thread tid: 0, or the errno of the first open that failed. */
static int open_tgroup(const struct gb_perf_set *s, const struct gb_perf_ev *ev,
		       const struct rgroup *g, pid_t tid, struct tgroup *tg)
{
	for (size_t i = 0; i < GB_PERF_MAX_GROUP; i++)
		tg->fd[i] = -1;
	for (size_t i = 0; i < g->nev; i++) {
		long fd = perf_open(&ev[g->ev[i]], tid, i ? tg->fd[0] : -1, s->user_only, i == 0);

		if (fd < 0) {
			int e = errno;

			close_tgroup(tg, g->nev);
			return e;
		}
		tg->fd[i] = (int)fd;
	}
	return 0;
}

int gb_perf_set_open(struct gb_perf_set **out, const struct gb_perf_ev *ev, size_t n,
		     int *err, int *user_only)
{
	struct gb_perf_set *s = gb_xcalloc(1, sizeof(*s));
	pid_t *tids;
	size_t nt, ok = 0;

	*out = NULL;
	if (n > GB_PERF_MAX_EVENTS) {
		free(s);
		return -1;
	}
	s->n = n;
	s->opened = gb_xcalloc(n ? n : 1, sizeof(int));
	/* Each event alone on this thread: which ones the kernel gives. */
	for (size_t i = 0; i < n; i++) {
		long fd = perf_open(&ev[i], 0, -1, s->user_only, 1);

		if (fd < 0 && (errno == EACCES || errno == EPERM) && !s->user_only) {
			s->user_only = 1;
			fd = perf_open(&ev[i], 0, -1, 1, 1);
		}
		err[i] = fd < 0 ? errno : 0;
		if (fd >= 0) {
			close((int)fd);
			s->opened[i] = 1;
			ok++;
		}
	}
	*user_only = s->user_only;
	if (!ok) {
		free(s->opened);
		free(s);
		return -1;
	}
	/* Groups by group number, in the order of first appearance. */
	s->g = gb_xcalloc(n, sizeof(*s->g));
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!s->opened[i])
			continue;
		for (j = 0; j < s->ng; j++)
			if (ev[s->g[j].ev[0]].group == ev[i].group &&
			    s->g[j].nev < GB_PERF_MAX_GROUP)
				break;
		if (j == s->ng)
			s->ng++;
		s->g[j].ev[s->g[j].nev++] = i;
	}
	tids = list_threads(&nt);
	s->tg = gb_xcalloc(nt * (n ? n : 1), sizeof(*s->tg));
	/* The calling thread decides the grouping: a refused group is split. */
	for (size_t j = 0; j < s->ng; j++) {
		struct tgroup tg;

		if (s->g[j].nev < 2 || open_tgroup(s, ev, &s->g[j], tids[0], &tg) == 0) {
			if (s->g[j].nev >= 2)
				close_tgroup(&tg, s->g[j].nev);
			continue;
		}
		for (size_t k = 1; k < s->g[j].nev; k++) {
			s->g[s->ng].nev = 1;
			s->g[s->ng].ev[0] = s->g[j].ev[k];
			s->ng++;
		}
		s->g[j].nev = 1;
	}
	for (size_t t = 0; t < nt; t++) {
		struct tgroup *row = &s->tg[s->nthreads * s->ng];
		int failed = 0;

		for (size_t j = 0; j < s->ng && !failed; j++) {
			int e = open_tgroup(s, ev, &s->g[j], tids[t], &row[j]);

			/* A thread may exit meanwhile (ESRCH): it is simply not counted. */
			if (e) {
				failed = 1;
				for (size_t k = 0; k < j; k++)
					close_tgroup(&row[k], s->g[k].nev);
				if (t == 0) {
					for (size_t k = 0; k < s->g[j].nev; k++) {
						err[s->g[j].ev[k]] = e;
						s->opened[s->g[j].ev[k]] = 0;
					}
				}
			}
		}
		if (!failed)
			s->nthreads++;
		else if (t == 0)
			break;
	}
	free(tids);
	if (!s->nthreads) {
		gb_perf_set_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* Read every group of every thread into base (0) or end (1). */
static int read_all(struct gb_perf_set *s, int which)
{
	for (size_t t = 0; t < s->nthreads; t++)
		for (size_t j = 0; j < s->ng; j++) {
			struct tgroup *tg = &s->tg[t * s->ng + j];
			uint64_t *buf = which ? tg->end : tg->base;
			size_t want = (3 + s->g[j].nev) * sizeof(uint64_t);
			ssize_t got = read(tg->fd[0], buf, want);

			if (got != (ssize_t)want)
				return -1;
		}
	return 0;
}

static int ioctl_all(struct gb_perf_set *s, unsigned long req)
{
	int rc = 0;

	for (size_t t = 0; t < s->nthreads; t++)
		for (size_t j = 0; j < s->ng; j++)
			if (ioctl(s->tg[t * s->ng + j].fd[0], req, PERF_IOC_FLAG_GROUP) < 0)
				rc = -1;
	return rc;
}

int gb_perf_set_start(struct gb_perf_set *s)
{
	if (read_all(s, 0) < 0)
		return -1;
	return ioctl_all(s, PERF_EVENT_IOC_ENABLE);
}

int gb_perf_set_stop(struct gb_perf_set *s)
{
	int rc = ioctl_all(s, PERF_EVENT_IOC_DISABLE);

	if (read_all(s, 1) < 0)
		rc = -1;
	return rc;
}

void gb_perf_set_values(const struct gb_perf_set *s, double *val, double *share)
{
	double en[GB_PERF_MAX_EVENTS] = { 0 }, run[GB_PERF_MAX_EVENTS] = { 0 };
	int unknown[GB_PERF_MAX_EVENTS] = { 0 };

	for (size_t i = 0; i < s->n; i++)
		val[i] = 0;
	for (size_t t = 0; t < s->nthreads; t++)
		for (size_t j = 0; j < s->ng; j++) {
			const struct tgroup *tg = &s->tg[t * s->ng + j];
			/* layout: nr, time_enabled, time_running, value[nr] */
			double de = (double)(tg->end[1] - tg->base[1]);
			double dr = (double)(tg->end[2] - tg->base[2]);

			for (size_t k = 0; k < s->g[j].nev; k++) {
				size_t i = s->g[j].ev[k];
				double dv = (double)(tg->end[3 + k] - tg->base[3 + k]);

				if (de <= 0)
					continue;     /* the thread never ran in the window */
				if (dr <= 0) {
					unknown[i] = 1;
					continue;
				}
				val[i] += dv * de / dr;
				en[i] += de;
				run[i] += dr;
			}
		}
	for (size_t i = 0; i < s->n; i++) {
		share[i] = en[i] > 0 ? run[i] / en[i] : 1.0;
		if (!s->opened[i] || unknown[i])
			val[i] = NAN;
		if (!s->opened[i])
			share[i] = NAN;
		else if (unknown[i])
			share[i] = 0;
	}
}

size_t gb_perf_set_threads(const struct gb_perf_set *s)
{
	return s->nthreads;
}

void gb_perf_set_close(struct gb_perf_set *s)
{
	if (!s)
		return;
	for (size_t t = 0; t < s->nthreads; t++)
		for (size_t j = 0; j < s->ng; j++)
			close_tgroup(&s->tg[t * s->ng + j], s->g[j].nev);
	free(s->tg);
	free(s->g);
	free(s->opened);
	free(s);
}
