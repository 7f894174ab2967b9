/*
 * callgrind.c - the simulated counter tier: re-run one cell in a child of
 * gbench under valgrind's callgrind and read back, per measured repetition,
 * the simulated instruction, cache-miss and mispredict counts.
 *
 * The child is this same executable, `gbench run` with the parent's own
 * arguments followed by overrides (getopt keeps the last value of a flag):
 * the one cell, the cpu executor, one thread, no in-process counters, a
 * scratch results directory. It is told by GBENCH_CALLGRIND_CHILD=1 that it
 * runs under callgrind; valgrind starts with collection off, and the replay
 * turns it on around each measured repetition only, zeroing before and
 * dumping after, so dump N holds repetition N alone. Warmup repetitions
 * still run (uncollected), and warm the simulated caches like real ones.
 *
 * valgrind requires power-of-two set counts; sysfs geometries that are not
 * (a 480 MiB 16-way L3) are changed to the nearest valid one and both are
 * recorded. A sanitizer build does not run under valgrind: probe says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#include "callgrind.h"
#include "../bench/inject.h"
#include "../bench/replay.h"   /* gb_interrupted */
#include "fsio.h"
#include "gbench.h"
#include "sysinfo.h"

extern char **environ;

#if defined(__SANITIZE_ADDRESS__)
#define GB_CG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GB_CG_SANITIZED 1
#endif
#endif
#ifndef GB_CG_SANITIZED
#define GB_CG_SANITIZED 0
#endif

/* How a dump names its cell: "desc: Trigger: Client Request: gbench-cell <id>". */
#define GB_CG_LABEL "gbench-cell "

const char *const gb_sim_metric_names[GB_SIM_METRICS] = {
	"sim_ir", "sim_d1_misses", "sim_ll_misses", "sim_branch_mispredicts",
};

/* ---- cache geometry ---- */

static int is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* Why valgrind would refuse level c, or NULL (the checks of its cg_arch.c). */
static const char *geom_invalid(const struct gb_cache_geom *c)
{
	if (!c->assoc || !c->line || !c->size)
		return "size, ways and line must be positive";
	if (!is_pow2(c->line))
		return "the line size is not a power of two";
	if (c->line < 16)
		return "the line size is under 16 bytes";
	if (c->size <= c->line)
		return "the size is not above the line size";
	if (c->assoc > c->size / c->line)
		return "more ways than lines";
	if (c->size % ((uint64_t)c->line * c->assoc) ||
	    !is_pow2(c->size / ((uint64_t)c->line * c->assoc)))
		return "the set count (size / (ways x line)) is not a power of two";
	return NULL;
}

/*
 * The valid geometry nearest to c: the same size and line with the ways
 * nearest to c's that give a power-of-two set count, when within 2x; else
 * the same ways and line with the set count rounded to the nearest power
 * of two. 0, or -1 when the line itself is unusable.
 */
static int geom_fix(struct gb_cache_geom *c)
{
	uint64_t lines, odd, best = 0;
	double best_d = INFINITY;
	int tz = 0;

	if (!geom_invalid(c))
		return 0;
	if (!is_pow2(c->line) || c->line < 16 || !c->assoc)
		return -1;
	lines = c->size / c->line;
	if (lines && c->size % c->line == 0) {
		for (odd = lines; !(odd & 1); odd >>= 1)
			tz++;
		for (int j = 0; j <= tz; j++) {
			uint64_t a = odd << j;
			double d = fabs(log2((double)a / c->assoc));

			if (a <= lines && d < best_d) {
				best_d = d;
				best = a;
			}
		}
		if (best && best_d <= 1.0) {
			c->assoc = (unsigned)best;
			return geom_invalid(c) ? -1 : 0;
		}
	}
	{
		double sets = (double)c->size / ((double)c->line * c->assoc);
		double e = round(log2(sets < 1 ? 1 : sets));

		c->size = (uint64_t)ldexp(1.0, (int)e) * c->line * c->assoc;
	}
	return geom_invalid(c) ? -1 : 0;
}

static void geom_str(const struct gb_cache_geom *c, char *buf, size_t len)
{
	snprintf(buf, len, "%llu:%u:%u", (unsigned long long)c->size, c->assoc, c->line);
}

