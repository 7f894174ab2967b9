/*
 * cmd-record.c - `gbench record [-o FILE] -- CMD ARGS...`: run an unmodified
 * program with the BLAS preload library (bench/record/rec-preload.c) and
 * leave a gbench trace of its f32 matrix products in FILE.
 *
 * The stages, in order: find the library; write the trace's preamble (so
 * a FILE that cannot be written stops us before the program runs); create
 * the log the library stores its entries in (bench/record/rec-shared.h);
 * run the program with LD_PRELOAD and the log's name in its environment,
 * waiting for it with SIGINT and SIGQUIT ignored (as a shell does: the
 * terminal's ^C goes to the program, and the trace is finished afterwards)
 * and SIGTERM passed on to it; then write the trace atomically: the
 * preamble, the counts of the log's header as metadata lines (what was
 * recorded, what was seen but not mapped, what was skipped and why, how the
 * program ended), and a row per complete entry, sorted by arrival (entries
 * of several threads and processes are claimed in an order close to, not
 * equal to, their arrival). The exit status is the program's: 128 + N when
 * a signal N ended it, 127 when it could not be run (as env(1) and shells
 * do).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "fsio.h"
#include "gbench.h"
#include "record/rec-shared.h"

#define RECORD_DEFAULT_OUT "record.csv"

static const char record_usage[] =
	"usage: gbench record [-o FILE] [-q] -- CMD [ARGS...]\n"
	"\n"
	"Run CMD, an unmodified program, with a preload library that records its\n"
	"f32 BLAS calls (cblas_sgemm, cblas_sgemv, sgemm_, sgemv_) as matmul requests\n"
	"of a gbench trace and forwards every call to the real BLAS untouched: stream\n"
	"= the calling thread, tensor = the weight operand's buffer (w0, w1, ... in\n"
	"first-seen order). Other BLAS calls are counted in the trace's header.\n"
	"Programs CMD starts are recorded too. See docs/recording.md.\n"
	"\n"
	"    -o, --out FILE  the trace to write (default " RECORD_DEFAULT_OUT ")\n"
	"    -q, --quiet     no summary on stderr\n"
	"    -h, --help      show this help\n"
	"\n"
	"Exit status: CMD's own (128+N when signal N ended it, 127 when it cannot be\n"
	"run); 2 for a usage error, 4 when the recorder library is missing.\n";

static int record_bad_usage(void)
{
	return gb_cli_usage(record_usage);
}

static const char *const record_fn_names[GB_REC_NFUNCS] = {
#define GB_REC_NAME(name, mapped) #name,
	GB_REC_FUNCS(GB_REC_NAME)
#undef GB_REC_NAME
};

static const int record_fn_mapped[GB_REC_NFUNCS] = {
#define GB_REC_MAPPED_FLAG(name, mapped) mapped,
	GB_REC_FUNCS(GB_REC_MAPPED_FLAG)
#undef GB_REC_MAPPED_FLAG
};

static const char *const record_skip_why[GB_REC_NSKIPS] = {
	[GB_REC_SKIP_EMPTY] = "m, n or k is 0",
	[GB_REC_SKIP_LIMIT] = "over the trace limits",
	[GB_REC_SKIP_INVALID] = "arguments the BLAS rejects",
	[GB_REC_SKIP_WRITE] = "the row could not be written",
};

/*
 * The preload library: $GBENCH_RECORD_PRELOAD, else beside the gbench
 * binary (a build folder), else PREFIX/lib/gbench/ (installed). A static
 * string, or NULL after saying where it looked.
 */
static const char *record_find_preload(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("GBENCH_RECORD_PRELOAD");
	const char *exe = gb_exe_dir();

	if (env && *env) {
		if (access(env, R_OK) == 0)
			return env;
		gb_error("GBENCH_RECORD_PRELOAD names '%s': %s", env, strerror(errno));
		return NULL;
	}
	if (exe) {
		snprintf(path, sizeof(path), "%.*s/" GB_REC_PRELOAD_NAME, (int)(sizeof(path) - 40),
			 exe);
		if (access(path, R_OK) == 0)
			return path;
		snprintf(path, sizeof(path), "%.*s/../lib/gbench/" GB_REC_PRELOAD_NAME,
			 (int)(sizeof(path) - 60), exe);
		if (access(path, R_OK) == 0)
			return path;
	}
	gb_error("cannot find the recorder library " GB_REC_PRELOAD_NAME " beside gbench "
		 "or in ../lib/gbench/; build it (make) or set GBENCH_RECORD_PRELOAD");
	return NULL;
}

