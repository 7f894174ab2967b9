/*
 * test-memplan.c - the memory plan: saturating size arithmetic, parts
 * adding up, the plan of a loaded trace (whose data is never generated),
 * the limit check, sizes parsed and printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gbench.h"
#include "plan/memplan.h"
#include "unit.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

TEST(arithmetic_saturates)
{
	CHECK(gb_memplan_add(2, 3) == 5);
	CHECK(gb_memplan_mul(6, 7) == 42);
	CHECK(gb_memplan_mul(0, GB_MEMPLAN_TOO_LARGE) == 0);
	CHECK(gb_memplan_mul(1ull << 32, 1ull << 31) == 1ull << 63);
	CHECK(gb_memplan_mul(1ull << 32, 1ull << 32) == GB_MEMPLAN_TOO_LARGE);
	CHECK(gb_memplan_mul((1ull << 59) + 1, 32) == GB_MEMPLAN_TOO_LARGE);
	CHECK(gb_memplan_add(UINT64_MAX - 1, 1) == GB_MEMPLAN_TOO_LARGE);
	CHECK(gb_memplan_add(UINT64_MAX - 2, 1) == UINT64_MAX - 1);
	/* once too large, always too large */
	CHECK(gb_memplan_add(GB_MEMPLAN_TOO_LARGE, 0) == GB_MEMPLAN_TOO_LARGE);
	CHECK(gb_memplan_mul(GB_MEMPLAN_TOO_LARGE, 1) == GB_MEMPLAN_TOO_LARGE);
}

TEST(parts_add_up)
{
	struct gb_memplan p;

	gb_memplan_init(&p);
	gb_memplan_part(&p, 0, "t", "tensor 'a'", 256 * MiB, 60);
	gb_memplan_part(&p, 0, "t", "tensor 'b'", 256 * MiB, 40);
	gb_memplan_part(&p, 1, "d", "on the device", 3 * MiB, 2);
	gb_memplan_part(&p, 0, "v", "varied", 10, 1);
	gb_memplan_part(&p, 0, "v", "varied", 20, 2);
	gb_memplan_part(&p, 0, "z", "nothing", 0, 5);
	CHECK(p.nparts == 3);
	CHECK(p.parts[0].count == 100 && p.parts[0].each == 256 * MiB);
	CHECK(p.parts[0].total == 25 * GiB);
	CHECK_STR(p.parts[0].what, "tensor 'a'");
	CHECK(p.parts[2].each == 0 && p.parts[2].count == 3 && p.parts[2].total == 50);
	CHECK(p.host == 25 * GiB + 50);
	CHECK(p.device == 6 * MiB);
	CHECK(gb_memplan_check(&p, 26 * GiB, "test") == 0);
	CHECK(gb_memplan_check(&p, 0, "no limit") == 0);
	CHECK(gb_memplan_check(&p, 25 * GiB, "test") == -1);
	/* a part whose size overflows makes the plan too large for any limit */
	gb_memplan_part(&p, 0, "huge", "huge", 1ull << 40, 1ull << 30);
	CHECK(p.host == GB_MEMPLAN_TOO_LARGE);
	CHECK(gb_memplan_check(&p, 0, "no limit") == -1);
	CHECK(gb_memplan_check(&p, UINT64_MAX - 1, "all of it") == -1);
	gb_memplan_release(&p);
}

/* A trace file of `rows` lines "ARRIVAL,STREAM,<fmt with %d>" in a temp file; its path. */
static char *write_trace(const char *row_fmt, int rows)
{
	char *path = gb_xstrdup("/tmp/gbench-memplan.XXXXXX.csv");
	int fd = mkstemps(path, 4);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		free(path);
		return NULL;
	}
	fputs("# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n", f);
	for (int i = 0; i < rows; i++) {
		fprintf(f, row_fmt, i, i);
		fputc('\n', f);
	}
	fclose(f);
	return path;
}

/* 100 distinct 8192x8192 matmul tensors: planned from the rows, nothing generated. */
TEST(plan_of_tensors)
{
	char *path = write_trace("%d,0,matmul,1,8192,8192,0,w%d,", 100);
	struct gb_workload w;
	struct gb_memplan p;
	struct gb_memplan_cell cells[2] = {
		{ .workload = 0, .batch = 1, .reps = 10, .quant = GB_Q_F32 },
		{ .workload = 0, .batch = 8, .reps = 10, .quant = GB_Q_Q4 },
	};
	struct gb_memplan_input in = { .wl = &w, .nwl = 1, .cells = cells, .ncells = 2,
				       .accuracy_samples = 4, .processes = 1 };
	uint64_t f32 = 256 * MiB, q4 = 8192ull * 8192 / 32 * 18;

	if (!path || gb_workload_load(&w, path, 1) < 0) {
		CHECK(!"the trace loads");
		free(path);
		return;
	}
	/* loading reads the rows only: 25 GiB of operands are not made here */
	CHECK(!w.generated && w.inputs == NULL && w.tensors[0].f32 == NULL);
	CHECK(w.ntensors == 100 && w.ninputs == 100);
	gb_memplan_compute(&p, &in);
	CHECK(p.refusal == NULL);
	CHECK(p.nparts > 3);
	/* f32 as generated and its f32 copy (25 GiB each), then q4 */
	CHECK(p.parts[0].total == 100 * f32 && p.parts[1].total == 100 * f32);
	CHECK(p.parts[2].each == q4 && p.parts[2].count == 100);
	CHECK(strstr(p.parts[2].what, "like 'w0': matmul 8192x8192 at quant q4") != NULL);
	CHECK(p.host > 200 * f32 + 100 * q4 && p.host < 200 * f32 + 100 * q4 + 64 * MiB);
	CHECK(p.device == 0);
	CHECK(gb_memplan_check(&p, 16 * GiB, "test") == -1);
	CHECK(gb_memplan_check(&p, 64 * GiB, "test") == 0);
	gb_memplan_release(&p);
	/* the same on a Vulkan device of its own: the device's copies count apart */
	cells[1].vulkan = 1;
	gb_memplan_compute(&p, &in);
	CHECK(p.device >= 100 * q4);
	gb_memplan_release(&p);
	/* ... unless the device is a CPU (lavapipe): then they are host memory */
	in.vulkan_host = 1;
	gb_memplan_compute(&p, &in);
	CHECK(p.device == 0);
	gb_memplan_release(&p);
	gb_workload_release(&w);
	unlink(path);
	free(path);
}

