/*
 * cmd-import.c - `gbench import torch-profiler FILE.json [-o OUT]`: a
 * trace another tool recorded, made a gbench trace. One format so far: a
 * PyTorch profiler trace (Chrome trace JSON, record_shapes=True), read by
 * bench/import/torch-trace.c and mapped by bench/import/torch-map.c.
 *
 * A straight line: parse (a JSON error is FILE:LINE:COLUMN, exit 2), map
 * (a trace with nothing to replay is exit 2), write OUT atomically, and
 * say on stderr what was imported and what was not.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "import/torch-map.h"
#include "import/torch-trace.h"

static const char import_usage[] =
	"usage: gbench import torch-profiler FILE.json [-o OUT] [-q]\n"
	"\n"
	"Make a gbench trace from a PyTorch profiler trace (torch.profiler with\n"
	"record_shapes=True, exported with prof.export_chrome_trace): aten matmul-family\n"
	"ops to matmul rows (the weight is the second operand, named by its place in a\n"
	"step), softmax, layer or rms norm to rmsnorm, silu, sum to reduce, fft; nested\n"
	"ops counted once, at the op that computes; times and threads kept. Every op\n"
	"with no gbench equivalent is listed in the trace's header with its count and\n"
	"share of the time. See docs/recording.md.\n"
	"\n"
	"    -o, --out OUT   the trace to write (default: FILE's name, .json replaced by .csv,\n"
	"                    in the current folder); '-' is stdout\n"
	"    -q, --quiet     no summary on stderr\n"
	"    -h, --help      show this help\n"
	"\n"
	"Exit status: 0, or 2 for a usage error or a FILE that is not a profiler trace\n"
	"with anything to replay (nothing is written then).\n";

static int import_bad_usage(void)
{
	return gb_cli_usage(import_usage);
}

/* FILE's base name with .json (or .json.gz, .pt.trace.json) replaced by .csv. */
static char *import_default_out(const char *in)
{
	static const char *const ext[] = { ".pt.trace.json", ".json" };
	const char *base = strrchr(in, '/');
	size_t len;

	base = base ? base + 1 : in;
	len = strlen(base);
	for (size_t i = 0; i < GB_ARRAY_SIZE(ext); i++) {
		size_t e = strlen(ext[i]);

		if (len > e && !strcmp(base + len - e, ext[i])) {
			len -= e;
			break;
		}
	}
	return gb_xasprintf("%.*s.csv", (int)len, base);
}

static int import_write(const char *out, const struct gb_import *im, const struct gb_tp_trace *t,
			const char *in)
{
	struct gb_atomic a;

	if (gb_cli_is_stdout(out)) {
		gb_import_write(stdout, im, t, in);
		return fflush(stdout) == EOF || ferror(stdout) ? gb_error("cannot write to stdout") : 0;
	}
	if (gb_atomic_open(&a, out) < 0)
		return -1;
	gb_import_write(a.f, im, t, in);
	return gb_atomic_commit(&a);
}

/* What was made, and the ops left out that took the most time, on stderr. */
static void import_summary(const struct gb_import *im, const char *out)
{
	uint64_t per_op[GB_OP_COUNT] = { 0 }, listed = 0, listed_ns = 0;
	char line[512];
	size_t used = 0;
	char *o = gb_escape_msg(out);

	for (size_t i = 0; i < im->nrows; i++)
		per_op[im->rows[i].shape.op]++;
	for (int op = 0; op < GB_OP_COUNT; op++)
		if (per_op[op] && used < sizeof(line))
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s %llu",
						 used ? ", " : "", gb_op_name((enum gb_op)op),
						 (unsigned long long)per_op[op]);
	for (size_t i = 0; i < im->nops; i++)
		if (im->ops[i].fate == GB_IMPORT_UNMAPPED || im->ops[i].fate == GB_IMPORT_SKIPPED) {
			listed += im->ops[i].count;
			listed_ns += im->ops[i].self_ns;
		}
	gb_note("gbench import: '%s': %zu requests (%s), %u weights", o, im->nrows, line,
		im->nweights);
	gb_note("gbench import: %llu op calls not imported (%.1f%% of the ops' time), listed in "
		"its header", (unsigned long long)listed,
		im->self_ns ? 100.0 * (double)listed_ns / (double)im->self_ns : 0.0);
	free(o);
}

static int import_torch(const char *in, const char *out_opt, int quiet)
{
	struct gb_tp_trace t;
	struct gb_import im;
	char *out;
	int rc;

	if (out_opt && gb_cli_check_output("--out", out_opt) < 0)
		return GB_EXIT_USAGE;
	if (gb_tp_load(in, &t) < 0)
		return GB_EXIT_USAGE;
	if (gb_import_torch(&t, in, &im) < 0) {
		gb_tp_release(&t);
		return GB_EXIT_USAGE;
	}
	out = out_opt ? gb_xstrdup(out_opt) : import_default_out(in);
	rc = import_write(out, &im, &t, in);
	if (!rc && !quiet)
		import_summary(&im, out);
	gb_import_release(&im);
	gb_tp_release(&t);
	free(out);
	return rc ? GB_EXIT_USAGE : GB_EXIT_OK;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	int quiet = 0, c;
	char *f;

	/* Options may come before or after the operands (getopt permutes argv). */
	optind = 1;
	while ((c = gb_cli_getopt(argc, argv, "o:qh", opts)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(import_usage, stdout);
			return GB_EXIT_OK;
		default:
			return gb_cli_bad_option(c, import_usage, opts, argv);
		}
	}
	if (argc - optind != 2) {
		if (argc - optind > 2) {
			f = gb_escape_msg(argv[optind + 2]);
			gb_error("unexpected argument '%s'", f);
			free(f);
		} else {
			gb_error(argc - optind ? "no FILE.json to import" :
						 "no format and FILE.json to import");
		}
		return import_bad_usage();
	}
	if (strcmp(argv[optind], "torch-profiler")) {
		f = gb_escape_msg(argv[optind]);
		gb_error("unknown format '%s' (known: torch-profiler)", f);
		free(f);
		return import_bad_usage();
	}
	return import_torch(argv[optind + 1], out, quiet);
}