/* CMD ARGS as one line, for the trace's source (line breaks become spaces). */
static char *record_cmdline(char **argv)
{
	size_t len = 1;
	char *s, *p;

	for (char **a = argv; *a; a++)
		len += strlen(*a) + 1;
	s = p = gb_xmalloc(len);
	for (char **a = argv; *a; a++) {
		for (const char *c = *a; *c; c++)
			*p++ = *c == '\n' || *c == '\r' ? ' ' : *c;
		if (a[1])
			*p++ = ' ';
	}
	*p = '\0';
	return s;
}

/* The preamble the rows follow; the program's rows are appended to it. */
static int record_write_preamble(const char *out, const char *cmdline)
{
	FILE *f = fopen(out, "w");

	if (!f)
		return gb_error("cannot create '%s': %s", out, strerror(errno));
	fprintf(f, "# gbench-trace v1\n"
		"# source: gbench record -- %s\n"
		"# recorder: libgbrecord-preload (cblas_sgemm, sgemm_: matmul, the weight is B; "
		"cblas_sgemv, sgemv_: matmul m=1, the weight is A; stream = the calling thread)\n"
		"arrival_ns,stream,op,m,n,k,p,tensor,key\n", cmdline);
	if (fclose(f))
		return gb_error("cannot write '%s': %s", out, strerror(errno));
	return 0;
}

/* The log, its header mapped and initialised; NULL after a message. */
static struct gb_rec_counts *record_log_create(const char *path)
{
	struct gb_rec_counts *c;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		gb_error("cannot create '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (ftruncate(fd, GB_REC_LOG_HEADER) < 0) {
		gb_error("cannot size '%s': %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	c = mmap(NULL, GB_REC_LOG_HEADER, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (c == MAP_FAILED) {
		gb_error("cannot map '%s': %s", path, strerror(errno));
		return NULL;
	}
	c->magic = GB_REC_COUNTS_MAGIC;
	c->capacity = GB_REC_LOG_CAPACITY;
	return c;
}

/* An entry of the log, with its place in the log for a stable sort. */
struct record_row {
	struct gb_rec_entry e;
	size_t order;
};

static int record_row_cmp(const void *a, const void *b)
{
	const struct record_row *x = a, *y = b;

	if (x->e.arrival != y->e.arrival)
		return x->e.arrival < y->e.arrival ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * The complete entries of the log at path (n of them, sorted by arrival,
 * claim order among equals); NULL with *n = 0 when there are none.
 */
static struct record_row *record_log_entries(const char *path, const struct gb_rec_counts *c,
					     size_t *n)
{
	uint64_t claimed = c->next_entry < c->allocated ? c->next_entry : c->allocated;
	const struct gb_rec_entry *e;
	struct record_row *rows = NULL;
	size_t len = 0, keep = 0;
	char *buf;

	*n = 0;
	buf = gb_read_file(path, &len);
	if (!buf)
		return NULL;
	if (len >= GB_REC_LOG_HEADER) {
		size_t avail = (len - GB_REC_LOG_HEADER) / sizeof(*e);

		if (claimed > avail)
			claimed = avail;
		e = (const struct gb_rec_entry *)(buf + GB_REC_LOG_HEADER);
		rows = gb_xmalloc((claimed ? claimed : 1) * sizeof(*rows));
		/* An entry its process did not finish (killed while filling it) is left out. */
		for (size_t i = 0; i < claimed; i++)
			if (e[i].func >= 1 && e[i].func <= GB_REC_NFUNCS) {
				memcpy(&rows[keep].e, &e[i], sizeof(*e));
				rows[keep].order = i;
				keep++;
			}
	}
	free(buf);
	if (!keep) {
		free(rows);
		return NULL;
	}
	qsort(rows, keep, sizeof(*rows), record_row_cmp);
	*n = keep;
	return rows;
}

/* The environment the program runs in (called in the child, before exec). */
static void record_child_env(const char *preload, const char *log, uint64_t t0)
{
	const char *old = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
	char buf[32];

	if (old && *old) {
		char *v = gb_xasprintf("%s:%s", preload, old);

		setenv("LD_PRELOAD", v, 1);
		free(v);
	} else {
		setenv("LD_PRELOAD", preload, 1);
	}
	setenv(GB_REC_ENV_LOG, log, 1);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)t0);
	setenv(GB_REC_ENV_T0, buf, 1);
	/* An ASan program would refuse to start with a library before its runtime. */
	if (asan && *asan) {
		char *v = gb_xasprintf("%s:verify_asan_link_order=0", asan);

		setenv("ASAN_OPTIONS", v, 1);
		free(v);
	} else {
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
	}
}

