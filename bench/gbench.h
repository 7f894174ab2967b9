/*
 * gbench.h - what every unit of gbench shares: exit codes, diagnostics and
 * a few small helpers.
 *
 * Convention (after git): library functions print a one-line message with
 * gb_error() and return a negative status; only main() and cmd_*() exit.
 * Messages are lowercase, without a full stop, and name the file and line or
 * the cause.
 */
#ifndef GB_GBENCH_H
#define GB_GBENCH_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of every command (DESIGN.md section 4). */
enum gb_exit {
	GB_EXIT_OK = 0,            /* success, no regression */
	GB_EXIT_REGRESSION = 1,    /* compare found a regression */
	GB_EXIT_USAGE = 2,         /* usage or input error; nothing written */
	GB_EXIT_INCONCLUSIVE = 3,  /* compare could not decide */
	GB_EXIT_ENV = 4,           /* environment error (no required device) */
	GB_EXIT_CORRECTNESS = 5,   /* accuracy over budget, validation message */
	GB_EXIT_INTERRUPTED = 130, /* SIGINT */
};

#define GB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define GB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GB_PRINTF(f, a)
#endif

/*
 * "gbench CMD: error: ..." on stderr (CMD is gb_cmd_name, set by main to
 * the command; "gbench: error: ..." when NULL); returns -1 so callers can
 * 'return gb_error()'.
 */
extern const char *gb_cmd_name;
int gb_error(const char *fmt, ...) GB_PRINTF(1, 2);
/* "gbench: warning: ..." on stderr. */
void gb_warn(const char *fmt, ...) GB_PRINTF(1, 2);
/* Progress and notes on stderr, a line each, suppressed by gb_quiet. */
void gb_note(const char *fmt, ...) GB_PRINTF(1, 2);
/*
 * "PATH:LINE: ..." on stderr: a problem in a file's content, in the
 * compilers' form (editors jump to it); returns -1. Like gb_error, one
 * line whatever the arguments hold (a field of the bad row included).
 */
int gb_error_at(const char *path, unsigned line, const char *fmt, ...) GB_PRINTF(3, 4);
int gb_verror_at(const char *path, unsigned line, const char *fmt, va_list ap) GB_PRINTF(3, 0);
extern int gb_quiet;

/* Allocation that cannot fail: aborts with a message on out-of-memory. */
void *gb_xmalloc(size_t n);
void *gb_xcalloc(size_t n, size_t size);
void *gb_xrealloc(void *p, size_t n);
char *gb_xstrdup(const char *s);
char *gb_xasprintf(const char *fmt, ...) GB_PRINTF(1, 2);

/*
 * Parse all of s (spaces and tabs around it allowed) as a decimal integer
 * in [0, max], or as a number in (lo, hi]; 0 or -1. No message: the caller
 * names what it was parsing.
 */
int gb_parse_u64(const char *s, uint64_t max, uint64_t *out);
int gb_parse_double(const char *s, double lo, double hi, double *out);

/*
 * *out = a * b, or -1 (no message; *out untouched) when that overflows
 * size_t: sizes computed from counts read from files go through this.
 */
static inline int gb_size_mul(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}

/* Monotonic clock in nanoseconds. */
uint64_t gb_now_ns(void);

/* The wall-clock time now, UTC, as ISO 8601 (2026-12-07T01:02:03Z); len >= 21. */
void gb_utc_now(char *buf, size_t len);

/* 64-bit FNV-1a over bytes, chainable (pass the previous hash as h). */
#define GB_FNV_INIT 0xcbf29ce484222325ULL
uint64_t gb_fnv1a(uint64_t h, const void *data, size_t n);
/*
 * An index ranked by a key, for qsort with gb_keyed_cmp: ascending key,
 * ties in index order, so that equal keys sort the same every time.
 */
struct gb_keyed {
	double key;
	size_t i;
};
int gb_keyed_cmp(const void *a, const void *b);

/*
 * Split a comma-separated list into a NULL-terminated array of trimmed,
 * non-empty strings (caller frees with gb_strv_free). Never fails.
 */
char **gb_strv_split(const char *list);
void gb_strv_free(char **v);
size_t gb_strv_len(char *const *v);
/* 1 when s ends with suffix. */
int gb_str_ends_with(const char *s, const char *suffix);

/*
 * Where shipped data lives: $GBENCH_DATA, else the installed share folder
 * next to the binary (../share/gbench), else the source tree the binary was
 * built in. Returns a static string naming a folder that holds workloads/
 * and bench/configs/ (or configs/ when installed).
 */
const char *gb_datadir(void);
/* The folder of the running gbench binary (/proc/self/exe), or NULL. */
const char *gb_exe_dir(void);

/* The number of online CPUs (at least 1). */
int gb_ncpus(void);

#endif