static int parse_level(const char *s, struct gb_cache_geom *c)
{
	char *end;
	unsigned long long size;
	unsigned long a, l;

	errno = 0;
	size = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		size <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		size <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		size <<= 30, end++;
	if (*end++ != ':')
		return -1;
	a = strtoul(end, &end, 10);
	if (*end++ != ':')
		return -1;
	l = strtoul(end, &end, 10);
	if (*end || !a || !l || a > 65536 || l > 65536)
		return -1;
	c->size = size;
	c->assoc = (unsigned)a;
	c->line = (unsigned)l;
	return 0;
}

int gb_sim_cache_parse(const char *s, struct gb_sim_cache *g, const char *what)
{
	char buf[256], *parts[4], *save = NULL, *tok;
	struct gb_cache_geom lv[3];
	int n = 0;
	static const char *const names[3] = { "I1", "D1", "LL" };

	memset(g, 0, sizeof(*g));
	if (strlen(s) >= sizeof(buf))
		return gb_error("%s: '%s' is too long", what, s);
	strcpy(buf, s);
	for (tok = strtok_r(buf, "/", &save); tok && n < 4; tok = strtok_r(NULL, "/", &save))
		parts[n++] = tok;
	if (n != 2 && n != 3)
		return gb_error("%s: '%s' is not I1/D1/LL or L1/LL (each size:ways:line, "
				"e.g. 32K:8:64/32K:8:64/32M:16:64)", what, s);
	for (int i = 0; i < n; i++)
		if (parse_level(parts[i], &lv[i]) < 0)
			return gb_error("%s: '%s' in '%s' is not size:ways:line", what, parts[i], s);
	if (n == 2) {
		lv[2] = lv[1];
		lv[1] = lv[0];
	}
	for (int i = 0; i < 3; i++) {
		const char *bad = geom_invalid(&lv[i]);

		if (bad)
			return gb_error("%s: %s level of '%s': valgrind cannot simulate it: %s",
					what, names[i], s, bad);
	}
	g->i1 = lv[0];
	g->d1 = lv[1];
	g->ll = lv[2];
	return 0;
}

int gb_sim_cache_sysfs(struct gb_sim_cache *g, char *reason, size_t len)
{
	struct gb_sysinfo si;
	const struct gb_cache_level *i1 = NULL, *d1 = NULL, *ll = NULL;
	struct gb_cache_geom *lv[3];
	static const char *const names[3] = { "I1", "D1", "LL" };
	size_t o = 0;

	memset(g, 0, sizeof(*g));
	gb_sysinfo_read(&si);
	for (int i = 0; i < si.ncache; i++) {
		const struct gb_cache_level *c = &si.cache[i];

		if (c->level == 1 && !strcmp(c->type, "Instruction"))
			i1 = c;
		else if (c->level == 1 && !strcmp(c->type, "Data"))
			d1 = c;
		if (strcmp(c->type, "Instruction") && (!ll || c->level > ll->level))
			ll = c;
	}
	if (!i1 || !d1 || !ll || ll == d1) {
		snprintf(reason, len, "no L1I, L1D and last-level cache in "
			 "/sys/devices/system/cpu/cpu0/cache");
		return -1;
	}
	g->from_sysfs = 1;
	g->real[0] = (struct gb_cache_geom){ i1->size, (unsigned)i1->ways, (unsigned)i1->line };
	g->real[1] = (struct gb_cache_geom){ d1->size, (unsigned)d1->ways, (unsigned)d1->line };
	g->real[2] = (struct gb_cache_geom){ ll->size, (unsigned)ll->ways, (unsigned)ll->line };
	g->i1 = g->real[0];
	g->d1 = g->real[1];
	g->ll = g->real[2];
	lv[0] = &g->i1;
	lv[1] = &g->d1;
	lv[2] = &g->ll;
	for (int i = 0; i < 3; i++) {
		char a[64], b[64];

		if (!geom_invalid(lv[i]))
			continue;
		if (geom_fix(lv[i]) < 0) {
			geom_str(&g->real[i], a, sizeof(a));
			snprintf(reason, len, "the %s cache %s (sysfs) cannot be simulated by "
				 "valgrind: %s", names[i], a, geom_invalid(&g->real[i]));
			return -1;
		}
		geom_str(&g->real[i], a, sizeof(a));
		geom_str(lv[i], b, sizeof(b));
		o += (size_t)snprintf(g->note + o, o < sizeof(g->note) ? sizeof(g->note) - o : 0,
				      "%s%s %s has a set count that is not a power of two: "
				      "simulated as %s", o ? "; " : "", names[i], a, b);
		g->adjusted = 1;
	}
	return 0;
}

