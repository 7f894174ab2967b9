/*
 * run-procs.c - one run shared among fresh processes (`processes = N`).
 *
 * Repetitions of one process agree more closely than processes do: where
 * code and memory land (ASLR, physical pages) and where threads run stay
 * put for a process's life. Here a whole workload ran 17% slower for the
 * whole of one cpu-only ci process in 30 (vector-search, every
 * repetition), and a run's own repetitions cannot show that. So with
 * processes = N the run is N processes: this one runs share 0 of every
 * cell's repetitions, then starts `gbench run ARGS --process i/N` for
 * i = 1 .. N-1, one after the other, each with its own address space,
 * executors and warmups, and pools what they measured into its own cells
 * before they are judged: per-repetition values appended in process order
 * (gb_results_pool), latency histograms merged exactly (hist/<cell>.raw),
 * executor calls by batch size, invalid reasons and events added. A run's
 * medians then average over N placements and its spread includes theirs.
 * meta.json "processes" lists every process, its pid and how it ended.
 * With a time budget, this process has calibrated and fixed each cell's
 * window; it hands that plan and the budget's clock to each child in a
 * file (GB_BUDGET_PLAN_ENV, budget.h), each child plans its repetitions
 * within its share of what is left, and meta.json time_plan gathers every
 * process's share and what each cell got in each (gb_run_add_share_plan).
 *
 * A child must not outlive its parent: killed with -9, the parent cannot
 * pass anything on, and a child left running would go on measuring and
 * writing into a folder nobody reads. So each child, told its parent's pid
 * in GBENCH_PARENT_PID, asks the kernel for SIGKILL when its parent dies
 * (PR_SET_PDEATHSIG) as it starts, then checks that its parent is still
 * that pid: one that died before is seen there (gb_run_child_start). The
 * children are started with posix_spawn, not fork: a fork of a run holding
 * most of the machine's memory in operands can fail where a spawn cannot.
 * The folder the children write into, TMPDIR/gbench-run.PID.*, carries
 * the parent's pid so that the next run removes it when that process is
 * gone (gb_run_reclaim).
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsio.h"
#include "gbench.h"
#include "lock.h"
#include "plan/budget.h"
#include "replay.h"
#include "run.h"

extern char **environ;

#define PARENT_ENV "GBENCH_PARENT_PID"

/*
 * Our environment with PARENT_ENV=<this pid>, the progress's mode and
 * start (run-progress.c) and, with a time budget, where the run's time
 * plan is (plan, or NULL); free the array, own[0], own[1] and own[2].
 */
static char **child_env(const struct gb_run *r, char **own, const char *plan)
{
	size_t n = 0, k = 0;
	char **env;

	for (char **e = environ; *e; e++)
		n++;
	env = gb_xcalloc(n + 4, sizeof(*env));
	for (char **e = environ; *e; e++)
		if (strncmp(*e, PARENT_ENV "=", sizeof(PARENT_ENV)) &&
		    strncmp(*e, GB_BUDGET_PLAN_ENV "=", sizeof(GB_BUDGET_PLAN_ENV)))
			env[k++] = *e;
	env[k++] = own[0] = gb_xasprintf(PARENT_ENV "=%ld", (long)getpid());
	env[k++] = own[1] = gb_progress_child_env(r);
	own[2] = plan ? gb_xasprintf(GB_BUDGET_PLAN_ENV "=%s", plan) : NULL;
	env[k] = own[2];
	return env;
}

int gb_run_child_start(void)
{
	const char *s = getenv(PARENT_ENV);
	long parent;

	if (!s)
		return 0;
	parent = strtol(s, NULL, 10);
	unsetenv(PARENT_ENV);    /* for this process only, not for what it starts */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return gb_error("cannot ask to end with the run that started this process: %s",
				strerror(errno));
	/* after prctl: a parent that died before it is seen here, not missed */
	if ((long)getppid() != parent)
		return gb_error("the run that started this process (pid %ld) is gone", parent);
	return 1;
}

/* Where the children's folders go: $TMPDIR, else /tmp. */
static const char *tmp_root(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp ? tmp : "/tmp";
}

void gb_run_reclaim(void)
{
	gb_reclaim(tmp_root(), "gbench-run.", "the processes' folder of a killed run");
	gb_reclaim("/tmp", "gbench-cg.", "the callgrind folder of a killed run");
}

