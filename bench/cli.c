/*
 * cli.c - the command-line conventions shared by every command (cli.h):
 * option and value errors with a suggestion, "-" as stdout, output paths
 * checked up front, the version banner.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildinfo.h"
#include "escape.h"
#include "fsio.h"

size_t gb_cli_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, r;
	size_t *d;

	/* a transposition looks two rows back: three rows of lb + 1 */
	d = gb_xcalloc((lb + 1) * 3, sizeof(*d));
#define D(i, j) d[((i) % 3) * (lb + 1) + (j)]
	for (i = 0; i <= la; i++) {
		for (j = 0; j <= lb; j++) {
			size_t v;

			if (i == 0 || j == 0) {
				D(i, j) = i + j;
				continue;
			}
			v = D(i - 1, j - 1) + (a[i - 1] != b[j - 1]);
			if (D(i - 1, j) + 1 < v)
				v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

const char *gb_cli_suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, wl = strlen(word);

	if (!wl)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t cl = strlen(cands[i]), d, lim;

		if (!cl)
			continue;
		d = gb_cli_distance(word, cands[i]);
		lim = (wl > cl ? wl : cl) / 3;
		if (lim < 1)
			lim = 1;
		/* a prefix of a longer name ("--thr" for "--threshold") is as good as a typo */
		if (d > lim && !(wl >= 3 && !strncmp(word, cands[i], wl)))
			continue;
		if (d < bestd) {
			best = cands[i];
			bestd = d;
		}
	}
	return best;
}

/* argv[0] of a command is its name ("compare"); main sets gb_cmd_name too. */
static const char *cmd_name(void)
{
	return gb_cmd_name ? gb_cmd_name : "";
}

int gb_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *opts)
{
	if (optind <= 1 && argc == 2 && !strcmp(argv[1], "--list-options")) {
		for (const struct option *o = opts; o->name; o++)
			printf("--%s%s\n", o->name, o->has_arg == required_argument ? "=" : "");
		optind = argc;
		return GB_CLI_LISTED;
	}
	opterr = 0;
	return getopt_long(argc, argv, shortopts, opts, NULL);
}

/* The usage's synopsis: its lines up to the first blank one. */
static void print_synopsis(const char *usage)
{
	const char *end = usage ? strstr(usage, "\n\n") : NULL;

	if (usage)
		fprintf(stderr, "%.*s\n", (int)(end ? (size_t)(end - usage) : strlen(usage)), usage);
	if (*cmd_name())
		fprintf(stderr, "see 'gbench %s -h'\n", cmd_name());
	else
		fputs("see 'gbench -h'\n", stderr);
}

int gb_cli_usage(const char *usage)
{
	print_synopsis(usage);
	return GB_EXIT_USAGE;
}

/* opts' long names as "--name" strings (caller frees the array, not the strings). */
static char **long_names(const struct option *opts, size_t *n)
{
	size_t k = 0, i = 0;
	char **v;

	while (opts[k].name)
		k++;
	v = gb_xcalloc(k + 1, sizeof(*v));
	for (i = 0; i < k; i++)
		v[i] = gb_xasprintf("--%s", opts[i].name);
	*n = k;
	return v;
}