void gb_sim_cache_str(const struct gb_sim_cache *g, char *buf, size_t len)
{
	char a[64], b[64], c[64];

	geom_str(&g->i1, a, sizeof(a));
	geom_str(&g->d1, b, sizeof(b));
	geom_str(&g->ll, c, sizeof(c));
	snprintf(buf, len, "%s/%s/%s", a, b, c);
}

json_t *gb_sim_cache_json(const struct gb_sim_cache *g)
{
	char s[200], a[64], b[64], c[64];
	json_t *j;

	gb_sim_cache_str(g, s, sizeof(s));
	j = json_pack("{s:s, s:s}", "simulated", s, "from", g->from_sysfs ? "sysfs" : "config");
	if (g->from_sysfs) {
		geom_str(&g->real[0], a, sizeof(a));
		geom_str(&g->real[1], b, sizeof(b));
		geom_str(&g->real[2], c, sizeof(c));
		snprintf(s, sizeof(s), "%s/%s/%s", a, b, c);
		json_object_set_new(j, "machine", json_string(s));
	}
	if (g->adjusted)
		json_object_set_new(j, "adjusted", json_string(g->note));
	return j;
}

/* ---- the child's side ---- */

static int cg_collecting;
/* The cell whose repetition is being collected: its dump is labelled with it. */
static char cg_cell[512];

int gb_callgrind_child(void)
{
	static int cached = -1;

	if (cached < 0) {
		const char *e = getenv("GBENCH_CALLGRIND_CHILD");

		cached = e && !strcmp(e, "1");
	}
	return cached;
}

void gb_callgrind_rep_begin(const char *cell_id)
{
	if (!gb_callgrind_child() || cg_collecting)
		return;
	snprintf(cg_cell, sizeof(cg_cell), "%s", cell_id ? cell_id : "");
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	cg_collecting = 1;
}

void gb_callgrind_rep_end(void)
{
	char label[sizeof(cg_cell) + 16];

	if (!cg_collecting)
		return;
	CALLGRIND_TOGGLE_COLLECT;
	cg_collecting = 0;
	snprintf(label, sizeof(label), "%s%s", GB_CG_LABEL, cg_cell);
	CALLGRIND_DUMP_STATS_AT(label);
}

/* ---- the parent's side ---- */

void gb_sim_values_release(struct gb_sim_values *s)
{
	free(s->v);
	s->v = NULL;
	s->nreps = 0;
}

static const char *valgrind_cmd(void)
{
	const char *v = getenv("GBENCH_VALGRIND");

	return v && v[0] ? v : "valgrind";
}

/* Run argv with stdout and stderr to log (NULL: /dev/null), env extra added; exit status or -1. */
static int spawn_wait(char *const argv[], const char *log, const char *extra_env)
{
	char parent[48];
	posix_spawn_file_actions_t fa;
	char **env;
	size_t n = 0;
	pid_t pid;
	int st, rc;

	for (char **e = environ; *e; e++)
		n++;
	env = gb_xcalloc(n + 3, sizeof(*env));
	for (size_t i = 0; i < n; i++)
		env[i] = environ[i];
	if (extra_env)
		env[n++] = (char *)extra_env;
	/* the child gbench ends with this process (gb_run_child_start) */
	snprintf(parent, sizeof(parent), "GBENCH_PARENT_PID=%ld", (long)getpid());
	env[n++] = parent;
	if (posix_spawn_file_actions_init(&fa)) {
		free(env);
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 1, log ? log : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (rc) {
		errno = rc;
		return -1;
	}
	/*
	 * Polled, not blocked in: a stopped run (SIGINT, SIGTERM: gb_interrupted)
	 * passes the stop on to valgrind, and kills it 2 s later, so that a
	 * cancelled gate does not wait out a whole simulation.
	 */
	for (int waited = 0, stop_ms = -1;; waited += 20) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -1;
		if (gb_interrupted && stop_ms < 0) {
			kill(pid, SIGTERM);
			stop_ms = waited;
		} else if (stop_ms >= 0 && waited - stop_ms == 2000) {
			kill(pid, SIGKILL);
		}
		nanosleep(&ts, NULL);
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* The first line of `valgrind --version` into buf; 0 or -1 with the reason. */
static int valgrind_version(char *buf, size_t len, char *reason, size_t rlen)
{
	char tmpl[] = "/tmp/gbench-vg.XXXXXX";
	int fd = mkstemp(tmpl), rc;
	char *argv[] = { (char *)valgrind_cmd(), (char *)"--version", NULL };
	FILE *f;

	if (fd < 0) {
		snprintf(reason, rlen, "mkstemp: %s", strerror(errno));
		return -1;
	}
	close(fd);
	rc = spawn_wait(argv, tmpl, NULL);
	if (rc != 0) {
		snprintf(reason, rlen, "'%s --version' %s", valgrind_cmd(),
			 rc < 0 ? strerror(errno) : rc == 127 ? "not found" : "failed");
		unlink(tmpl);
		return -1;
	}
	buf[0] = 0;
	f = fopen(tmpl, "r");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	unlink(tmpl);
	return 0;
}

int gb_callgrind_probe(char *reason, size_t len)
{
	char ver[128];

	if (GB_CG_SANITIZED) {
		snprintf(reason, len, "this gbench is built with AddressSanitizer, which does "
			 "not run under valgrind: use a release build (make)");
		return -1;
	}
	return valgrind_version(ver, sizeof(ver), reason, len);
}

/* Last lines of a log, for a reason. */
static void log_tail(const char *path, char *buf, size_t len)
{
	char line[512], last[3][512] = { "", "", "" };
	FILE *f = fopen(path, "r");
	int n = 0;

	buf[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0])
			continue;
		snprintf(last[n % 3], sizeof(last[0]), "%s", line);
		n++;
	}
	fclose(f);
	for (int i = n > 3 ? n - 3 : 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", strlen(buf) ? " | " : "",
			 last[i % 3]);
}