/* Start `gbench run ARGS --process p/n --out dir --quiet`; its pid, or -1. */
static pid_t spawn_share(const struct gb_run *r, uint32_t p, const char *dir, const char *plan)
{
	const struct gb_run_opts *o = r->opts;
	char exe[4096], share[32];
	char **args = gb_xcalloc((size_t)o->argc + 8, sizeof(*args));
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t na = 0;
	char *own[3], **env;
	pid_t pid;
	int rc;

	if (el <= 0) {
		gb_error("cannot start process %u: /proc/self/exe: %s", p + 1, strerror(errno));
		free(args);
		return -1;
	}
	exe[el] = 0;
	snprintf(share, sizeof(share), "%u/%u", p, o->nprocess);
	args[na++] = exe;
	args[na++] = (char *)"run";
	for (int i = 1; i < o->argc; i++)
		args[na++] = o->argv[i];
	args[na++] = (char *)"--process";
	args[na++] = share;
	args[na++] = (char *)"--out";
	args[na++] = (char *)dir;
	args[na++] = (char *)"--quiet";
	args[na] = NULL;
	/*
	 * The death signal comes when the thread that started the child
	 * ends: this is the main thread, which lives as long as the run.
	 */
	env = child_env(r, own, plan);
	rc = posix_spawn(&pid, exe, NULL, NULL, args, env);
	free(args);
	free(env);
	free(own[0]);
	free(own[1]);
	free(own[2]);
	if (rc) {
		gb_error("cannot start process %u: %s", p + 1, strerror(rc));
		return -1;
	}
	return pid;
}