/* "NAME COUNT, ..." of the functions sel selects with a count > 0, or "none". */
static void record_put_counts(FILE *f, const struct gb_rec_counts *c, int mapped)
{
	int any = 0;

	for (int i = 0; i < GB_REC_NFUNCS; i++) {
		uint64_t n = mapped ? c->rows[i] : c->calls[i];

		if (record_fn_mapped[i] != mapped || !n)
			continue;
		fprintf(f, "%s%s %llu", any ? ", " : "", record_fn_names[i], (unsigned long long)n);
		any = 1;
	}
	if (!any)
		fputs("none", f);
}

static void record_put_exit(FILE *f, int status)
{
	if (WIFSIGNALED(status))
		fprintf(f, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		fprintf(f, "%d", WEXITSTATUS(status));
}

/* Prefix of "# key: value" lines, the end-of-run metadata. */
static void record_put_meta(FILE *f, const struct gb_rec_counts *c, int status)
{
	int any = 0;

	fputs("# recorded: ", f);
	record_put_counts(f, c, 1);
	fputs("\n# unmapped: ", f);
	record_put_counts(f, c, 0);
	fputs("\n", f);
	for (int i = 0; i < GB_REC_NFUNCS; i++)
		for (int s = 0; s < GB_REC_NSKIPS; s++) {
			if (!c->skips[i][s])
				continue;
			fprintf(f, "%s%s %llu (%s)", any ? ", " : "# skipped: ", record_fn_names[i],
				(unsigned long long)c->skips[i][s], record_skip_why[s]);
			any = 1;
		}
	if (any)
		fputs("\n", f);
	fprintf(f, "# processes: %u\n# exit: ", c->processes);
	record_put_exit(f, status);
	fputs("\n", f);
}

/*
 * Write out: the preamble it holds, the end-of-run metadata, the header
 * row and a row per entry. *flops gets the rows' FLOPs.
 */
static int record_finish(const char *out, const struct gb_rec_counts *c, int status,
			 const struct record_row *rows, size_t n, double *flops)
{
	static const char header[] = "arrival_ns,stream,op,m,n,k,p,tensor,key\n";
	struct gb_atomic a;
	size_t len;
	char *buf, *h;
	int rc;

	*flops = 0;
	buf = gb_read_file(out, &len);
	if (!buf)
		return -1;
	h = strstr(buf, header);
	if (!h || (h != buf && h[-1] != '\n')) {
		free(buf);
		return gb_error("'%s' lost its header row while the program ran", out);
	}
	rc = gb_atomic_open(&a, out);
	if (!rc) {
		fwrite(buf, 1, (size_t)(h - buf), a.f);
		record_put_meta(a.f, c, status);
		fputs(header, a.f);
		for (size_t i = 0; i < n; i++) {
			const struct gb_rec_entry *e = &rows[i].e;

			fprintf(a.f, "%llu,%u,matmul,%u,%u,%u,0,w%u,\n",
				(unsigned long long)e->arrival, e->stream, e->m, e->n, e->k,
				e->tensor);
			*flops += 2.0 * e->m * (double)e->n * (double)e->k;
		}
		if (ferror(a.f)) {
			gb_atomic_abort(&a);
			rc = gb_error("cannot write '%s'", out);
		} else {
			rc = gb_atomic_commit(&a);
		}
	}
	free(buf);
	return rc;
}

/* A summary of what was seen but not mapped, on stderr. */
static void record_note_unmapped(const struct gb_rec_counts *c)
{
	char line[1024];
	size_t used = 0;

	for (int i = 0; i < GB_REC_NFUNCS; i++) {
		uint64_t skipped = 0;

		for (int s = 0; s < GB_REC_NSKIPS; s++)
			skipped += c->skips[i][s];
		if (!record_fn_mapped[i] ? !c->calls[i] : !skipped)
			continue;
		if (used < sizeof(line))
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s %llu",
						 used ? ", " : "", record_fn_names[i],
						 (unsigned long long)(record_fn_mapped[i] ? skipped :
								      c->calls[i]));
	}
	if (used)
		gb_note("gbench record: seen but not recorded (counted in the trace's header): %s",
			line);
}

static volatile sig_atomic_t record_child;