/*
 * Parse a callgrind dump: the events: header and the summary: (or
 * totals:) line into the four simulated metrics, NAN for a metric whose
 * events the dump does not have (instruction counting only: Ir alone),
 * and the cell its trigger names ("desc: Trigger: Client Request:
 * gbench-cell <id>") into cell, "" when none. 0 or -1.
 */
static int parse_dump(const char *path, double *v, char *cell, size_t cell_len)
{
	static const char trig[] = "desc: Trigger: Client Request: " GB_CG_LABEL;
	FILE *f = fopen(path, "r");
	char *line = NULL, *names[64];
	size_t cap = 0;
	int nnames = 0, got = 0, seen[GB_SIM_METRICS] = { 0 };
	double val[64];
	char *events = NULL;

	if (!f)
		return -1;
	cell[0] = 0;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, trig, sizeof(trig) - 1)) {
			snprintf(cell, cell_len, "%s", line + sizeof(trig) - 1);
		} else if (!strncmp(line, "events:", 7)) {
			free(events);
			events = gb_xstrdup(line + 7);
		} else if ((!strncmp(line, "summary:", 8) || (!got && !strncmp(line, "totals:", 7)))) {
			char *p = strchr(line, ':') + 1;
			int k = 0;

			while (k < 64) {
				char *end;
				double x = strtod(p, &end);

				if (end == p)
					break;
				val[k++] = x;
				p = end;
			}
			for (; k < 64; k++)
				val[k] = 0;
			got = 1;
		}
	}
	free(line);
	fclose(f);
	if (!events || !got) {
		free(events);
		return -1;
	}
	{
		char *save = NULL;

		for (char *t = strtok_r(events, " \t", &save); t && nnames < 64;
		     t = strtok_r(NULL, " \t", &save))
			names[nnames++] = t;
	}
	for (int m = 0; m < GB_SIM_METRICS; m++)
		v[m] = 0;
	for (int i = 0; i < nnames; i++) {
		const char *e = names[i];
		int m = -1;

		if (!strcmp(e, "Ir"))
			m = GB_SIM_IR;
		else if (!strcmp(e, "D1mr") || !strcmp(e, "D1mw"))
			m = GB_SIM_D1_MISSES;
		else if (!strcmp(e, "ILmr") || !strcmp(e, "DLmr") || !strcmp(e, "DLmw"))
			m = GB_SIM_LL_MISSES;
		else if (!strcmp(e, "Bcm") || !strcmp(e, "Bim"))
			m = GB_SIM_BRANCH_MISPREDICTS;
		if (m >= 0) {
			v[m] += val[i];
			seen[m] = 1;
		}
	}
	for (int m = 0; m < GB_SIM_METRICS; m++)
		if (!seen[m])
			v[m] = NAN;
	free(events);
	return 0;
}

