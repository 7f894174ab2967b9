/*
 * cmd-synth.c - `gbench synth`: write a synthetic trace generated from
 * seeded distributions (synth.h) to stdout or, atomically, to a file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "fsio.h"
#include "gbench.h"
#include "synth.h"
#include "trace.h"

static const char synth_usage[] =
	"usage: gbench synth --kind KIND [--tier TIER] [--seed S] [--requests N]\n"
	"                    [--rate QPS] [--zipf S] [--out FILE]\n"
	"\n"
	"Generate a gbench-trace v1 workload from seeded distributions (Poisson\n"
	"arrivals, Zipf-repeated keys). The same arguments give the same bytes.\n"
	"\n"
	"    --kind KIND     llm-decode, llm-prefill, vector-search or audio-features\n"
	"    --tier TIER     sizes: ci (default), low-end, mid-range or high-end\n"
	"    --seed S        random seed (default 42)\n"
	"    --requests N    top-level arrivals: sequences (llm-decode), prompts\n"
	"                    (llm-prefill), queries (vector-search) or clips\n"
	"                    (audio-features); default from the tier\n"
	"    --rate QPS      Poisson rate of those arrivals per second; default from the tier\n"
	"    --zipf S        Zipf exponent of repeated keys (default 1)\n"
	"    --out FILE      write FILE (atomically) instead of stdout ('-': stdout)\n"
	"    -h, --help      show this help\n";

static int synth_bad_usage(void)
{
	return gb_cli_usage(synth_usage);
}

int cmd_synth(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "tier", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "zipf", required_argument, NULL, 'z' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gb_synth_params p = { .tier = GB_TIER_CI, .seed = 42 };
	const char *out = NULL;
	struct gb_trace t;
	int have_kind = 0, c, rc;
	uint64_t u;

	optind = 0;
	while ((c = gb_cli_getopt(argc, argv, "+h", opts)) != -1) {
		switch (c) {
		case 'k':
			if (gb_synth_kind_parse(optarg, &p.kind) < 0) {
				gb_error("unknown kind '%s' (llm-decode, llm-prefill, "
					 "vector-search, audio-features)", optarg);
				return synth_bad_usage();
			}
			have_kind = 1;
			break;
		case 't':
			if (gb_synth_tier_parse(optarg, &p.tier) < 0) {
				gb_error("unknown tier '%s' (ci, low-end, mid-range, high-end)",
					 optarg);
				return synth_bad_usage();
			}
			break;
		case 's':
			if (gb_parse_u64(optarg, UINT64_MAX, &u) < 0) {
				gb_error("--seed '%s' is not a non-negative integer", optarg);
				return synth_bad_usage();
			}
			p.seed = u;
			break;
		case 'n':
			if (gb_parse_u64(optarg, 100000000, &u) < 0 || !u) {
				gb_error("--requests '%s' is not an integer in 1..100000000", optarg);
				return synth_bad_usage();
			}
			p.requests = (uint32_t)u;
			break;
		case 'r':
			if (gb_parse_double(optarg, 0, 1e15, &p.rate) < 0) {
				gb_error("--rate '%s' is not a positive number", optarg);
				return synth_bad_usage();
			}
			break;
		case 'z':
			if (gb_parse_double(optarg, 0, 1e15, &p.zipf_s) < 0 || p.zipf_s > 100) {
				gb_error("--zipf '%s' is not a number in (0, 100]", optarg);
				return synth_bad_usage();
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(synth_usage, stdout);
			return GB_EXIT_OK;
		default:
			return gb_cli_bad_option(c, synth_usage, opts, argv);
		}
	}
	if (optind < argc) {
		gb_error("unexpected argument '%s'", argv[optind]);
		return synth_bad_usage();
	}
	if (!have_kind) {
		gb_error("--kind is required");
		return synth_bad_usage();
	}

	if (out && gb_cli_check_output("--out", out) < 0)
		return GB_EXIT_USAGE;
	if (gb_synth_generate(&p, &t) < 0)
		return GB_EXIT_USAGE;
	if (out && !gb_cli_is_stdout(out)) {
		struct gb_atomic a;

		rc = gb_atomic_open(&a, out);
		if (!rc) {
			rc = gb_trace_write(a.f, &t);
			if (rc)
				gb_atomic_abort(&a);
			else
				rc = gb_atomic_commit(&a);
		}
	} else {
		rc = gb_trace_write(stdout, &t);
	}
	gb_trace_release(&t);
	/* A file we could not write is an input/output problem: exit 2. */
	return rc ? GB_EXIT_USAGE : GB_EXIT_OK;
}
