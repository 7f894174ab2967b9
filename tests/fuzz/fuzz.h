/*
 * fuzz.h - what the libFuzzer harnesses tests/fuzz/fuzz-*.c share.
 *
 * gbench's readers take paths, so a harness writes its input to a file in
 * a temp folder made once per process (removed at exit) and calls the real
 * reader on it. The readers report every problem on stderr; the runner
 * (tests/fuzz/run.sh) passes -close_fd_mask=2 so millions of those lines do
 * not drown the log, and libFuzzer then sends its own output and the
 * sanitizers' reports to a copy of the old stderr. fuzz_fail() writes to
 * that copy too, so a broken invariant is explained before the abort that
 * libFuzzer saves as a crash.
 */
#ifndef GB_FUZZ_H
#define GB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "gbench.h"

/*
 * The harness: each fuzz-NAME.c defines it, and fuzz-common.c's
 * LLVMFuzzerTestOneInput calls it with stdout and stderr captured, then
 * fails the input if what the code under test printed holds a control
 * byte other than the newline: every message is one line, and no name
 * from the input reaches a terminal as an escape sequence. What was
 * captured then goes where stdout and stderr went (nowhere under
 * -close_fd_mask=3, the terminal when a finding is replayed by hand). The
 * return value is ignored, as libFuzzer's own is.
 */
int fuzz_one(const uint8_t *data, size_t size);

/* The per-process temp folder, created on first use. */
const char *fuzz_dir(void);
/* dir/name holding exactly data[0..size); returns the path (static, per name slot). */
const char *fuzz_write(const char *name, const void *data, size_t size);
/* Remove dir/name if present. */
void fuzz_remove(const char *name);
/* Print "fuzz: invariant broken: ..." where it will be seen, then abort(). */
void fuzz_fail(const char *fmt, ...) GB_PRINTF(1, 2) __attribute__((noreturn));

#define FUZZ_CHECK(cond, ...)                                                \
	do {                                                                 \
		if (!(cond))                                                 \
			fuzz_fail(__VA_ARGS__);                              \
	} while (0)

/*
 * Split data at every "\n@@@@\n" into at most nparts parts (the rest
 * stays in the last): how one input holds several files. Returns the
 * number of parts found; part i is data + off[i], len[i] bytes.
 */
size_t fuzz_split(const uint8_t *data, size_t size, size_t nparts, size_t *off, size_t *len);

#define FUZZ_SEP "\n@@@@\n"

/*
 * folder/name, a file a writer made from names in its input, as the sinks of
 * bench/escape.h promise: no control byte but the newline (and the tab in
 * chart scripts, chart data and XML); in Markdown (.md) every table row
 * with its header's cells (a name's unescaped '|' adds one); in a chart
 * script or its data (.gp, .dat) no line that starts with system or !, a
 * command of gnuplot's own. Other files are not looked at. Fails the input
 * (fuzz_fail) where one is broken.
 */
void fuzz_check_output(const char *folder, const char *name);
/* fuzz_check_output on every file of folder (its names not starting with '.'); the folder must exist. */
void fuzz_check_folder(const char *folder);

#endif
