/*
 * fuzz-config.c - libFuzzer harness for the config reader (bench/config.h):
 * the input is an .ini file, loaded over the defaults with gb_config_load
 * as `run --config FILE` and `validate` load one.
 *
 * A config that loads must hold what run relies on: at least one value in
 * every list, no more than GB_MAX_LIST, batch sizes above 0, processes in
 * 1..GB_MAX_PROCESSES, rounds above 0. The per-executor counts are
 * described as `run --dry-run` prints them.
 */
#include <stdlib.h>

#include "config.h"
#include "fuzz.h"

static void check_per_exec(const struct gb_per_exec *p, const char *what)
{
	char *s;

	FUZZ_CHECK(p->n <= GB_MAX_LIST, "%s: %zu executor counts", what, p->n);
	for (size_t i = 0; i < p->n; i++)
		FUZZ_CHECK(p->exec[i] && gb_per_exec_get(p, p->exec[i]) == p->count[i],
			   "%s: executor %zu has no name or the wrong count", what, i);
	s = gb_per_exec_describe(p);
	free(s);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("fuzz.ini", data, size);
	struct gb_config c;

	gb_config_defaults(&c);
	if (gb_config_load(&c, path) == 0) {
		FUZZ_CHECK(c.workloads && c.workloads[0], "no workload");
		FUZZ_CHECK(c.executors && c.executors[0], "no executor");
		FUZZ_CHECK(c.nbatch >= 1 && c.nbatch <= GB_MAX_LIST, "%zu batch sizes", c.nbatch);
		FUZZ_CHECK(c.nquant >= 1 && c.nquant <= GB_MAX_LIST, "%zu quant levels", c.nquant);
		FUZZ_CHECK(c.ncache >= 1 && c.ncache <= GB_MAX_LIST, "%zu cache sizes", c.ncache);
		for (size_t i = 0; i < c.nbatch; i++)
			FUZZ_CHECK(c.batch[i] > 0, "batch size 0 accepted");
		FUZZ_CHECK(c.processes >= 1 && c.processes <= GB_MAX_PROCESSES,
			   "processes %u", c.processes);
		FUZZ_CHECK(c.rounds >= 1, "rounds 0 accepted");
		FUZZ_CHECK(gb_per_exec_get(&c.repetitions, NULL) >= 1 || c.repetitions.n,
			   "repetitions 0 accepted");
		FUZZ_CHECK(c.trace_dir && c.counters && c.name, "a NULL string");
		check_per_exec(&c.repetitions, "repetitions");
		check_per_exec(&c.prime, "prime");
		check_per_exec(&c.warmup, "warmup");
	}
	gb_config_release(&c);
	return 0;
}