static const struct option *find_long(const struct option *opts, const char *name, size_t len)
{
	for (const struct option *o = opts; o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

/* The option getopt stopped at, as written on the command line. */
static void report_option(const char *arg, const struct option *opts)
{
	char *msg = gb_escape_msg(arg);

	if (arg[0] == '-' && arg[1] == '-') {
		size_t len = strcspn(arg + 2, "=");
		const struct option *o = find_long(opts, arg + 2, len);
		char *name = gb_xasprintf("--%.*s", (int)len, arg + 2);
		char *ename = gb_escape_msg(name);

		if (o && arg[2 + len] == '=' && o->has_arg == no_argument) {
			gb_error("option '%s' takes no value", ename);
		} else if (o && o->has_arg == required_argument) {
			gb_error("option '%s' needs a value", ename);
		} else {
			size_t n;
			char **names = long_names(opts, &n);
			const char *s = gb_cli_suggest(name, (const char *const *)names, n);

			/* glibc takes an unambiguous prefix; two or more matches reach here */
			if (s)
				gb_error("unknown option '%s'; did you mean '%s'?", ename, s);
			else
				gb_error("unknown option '%s'", ename);
			for (size_t i = 0; i < n; i++)
				free(names[i]);
			free(names);
		}
		free(name);
		free(ename);
	} else {
		gb_error("unknown option '%s'", msg);
	}
	free(msg);
}

int gb_cli_bad_option(int c, const char *usage, const struct option *opts, char **argv)
{
	const char *last = optind > 0 ? argv[optind - 1] : NULL;
	int is_long = last && last[0] == '-' && last[1] == '-';

	if (c == GB_CLI_LISTED)
		return GB_EXIT_OK;
	if (is_long && optopt) {
		/* a long option getopt knows, refused for its value; unless the
		 * short option of a cluster ("-xq") failed after a long one */
		const struct option *o = find_long(opts, last + 2, strcspn(last + 2, "="));

		is_long = o && o->val == optopt && !o->flag;
	}
	if (is_long) {
		report_option(last, opts);
	} else if (optopt > 0 && optopt < 0x7f) {
		const struct option *o = NULL;

		for (const struct option *p = opts; p->name; p++)
			if (p->val == optopt && !p->flag)
				o = p;
		if (o && o->has_arg == required_argument && optopt >= 0x20)
			gb_error("option '-%c' (--%s) needs a value", optopt, o->name);
		else if (optopt >= 0x20)
			gb_error("unknown option '-%c'", optopt);
		else
			gb_error("unknown option");
	} else if (last) {
		report_option(last, opts);
	} else {
		gb_error("unknown option");
	}
	return gb_cli_usage(usage);
}

int gb_cli_bad_value(const char *what, const char *value, const char *const *valid)
{
	size_t n = 0, len = 0;
	char *list, *v = gb_escape_msg(value);
	const char *s;

	while (valid[n])
		len += strlen(valid[n++]) + 2;
	list = gb_xcalloc(len + 1, 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(list, ", ");
		strcat(list, valid[i]);
	}
	s = gb_cli_suggest(value, valid, n);
	if (s)
		gb_error("bad value '%s' for '%s' (valid: %s); did you mean '%s'?", v, what, list, s);
	else
		gb_error("bad value '%s' for '%s' (valid: %s)", v, what, list);
	free(list);
	free(v);
	return -1;
}

int gb_cli_choice(const char *what, const char *value, const char *const *valid)
{
	for (int i = 0; valid[i]; i++)
		if (!strcmp(value, valid[i]))
			return i;
	return gb_cli_bad_value(what, value, valid);
}

int gb_cli_check_output(const char *flag, const char *path)
{
	struct stat st;
	char *dir, *slash;
	char *e;
	int rc = 0;

	if (gb_cli_is_stdout(path))
		return 0;
	e = gb_escape_msg(path);
	if (!*path) {
		rc = gb_error("%s: an empty path", flag);
		goto out;
	}
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		rc = gb_error("%s '%s': is a folder, not a file", flag, e);
		goto out;
	}
	dir = gb_xstrdup(path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char *ed = gb_escape_msg(dir);

		rc = gb_error("%s '%s': no folder '%s' to write it in", flag, e, ed);
		free(ed);
	} else if (access(dir, W_OK | X_OK) < 0) {
		char *ed = gb_escape_msg(dir);

		rc = gb_error("%s '%s': folder '%s' is not writable: %s", flag, e, ed, strerror(errno));
		free(ed);
	}
	free(dir);
out:
	free(e);
	return rc;
}

int gb_cli_write_output(const char *path, const char *data, size_t len)
{
	struct gb_atomic a;

	if (gb_cli_is_stdout(path)) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) == EOF)
			return gb_error("cannot write to stdout: %s", strerror(errno));
		return 0;
	}
	if (gb_atomic_open(&a, path) < 0)
		return -1;
	fwrite(data, 1, len, a.f);   /* a short write is reported by commit */
	return gb_atomic_commit(&a);
}

int gb_cli_output_via(const char *path, int (*write)(const void *ctx, const char *path),
		      const void *ctx)
{
	const char *tmpdir = getenv("TMPDIR");
	char *dir, *file, *data;
	size_t len = 0;
	int rc = -1;

	if (!gb_cli_is_stdout(path))
		return write(ctx, path);
	dir = gb_xasprintf("%s/gbench-out.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		rc = gb_error("cannot make a temporary folder '%s': %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	file = gb_xasprintf("%s/out", dir);
	if (write(ctx, file) == 0 && (data = gb_read_file(file, &len)) != NULL) {
		rc = gb_cli_write_output("-", data, len);
		free(data);
	}
	if (gb_rm_tree(dir) < 0)
		gb_warn("cannot remove the temporary folder '%s'", dir);
	free(file);
	free(dir);
	return rc;
}

void gb_cli_print_line(const char *fmt, ...)
{
	va_list ap;
	char *line = NULL, *e;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)   /* line is undefined then */
		line = gb_xstrdup("(no memory for the line)");
	e = gb_escape_ctl(line);
	printf("%s\n", e);
	free(e);
	free(line);
}

void gb_cli_print_version(FILE *f)
{
	fprintf(f, "gbench %s (commit %s)\n", GB_VERSION, GB_BUILD_COMMIT);
	fprintf(f, "compiler: %s\n", GB_BUILD_CC);
	fprintf(f, "flags: %s\n", GB_BUILD_CFLAGS);
	fprintf(f, "sanitizers: %s\n", GB_BUILD_SANITIZERS);
}