int gb_callgrind_ir_only(void)
{
	const char *e = getenv("GBENCH_CALLGRIND_SIM");

	return e && !strcmp(e, "ir");
}

/* A --filter pattern matching exactly id: a glob with the specials escaped. */
static char *exact_pattern(const char *id)
{
	size_t n = strlen(id);
	char *p = gb_xmalloc(2 * n + 4), *o = p;

	for (size_t i = 0; i < n; i++) {
		if (strchr("*?[]\\", id[i]))
			*o++ = '\\';
		if (i + 1 == n && !strchr("*?[]\\", id[i])) {
			/* the last character in brackets makes it a glob, matched whole */
			*o++ = '[';
			*o++ = id[i];
			*o++ = ']';
			continue;
		}
		*o++ = id[i];
	}
	*o = 0;
	return p;
}

/* The index of id among ids[n], or n. */
static size_t find_id(const char *const ids[], size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n && strcmp(ids[i], id); i++)
		;
	return i;
}

/* Append a repetition's values v to s. */
static void sim_push(struct gb_sim_values *s, const double *v)
{
	s->v = gb_xrealloc(s->v, (s->nreps + 1) * sizeof(*s->v));
	memcpy(s->v[s->nreps++], v, sizeof(*s->v));
}

/* Read the dumps cg.out.1, .2, ... of dir into out[] by the cell each names; 0 or -1. */
static int read_dumps(const char *dir, size_t n, const char *const ids[],
		      struct gb_sim_values *out, char *reason, size_t len)
{
	size_t got = 0;

	for (size_t k = 1;; k++) {
		char path[128], cell[600];
		double v[GB_SIM_METRICS];
		size_t i;

		snprintf(path, sizeof(path), "%s/cg.out.%zu", dir, k);
		if (access(path, F_OK) != 0)
			break;
		if (parse_dump(path, v, cell, sizeof(cell)) < 0) {
			snprintf(reason, len, "cannot parse the callgrind dump %s", path);
			return -1;
		}
		/* a lone cell's dumps are its own whatever they say; others by name */
		i = n == 1 ? 0 : find_id(ids, n, cell);
		if (i < n) {
			sim_push(&out[i], v);
			got++;
		}
	}
	if (!got) {
		snprintf(reason, len, "callgrind wrote no per-repetition dump of cell%s '%s'%s (log "
			 "kept in %s)", n > 1 ? "s" : "", ids[0], n > 1 ? " and the others" : "", dir);
		return -1;
	}
	return 0;
}