/* Wait for pid, passing an interrupt on once; its exit code (128 + signal when killed). */
static int wait_share(pid_t pid)
{
	int st, told = 0;

	if (gb_interrupted) {   /* it came while the child was starting */
		kill(pid, SIGINT);
		told = 1;
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
		if (gb_interrupted && !told) {
			kill(pid, SIGINT);
			told = 1;
		}
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static void add_invalid(struct gb_cell_result *c, const char *why)
{
	for (char **iv = c->invalid; iv && *iv; iv++)
		if (!strcmp(*iv, why))
			return;
	gb_cell_invalid(c, why);
}

/* What meta.json says of cell c in process p: validity, batch sizes, skips. */
void gb_run_merge_cell_meta(struct gb_cell_result *c, json_t *jc, uint32_t p)
{
	json_t *v, *bs = json_object_get(jc, "batch_sizes");
	const char *key;
	size_t i;

	if (json_is_string(json_object_get(jc, "skipped"))) {
		char *why = gb_xasprintf("process %u skipped it: %s", p + 1,
					 json_string_value(json_object_get(jc, "skipped")));

		add_invalid(c, why);
		free(why);
	}
	json_array_foreach(json_object_get(jc, "invalid_reasons"), i, v)
		if (json_is_string(v))
			add_invalid(c, json_string_value(v));
	json_object_foreach(bs, key, v) {
		unsigned long b = strtoul(key, NULL, 10);

		if (!json_is_integer(v) || b == 0 || b > 1u << 20)
			continue;
		if (b >= c->nbatch_sizes) {
			c->batch_sizes = gb_xrealloc(c->batch_sizes, (b + 1) * sizeof(uint64_t));
			memset(c->batch_sizes + c->nbatch_sizes, 0,
			       (b + 1 - c->nbatch_sizes) * sizeof(uint64_t));
			c->nbatch_sizes = (uint32_t)b + 1;
		}
		c->batch_sizes[b] += (uint64_t)json_integer_value(v);
	}
}

/* Merge hist/<cell>.raw of dir into c's histogram; 0 or -1. */
int gb_run_merge_hist(struct gb_cell_result *c, const char *dir)
{
	char *path = gb_xasprintf("%s/hist/%s.raw", dir, c->id);
	FILE *f = fopen(path, "r");
	struct gb_hist h;
	int rc = -1;

	if (!f) {
		gb_error("%s: %s", path, strerror(errno));
	} else if (gb_hist_init(&h) == 0) {
		if (gb_hist_read_raw(&h, f) < 0)
			gb_error("%s: not a gbench raw histogram", path);
		else
			rc = 0, gb_hist_merge(&c->hist, &h);
		gb_hist_release(&h);
	}
	if (f)
		fclose(f);
	free(path);
	return rc;
}

/* Copy the keys of src named in keys[0..n) into dst, those src has. */
static void copy_keys(json_t *dst, json_t *src, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(src, keys[i]);

		if (v)
			json_object_set(dst, keys[i], v);
	}
}

void gb_run_add_share_plan(json_t *run_tp, json_t *tp, uint32_t p, double ended_s)
{
	static const char *const share_keys[] = {
		"share_s", "started_s", "planned_total_s", "cells_short",
	};
	static const char *const cell_keys[] = {
		"repetitions", "window", "why", "share_s", "planned_s", "cut",
	};
	json_t *cells = json_object_get(run_tp, "cells"), *shares, *jc, *o;
	const char *id;

	if (!json_is_object(run_tp) || !json_is_number(json_object_get(run_tp, "budget_s")) ||
	    !json_is_object(tp))
		return;
	shares = json_object_get(run_tp, "shares");
	if (!shares) {
		shares = json_array();
		json_object_set_new(run_tp, "shares", shares);
	}
	o = json_pack("{s:i, s:f}", "process", (int)p + 1, "ended_s", ended_s);
	copy_keys(o, tp, share_keys, GB_ARRAY_SIZE(share_keys));
	json_array_append_new(shares, o);
	json_object_foreach(cells, id, jc) {
		json_t *by = json_object_get(jc, "by_process");

		if (!by) {
			by = json_array();
			json_object_set_new(jc, "by_process", by);
		}
		o = json_object();
		copy_keys(o, json_object_get(json_object_get(tp, "cells"), id), cell_keys,
			  GB_ARRAY_SIZE(cell_keys));
		json_array_append_new(by, o);
	}
}

void gb_run_sum_share_plans(json_t *run_tp, const char *note)
{
	json_t *jc, *v;
	const char *id;
	size_t i, nshort = 0;

	if (!json_object_get(run_tp, "shares"))
		return;
	json_object_foreach(json_object_get(run_tp, "cells"), id, jc) {
		json_int_t reps = 0, cut = 0;
		double share = 0, planned = 0;
		int short_ = 0;

		json_array_foreach(json_object_get(jc, "by_process"), i, v) {
			const char *why = json_string_value(json_object_get(v, "why"));

			reps += json_integer_value(json_object_get(v, "repetitions"));
			cut += json_integer_value(json_object_get(v, "cut"));
			share += json_number_value(json_object_get(v, "share_s"));
			planned += json_number_value(json_object_get(v, "planned_s"));
			short_ |= why && !strcmp(why, "short");
		}
		json_object_set_new(jc, "repetitions", json_integer(reps));
		json_object_set_new(jc, "cut", json_integer(cut));
		json_object_set_new(jc, "share_s", json_real(share));
		json_object_set_new(jc, "planned_s", json_real(planned));
		if (short_) {
			json_object_set_new(jc, "why", json_string(gb_budget_why_name(GB_BUDGET_SHORT)));
			json_object_set_new(jc, "reason", json_string(
				"short of its minimum in at least one process (by_process says which)"));
		}
		nshort += short_;
	}
	json_object_set_new(run_tp, "cells_short", json_integer((json_int_t)nshort));
	json_object_set_new(run_tp, "shares_note", json_string(note));
}

/* Pool the results directory dir of process p into r; 0 or -1. */
static int merge_share(struct gb_run *r, const char *dir, uint32_t p)
{
	struct gb_results got = { 0 };
	char *path = gb_xasprintf("%s/meta.json", dir);
	json_t *meta = json_load_file(path, 0, NULL), *cells, *ev;
	int rc = 0;

	free(path);
	if (!meta || gb_results_read(&got, dir) < 0) {
		gb_error("process %u wrote no readable results in %s", p + 1, dir);
		json_decref(meta);
		gb_results_release(&got);
		return -1;
	}
	gb_results_pool(&r->res, &got);
	gb_run_add_share_plan(json_object_get(r->meta, "time_plan"),
			      json_object_get(meta, "time_plan"), p,
			      (double)(gb_now_ns() - r->plan_start_ns) * 1e-9);
	cells = json_object_get(meta, "cells");
	for (size_t i = 0; i < r->res.n; i++) {
		struct gb_cell_result *c = &r->res.cells[i];
		json_t *jc = json_object_get(cells, c->id);

		if (!jc || c->skipped)
			continue;
		gb_run_merge_cell_meta(c, jc, p);
		if (c->has_hist && !json_object_get(jc, "skipped") && gb_run_merge_hist(c, dir) < 0)
			rc = -1;
	}
	ev = json_object_get(meta, "events");
	gb_replay_events.enomem_splits +=
		(uint64_t)json_integer_value(json_object_get(ev, "enomem_splits"));
	gb_replay_events.cpu_fallbacks +=
		(uint64_t)json_integer_value(json_object_get(ev, "cpu_fallbacks"));
	r->validation += (unsigned)json_integer_value(json_object_get(ev, "validation_messages"));
	ev = json_object_get(meta, "turns");
	r->turns += (unsigned)json_integer_value(json_object_get(ev, "count"));
	r->turn_warmups += (unsigned)json_integer_value(json_object_get(ev, "warmups"));
	json_decref(meta);
	gb_results_release(&got);
	return rc;
}

/* Append to each cell's list in counts how many repetitions it gained since *seen. */
static void count_reps(const struct gb_run *r, json_t *counts, size_t *seen)
{
	for (size_t i = 0; i < r->res.n; i++) {
		const struct gb_cell_result *c = &r->res.cells[i];
		json_t *a = json_object_get(counts, c->id);
		size_t n = gb_cell_reps(c);

		if (!a) {
			a = json_array();
			json_object_set_new(counts, c->id, a);
		}
		json_array_append_new(a, json_integer((json_int_t)(n - seen[i])));
		seen[i] = n;
	}
}

void gb_run_processes(struct gb_run *r)
{
	uint32_t n = r->opts->nprocess;
	/* the pid in the name: gb_run_reclaim removes it once this process is gone */
	char *base = gb_xasprintf("%s/gbench-run.%ld.XXXXXX", tmp_root(), (long)getpid());
	json_t *list = json_array(), *counts = json_object();
	json_t *tp = json_object_get(r->meta, "time_plan");
	size_t *seen = gb_xcalloc(r->res.n + 1, sizeof(*seen));
	char *plan = NULL;

	/* this process ran share 0: its own exit is the run's */
	json_array_append_new(list, json_pack("{s:i, s:I, s:n}", "share", 0,
		"pid", (json_int_t)getpid(), "exit"));
	count_reps(r, counts, seen);
	if (!mkdtemp(base)) {
		gb_error("cannot make a folder for the run's processes (%s): %s", base,
			 strerror(errno));
		r->child_exit = GB_EXIT_ENV;
		n = 1;
	}
	/* with a budget: this process's share, and the plan the others inherit */
	if (n > 1 && r->cfg->time_budget > 0 && r->calibrated) {
		gb_run_add_share_plan(tp, tp, 0, (double)(gb_now_ns() - r->plan_start_ns) * 1e-9);
		plan = gb_xasprintf("%s/time-plan.json", base);
		if (gb_run_timeplan_handoff(r, plan) < 0) {
			r->child_exit = GB_EXIT_ENV;
			n = 1;
		}
	}
	for (uint32_t p = 1; p < n && !gb_interrupted; p++) {
		char *dir = gb_xasprintf("%s/process-%u", base, p + 1);
		pid_t pid;
		int rc = -1;

		gb_note("gbench: process %u of %u: its share of every cell's repetitions", p + 1, n);
		pid = spawn_share(r, p, dir, plan);
		if (pid > 0)
			rc = wait_share(pid);
		json_array_append_new(list, json_pack("{s:i, s:I, s:i}", "share", (int)p,
			"pid", (json_int_t)pid, "exit", rc));
		if (rc == GB_EXIT_INTERRUPTED || rc == 128 + SIGINT)
			gb_interrupted = 1;
		else if (rc != GB_EXIT_OK && rc != GB_EXIT_CORRECTNESS && !r->child_exit)
			r->child_exit = GB_EXIT_ENV;
		/* killed before it wrote anything: nothing to pool */
		if (gb_interrupted && !gb_is_dir(dir))
			rc = -1;
		if (rc >= 0 && rc != GB_EXIT_USAGE && merge_share(r, dir, p) < 0 && !r->child_exit)
			r->child_exit = GB_EXIT_ENV;
		count_reps(r, counts, seen);
		if (rc != GB_EXIT_OK && rc != GB_EXIT_CORRECTNESS && !gb_interrupted)
			gb_error("process %u of %u exited with %d: the run is incomplete", p + 1, n,
				 rc);
		free(dir);
		if (r->child_exit)
			break;
	}
	gb_run_sum_share_plans(tp, "the processes ran one after another; each took as its "
		"share the budget left when it planned, less the start-ups of the processes "
		"still to come (each taken to cost the first's), divided among it and those; "
		"the first process calibrated and planned each cell's window for all; "
		"cells.<id> sums the processes' repetitions, shares and plans, by_process "
		"lists each");
	if (n > 1 || plan)
		gb_rm_tree(base);
	free(plan);
	free(base);
	free(seen);
	json_object_set_new(r->meta, "processes", json_pack("{s:i, s:o, s:o, s:s}",
		"count", (int)r->opts->nprocess, "runs", list, "repetitions", counts,
		"note", "each process ran its share of every cell's repetitions after its own "
			"warmups; repetitions are pooled in process order: repetitions.<cell> "
			"lists how many came from each process"));
}
