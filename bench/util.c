/*
 * util.c - diagnostics, allocation, clock, hashing and string lists shared
 * by every unit (declared in gbench.h).
 */
#include "gbench.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buildinfo.h"
#include "escape.h"
#include "fsio.h"

int gb_quiet;
const char *gb_cmd_name;

/*
 * One line on stderr, written at once (children of a shared run share it;
 * glibc writes an unbuffered stream's fprintf in one go), whatever the
 * arguments hold: a control character left in one (a path from meta.json,
 * a name a caller did not pass through gb_escape_msg, a field of a bad
 * trace row) is written as \n, \r, \t or \xNN (gb_escape_ctl: backslashes
 * left alone, so a name already escaped reads the same). head: what comes
 * before the message ("gbench run: error: ", "FILE:LINE: "), escaped too.
 */
static void vline(const char *head, const char *fmt, va_list ap)
{
	char *msg = NULL, *whole = NULL, *line;

	/* on failure *strp is undefined: nothing of it is freed */
	if (vasprintf(&msg, fmt, ap) < 0) {
		fprintf(stderr, "gbench: (no memory for a message)\n");
		return;
	}
	if (asprintf(&whole, "%s%s", head, msg) < 0) {
		fprintf(stderr, "gbench: (no memory for a message)\n");
		free(msg);
		return;
	}
	line = gb_escape_ctl(whole);
	fprintf(stderr, "%s\n", line);
	free(line);
	free(whole);
	free(msg);
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	char head[128];

	snprintf(head, sizeof(head), "gbench%s%s: %s", gb_cmd_name ? " " : "",
		 gb_cmd_name ? gb_cmd_name : "", kind);
	vline(head, fmt, ap);
}

int gb_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return -1;
}

void gb_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void gb_note(const char *fmt, ...)
{
	va_list ap;

	if (gb_quiet)
		return;
	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

int gb_verror_at(const char *path, unsigned line, const char *fmt, va_list ap)
{
	char *head = NULL;

	if (asprintf(&head, "%s:%u: ", path, line) < 0)
		head = NULL;   /* undefined on failure */
	vline(head ? head : "", fmt, ap);
	free(head);
	return -1;
}

int gb_error_at(const char *path, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gb_verror_at(path, line, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * An allocation the memory plan (plan/memplan.c) did not foresee failed:
 * one line and exit 4, the environment's fault, not an abort's core and
 * status 134. _exit, not exit: another thread may be using what exit's
 * handlers would tear down. Files are written atomically, so none is left
 * half written; a staging folder or lock left behind is reclaimed by the
 * next command once this pid is gone.
 */
static void *oom(size_t n)
{
	char line[96];
	int len = snprintf(line, sizeof(line), "gbench: fatal: out of memory allocating %zu bytes "
			   "(exit 4)\n", n);

	ssize_t w = write(2, line, (size_t)len);

	(void)w;   /* nothing else to tell, and nowhere else to tell it */
	_exit(GB_EXIT_ENV);
}

void *gb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	return p ? p : oom(n);
}

void *gb_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	return p ? p : oom(n * size);
}

void *gb_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	return q ? q : oom(n);
}

char *gb_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(gb_xmalloc(n), s, n);
}

char *gb_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? oom(0) : s;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int gb_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	s = skip_blanks(s);
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *skip_blanks(end) || v > max)
		return -1;
	*out = v;
	return 0;
}

int gb_parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	s = skip_blanks(s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *skip_blanks(end) || !(v > lo) || !(v <= hi))
		return -1;
	*out = v;
	return 0;
}

uint64_t gb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void gb_utc_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "unknown");
}

uint64_t gb_fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int gb_keyed_cmp(const void *a, const void *b)
{
	const struct gb_keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

char **gb_strv_split(const char *list)
{
	size_t n = 0, cap = 4;
	char **v = gb_xmalloc(cap * sizeof(*v));
	const char *p = list ? list : "";

	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *b = p, *e = p + len;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b) {
			if (n + 2 > cap)
				v = gb_xrealloc(v, (cap *= 2) * sizeof(*v));
			v[n] = gb_xmalloc((size_t)(e - b) + 1);
			memcpy(v[n], b, (size_t)(e - b));
			v[n][e - b] = '\0';
			n++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	v[n] = NULL;
	return v;
}

void gb_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t gb_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int gb_str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

const char *gb_exe_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t len;
	char *slash;

	if (dir[0])
		return dir;
	len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (len <= 0) {
		dir[0] = '\0';
		return NULL;
	}
	dir[len] = '\0';
	slash = strrchr(dir, '/');
	if (!slash) {
		dir[0] = '\0';
		return NULL;
	}
	*slash = '\0';
	return dir;
}

const char *gb_datadir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("GBENCH_DATA");
	const char *exe;

	if (dir[0])
		return dir;
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	/* Installed: PREFIX/bin/gbench next to PREFIX/share/gbench. */
	exe = gb_exe_dir();
	if (exe) {
		snprintf(dir, sizeof(dir), "%.*s/../share/gbench", (int)(sizeof(dir) - 20), exe);
		if (gb_is_dir(dir))
			return dir;
	}
	snprintf(dir, sizeof(dir), "%s", GB_SRCDIR);
	return dir;
}

int gb_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}