int gb_callgrind_run_cells(int argc, char *const argv[], size_t n, const char *const ids[],
			   const struct gb_sim_cache *geom, struct gb_sim_values *out,
			   char *reason, size_t len)
{
	/* the pid in the name lets the next run reclaim it (gb_run_reclaim) */
	char dir[64];
	char exe[4096], i1[80], d1[80], ll[80], outfile[64 + sizeof(dir)];
	char childout[32 + sizeof(dir)], log[32 + sizeof(dir)], tail[1024];
	char **args;
	char *pattern = NULL;
	size_t na = 0;
	ssize_t el;
	int rc, ok = -1, ir_only = gb_callgrind_ir_only();

	memset(out, 0, n * sizeof(*out));
	reason[0] = 0;
	if (!n)
		return 0;
	if (GB_CG_SANITIZED)
		return gb_callgrind_probe(reason, len);
	el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (el <= 0) {
		snprintf(reason, len, "cannot find the gbench executable: /proc/self/exe: %s",
			 strerror(errno));
		return -1;
	}
	exe[el] = 0;
	snprintf(dir, sizeof(dir), "/tmp/gbench-cg.%ld.XXXXXX", (long)getpid());
	if (!mkdtemp(dir)) {
		snprintf(reason, len, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(outfile, sizeof(outfile), "--callgrind-out-file=%s/cg.out", dir);
	snprintf(childout, sizeof(childout), "%s/child", dir);
	snprintf(log, sizeof(log), "%s/valgrind.log", dir);
	args = gb_xcalloc((size_t)argc + 32, sizeof(*args));
	args[na++] = (char *)valgrind_cmd();
	args[na++] = (char *)"--tool=callgrind";
	args[na++] = (char *)"--collect-atstart=no";
	args[na++] = (char *)(ir_only ? "--cache-sim=no" : "--cache-sim=yes");
	args[na++] = (char *)(ir_only ? "--branch-sim=no" : "--branch-sim=yes");
	if (geom && !ir_only) {
		snprintf(i1, sizeof(i1), "--I1=%llu,%u,%u", (unsigned long long)geom->i1.size,
			 geom->i1.assoc, geom->i1.line);
		snprintf(d1, sizeof(d1), "--D1=%llu,%u,%u", (unsigned long long)geom->d1.size,
			 geom->d1.assoc, geom->d1.line);
		snprintf(ll, sizeof(ll), "--LL=%llu,%u,%u", (unsigned long long)geom->ll.size,
			 geom->ll.assoc, geom->ll.line);
		args[na++] = i1;
		args[na++] = d1;
		args[na++] = ll;
	}
	args[na++] = outfile;
	args[na++] = exe;
	args[na++] = (char *)"run";
	/* flags that would make the child do other work than the cells' repetitions */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--find-max-qps") && strcmp(argv[i], "--dry-run"))
			args[na++] = argv[i];
	if (n == 1) {
		/* one cell: only it; several: the run's own cells (its filter), the cpu ones */
		pattern = exact_pattern(ids[0]);
		args[na++] = (char *)"--filter";
		args[na++] = pattern;
	}
	args[na++] = (char *)"--executor";
	args[na++] = (char *)"cpu";
	args[na++] = (char *)"--threads";
	args[na++] = (char *)"1";
	args[na++] = (char *)"--processes";
	args[na++] = (char *)"1";
	args[na++] = (char *)"--counters";
	args[na++] = (char *)"none";
	args[na++] = (char *)"--out";
	args[na++] = childout;
	args[na++] = (char *)"--quiet";
	args[na] = NULL;
	gb_inject_export_env();   /* an injected slowdown: the native calibration, not valgrind's */
	rc = spawn_wait(args, log, "GBENCH_CALLGRIND_CHILD=1");
	if (rc < 0) {
		snprintf(reason, len, "cannot run %s: %s", valgrind_cmd(), strerror(errno));
	} else if (rc == GB_EXIT_INTERRUPTED || rc == 128 + SIGINT) {
		snprintf(reason, len, "interrupted");
	} else if (rc != GB_EXIT_OK && rc != GB_EXIT_CORRECTNESS) {
		log_tail(log, tail, sizeof(tail));
		snprintf(reason, len, "callgrind child exited with status %d (log kept in %s): %s",
			 rc, dir, tail);
	} else {
		ok = read_dumps(dir, n, ids, out, reason, len);
	}
	if (ok < 0)
		for (size_t i = 0; i < n; i++)
			gb_sim_values_release(&out[i]);
	else
		gb_rm_tree(dir);
	free(pattern);
	free(args);
	return ok;
}

int gb_callgrind_run_cell(int argc, char *const argv[], const char *cell_id,
			  const struct gb_sim_cache *geom, struct gb_sim_values *out,
			  char *reason, size_t len)
{
	return gb_callgrind_run_cells(argc, argv, 1, &cell_id, geom, out, reason, len);
}

void gb_callgrind_print_info(FILE *f, const char *indent)
{
	char reason[512], ver[128], g[200];
	struct gb_sim_cache sc;

	if (GB_CG_SANITIZED) {
		gb_callgrind_probe(reason, sizeof(reason));
		fprintf(f, "%s%-12s unavailable: %s\n", indent, "callgrind", reason);
		return;
	}
	if (valgrind_version(ver, sizeof(ver), reason, sizeof(reason)) < 0) {
		fprintf(f, "%s%-12s unavailable: %s\n", indent, "callgrind", reason);
		return;
	}
	fprintf(f, "%s%-12s available on request (--counters callgrind): %s; sim_ir, "
		"sim_d1_misses, sim_ll_misses, sim_branch_mispredicts (simulated)\n",
		indent, "callgrind", ver);
	if (gb_sim_cache_sysfs(&sc, reason, sizeof(reason)) < 0) {
		fprintf(f, "%s             cache geometry: valgrind's own (%s)\n", indent, reason);
		return;
	}
	gb_sim_cache_str(&sc, g, sizeof(g));
	fprintf(f, "%s             cache geometry from sysfs, I1/D1/LL: %s\n", indent, g);
	if (sc.adjusted)
		fprintf(f, "%s             (%s)\n", indent, sc.note);
}