/*
 * Replay's buffers grow with the batch only up to the streams (a batch
 * takes one request per stream), and a batch that could stack more rows
 * than a call holds is refused outright.
 */
TEST(plan_of_batches)
{
	char *path = write_trace("0,%d,silu,65536,1024,0,0,,k%d", 64);
	struct gb_workload w;
	struct gb_memplan p;
	struct gb_memplan_cell cell = { .workload = 0, .batch = GB_MAX_BATCH, .reps = 1,
					.quant = GB_Q_F32 };
	struct gb_memplan_input in = { .wl = &w, .nwl = 1, .cells = &cell, .ncells = 1,
				       .processes = 1 };
	uint64_t big = 256 * MiB;

	if (!path || gb_workload_load(&w, path, 1) < 0) {
		CHECK(!"the trace loads");
		free(path);
		return;
	}
	gb_memplan_compute(&p, &in);
	/* 64 inputs, and buffers of 64 requests: x, y and the reference's y */
	CHECK(p.refusal == NULL);
	CHECK(p.parts[0].total == 3 * 64 * big + 2 * 4);
	CHECK(p.parts[1].total == 64 * big);
	gb_memplan_release(&p);
	/* the plan of one process doubles when the others run beside it */
	in.processes = 3;
	gb_memplan_compute(&p, &in);
	CHECK(p.parts[0].total == p.host / 2);
	gb_memplan_release(&p);
	/* a million streams of 65536 rows, batched: over 2^32 rows in one call */
	w.nstreams = 1u << 20;
	in.processes = 1;
	gb_memplan_compute(&p, &in);
	CHECK(p.refusal != NULL);
	CHECK(gb_memplan_check(&p, 0, "none") == -1);
	gb_memplan_release(&p);
	/* a size that overflows on the way is too large, not small */
	w.max_in = SIZE_MAX / 2;
	w.nstreams = 64;
	gb_memplan_compute(&p, &in);
	CHECK(p.host == GB_MEMPLAN_TOO_LARGE);
	gb_memplan_release(&p);
	gb_workload_release(&w);
	unlink(path);
	free(path);
}

TEST(sizes_parse)
{
	uint64_t v = 0;

	CHECK(gb_memplan_parse_size("1G", &v) == 0 && v == GiB);
	CHECK(gb_memplan_parse_size(" 512M ", &v) == 0 && v == 512 * MiB);
	CHECK(gb_memplan_parse_size("1024K", &v) == 0 && v == MiB);
	CHECK(gb_memplan_parse_size("2GiB", &v) == 0 && v == 2 * GiB);
	CHECK(gb_memplan_parse_size("3TB", &v) == 0 && v == 3 * 1024 * GiB);
	CHECK(gb_memplan_parse_size("1048576", &v) == 0 && v == MiB);
	CHECK(gb_memplan_parse_size("1K", &v) == -1);         /* under 1 MiB */
	CHECK(gb_memplan_parse_size("16777216T", &v) == -1);  /* 2^64 */
	CHECK(gb_memplan_parse_size("99999999999999999999", &v) == -1);
	CHECK(gb_memplan_parse_size("12Q", &v) == -1);
	CHECK(gb_memplan_parse_size("1 G", &v) == -1);
	CHECK(gb_memplan_parse_size("-1G", &v) == -1);
	CHECK(gb_memplan_parse_size("", &v) == -1);
	CHECK(gb_memplan_parse_size("G", &v) == -1);
}

TEST(sizes_print)
{
	char b[32];

	gb_memplan_format(12, b, sizeof(b));
	CHECK_STR(b, "12 bytes");
	gb_memplan_format(256 * MiB, b, sizeof(b));
	CHECK_STR(b, "256 MiB");
	gb_memplan_format(3 * GiB / 2, b, sizeof(b));
	CHECK_STR(b, "1.5 GiB");
	gb_memplan_format(123 * MiB + 5, b, sizeof(b));
	CHECK_STR(b, "123 MiB");
	gb_memplan_format(GB_MEMPLAN_TOO_LARGE, b, sizeof(b));
	CHECK_STR(b, "more than 16 EiB");
}

TEST(default_limit)
{
	char why[256];
	uint64_t lim = gb_memplan_default_limit(why, sizeof(why));

	if (!lim) {
		SKIP("no MemTotal here: %.200s", why);
		return;
	}
	CHECK(lim >= 64 * MiB);
	CHECK(strstr(why, "80% of") != NULL);
}

int main(void)
{
	RUN(arithmetic_saturates);
	RUN(parts_add_up);
	RUN(plan_of_tensors);
	RUN(plan_of_batches);
	RUN(sizes_parse);
	RUN(sizes_print);
	RUN(default_limit);
	return unit_done();
}