/* SIGTERM and SIGHUP go on to the program; the trace is written when it has gone. */
static void record_pass_on(int sig)
{
	if (record_child > 0)
		kill((pid_t)record_child, sig);
}

/* Run argv with the recorder; its wait status in *status. 0, or -1 when it could not run. */
static int record_run(char **argv, const char *preload, const char *log, int *status)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, pass = { .sa_handler = record_pass_on };
	struct sigaction old_int, old_quit, old_term, old_hup;
	int pfd[2], err = 0;
	uint64_t t0;
	ssize_t got;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return gb_error("pipe: %s", strerror(errno));
	t0 = gb_now_ns();
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return gb_error("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(pfd[0]);
		record_child_env(preload, log, t0);
		execvp(argv[0], argv);
		err = errno;
		/* The parent reads why; the pipe closes on a successful exec. */
		if (write(pfd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	record_child = pid;
	close(pfd[1]);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigaction(SIGTERM, &pass, &old_term);
	sigaction(SIGHUP, &pass, &old_hup);
	do
		got = read(pfd[0], &err, sizeof(err));
	while (got < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	record_child = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	if (got == (ssize_t)sizeof(err)) {
		errno = err;
		return -1;
	}
	return 0;
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = RECORD_DEFAULT_OUT, *preload;
	char *cmdline, *log_path, *abs_log = NULL;
	struct gb_rec_counts *counts;
	struct record_row *entries = NULL;
	int c, quiet = 0, status = 0, rc, code;
	size_t nrows = 0;
	double flops;

	optind = 0;
	while ((c = gb_cli_getopt(argc, argv, "+o:qh", opts)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return GB_EXIT_OK;
		default:
			return gb_cli_bad_option(c, record_usage, opts, argv);
		}
	}
	if (optind >= argc) {
		gb_error("no program to record: gbench record [-o FILE] -- CMD [ARGS...]");
		return record_bad_usage();
	}
	if (!*out) {
		gb_error("-o needs a file name");
		return record_bad_usage();
	}
	preload = record_find_preload();
	if (!preload)
		return GB_EXIT_ENV;

	cmdline = record_cmdline(argv + optind);
	if (record_write_preamble(out, cmdline) < 0) {
		free(cmdline);
		return GB_EXIT_USAGE;
	}
	log_path = gb_xasprintf("%s.log.%ld", out, (long)getpid());
	counts = record_log_create(log_path);
	/* An absolute name: the program may change directory before it starts others. */
	abs_log = counts ? realpath(log_path, NULL) : NULL;
	if (!abs_log) {
		if (counts)
			gb_error("cannot resolve '%s': %s", log_path, strerror(errno));
		unlink(out);
		unlink(log_path);
		code = GB_EXIT_USAGE;
		goto done;
	}

	if (record_run(argv + optind, preload, abs_log, &status) < 0) {
		int err = errno;

		gb_error("cannot run '%s': %s", argv[optind], strerror(err));
		unlink(out);
		unlink(log_path);
		code = err == ENOENT ? 127 : 126;
		goto done;
	}
	code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	entries = record_log_entries(log_path, counts, &nrows);
	rc = record_finish(out, counts, status, entries, nrows, &flops);
	if (rc < 0) {
		gb_warn("the calls recorded are left in '%s'", log_path);
		if (!code)
			code = GB_EXIT_USAGE;
		goto done;
	}
	unlink(log_path);
	if (!nrows) {
		gb_warn("'%s' made no call gbench records (cblas_sgemm, cblas_sgemv, sgemm_, "
			"sgemv_): '%s' holds no requests", argv[optind], out);
	} else if (!quiet) {
		gb_note("gbench record: %zu matmul requests (%.4g %s) of '%s' in '%s'", nrows,
			flops < 1e9 ? flops / 1e6 : flops / 1e9, flops < 1e9 ? "MFLOP" : "GFLOP",
			argv[optind], out);
	}
	if (!quiet || !nrows)
		record_note_unmapped(counts);
	if (WIFSIGNALED(status))
		gb_warn("'%s' was killed by signal %d (%s); '%s' holds what it recorded",
			argv[optind], WTERMSIG(status), strsignal(WTERMSIG(status)), out);
	else if (code)
		gb_warn("'%s' exited with status %d; '%s' holds what it recorded", argv[optind],
			code, out);
done:
	if (counts)
		munmap(counts, GB_REC_LOG_HEADER);
	free(entries);
	free(abs_log);
	free(log_path);
	free(cmdline);
	return code;
}
