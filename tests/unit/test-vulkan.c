/*
 * test-vulkan.c - the vulkan executor against the CPU executor on the same
 * quantized bytes, within DESIGN.md section 8's vulkan-vs-cpu budgets: every
 * op at every quant level it has, on small odd shapes, with the Khronos
 * validation layer on (any message fails), through mapped memory and
 * through forced staging, and with a lowered maxStorageBufferRange so that
 * calls and weights are split. Also the reasons given without a loader or a
 * driver, device selection and timestamps. On a CPU device (lavapipe) the
 * matmul-like ops run with the CPU device's dispatch shapes and once more
 * with the GPU's (GBENCH_VK_GPU_SHAPES), and a pinned executor must put the
 * driver's own thread and the caller's turns on one core.
 *
 * Without a Vulkan device the device tests are skipped with the reason,
 * never passed. lavapipe's own allocations leak, so leak detection is off.
 */
#include <ctype.h>
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor.h"
#include "gbench.h"
#include "op.h"
#include "oracle.h"
#include "quant.h"
#include "unit.h"
#include "vk-test.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static struct gb_executor vk, vk_staged, vk_gpu, cpu;
static int have_staged, have_gpu_shapes;

/* ---- data ------------------------------------------------------------- */

static float *fill(size_t n, double scale)
{
	float *a = gb_xmalloc((n ? n : 1) * sizeof(float));

	for (size_t i = 0; i < n; i++)
		a[i] = (float)(nrand() * scale);
	return a;
}

/* ---- one comparison --------------------------------------------------- */

/*
 * Top-k sets agree when every index one side has and the other lacks
 * scores within 1e-5 relative of the other side's last (p-th) score.
 */
static int topk_agree(const float *ys_c, const uint32_t *ic, const float *ys_v,
		      const uint32_t *iv, uint32_t p)
{
	for (uint32_t a = 0; a < p; a++) {
		int found = 0;

		for (uint32_t b = 0; b < p && !found; b++)
			found = ic[a] == iv[b];
		if (!found) {
			double edge = ys_c[p - 1], s = ys_c[a];

			if (ic[a] == UINT32_MAX || fabs(s - edge) > 1e-5 * fmax(fabs(edge), 1e-30))
				return 0;
		}
	}
	(void)ys_v;
	return 1;
}

/*
 * Run op on ex and on the CPU with the same inputs and quantized weights;
 * returns 0 when they agree within budget. w_dup: make weight rows pairs of
 * equal rows (exact score ties).
 */
static int compare(struct gb_executor *ex, enum gb_op op, enum gb_quant q, uint32_t m,
		   uint32_t n, uint32_t k, uint32_t p, int w_dup)
{
	struct gb_shape s = { .op = op, .m = m, .n = n, .k = k, .p = p };
	size_t in = gb_shape_in_floats(&s), out = gb_shape_out_floats(&s);
	float *x = fill(in, 1.0), *yc = gb_xcalloc(out + 1, 4), *yv = gb_xcalloc(out + 1, 4);
	uint32_t *ic = NULL, *iv = NULL;
	struct gb_weights w = { 0 };
	void *hc = NULL, *hv = NULL;
	struct gb_exec_call call = { .shape = s, .quant = q, .x = x };
	struct gb_exec_timing tc, tv;
	struct gb_nmse acc = { 0 };
	double nmse, budget;
	int bad = 0;

	if (op == GB_OP_TOPK) {
		ic = gb_xcalloc((size_t)m * p, 4);
		iv = gb_xcalloc((size_t)m * p, 4);
	}
	if (gb_op_has_weights(op)) {
		float *wf = fill((size_t)n * k, 0.5);

		if (w_dup)
			for (uint32_t r = 1; r < n; r += 2)
				memcpy(wf + (size_t)r * k, wf + (size_t)(r - 1) * k, k * 4);
		if (gb_weights_quantize(&w, q, wf, n, k) < 0 ||
		    cpu.iface->weights_upload(&cpu, &w, &hc) < 0 ||
		    ex->iface->weights_upload(ex, &w, &hv) < 0) {
			printf("#   %s %s: weights upload failed\n", gb_op_name(op), gb_quant_name(q));
			bad = 1;
		}
		free(wf);
	}
	if (!bad) {
		call.weights = hc;
		call.y = yc;
		call.idx = ic;
		if (cpu.iface->run(&cpu, &call, &tc) < 0) {
			printf("#   cpu run failed\n");
			bad = 1;
		}
		call.weights = hv;
		call.y = yv;
		call.idx = iv;
		if (!bad && ex->iface->run(ex, &call, &tv) < 0) {
			printf("#   vulkan run failed\n");
			bad = 1;
		}
	}
	budget = gb_op_has_weights(op) ? gb_budget_nmse_cpu(q) : gb_budget_nmse_cpu(GB_Q_F32);
	if (!bad && op == GB_OP_TOPK) {
		for (uint32_t i = 0; i < m; i++) {
			const uint32_t *a = ic + (size_t)i * p, *b = iv + (size_t)i * p;
			const float *sa = yc + (size_t)i * p, *sb = yv + (size_t)i * p;

			if (!topk_agree(sa, a, sb, b, p) || !topk_agree(sb, b, sa, a, p)) {
				printf("#   topk m=%u n=%u k=%u p=%u %s: sets differ in query %u"
				       " (first %u/%u)\n", m, n, k, p, gb_quant_name(q), i, a[0], b[0]);
				bad = 1;
			}
			for (uint32_t j = 0; j < p; j++) {
				if ((a[j] == UINT32_MAX) != (b[j] == UINT32_MAX)) {
					printf("#   topk padding differs at %u,%u\n", i, j);
					bad = 1;
				} else if (a[j] != UINT32_MAX) {
					gb_nmse_add_f(&acc, sa + j, sb + j, 1);
				}
			}
			if (w_dup && memcmp(a, b, p * 4) != 0) {
				printf("#   topk ties not broken to the lower index (query %u)\n", i);
				bad = 1;
			}
		}
	} else if (!bad) {
		gb_nmse_add_f(&acc, yc, yv, out);
	}
	nmse = gb_nmse_value(&acc);
	if (!bad && !(nmse <= budget)) {
		printf("#   %s %s m=%u n=%u k=%u p=%u: nmse %.3g over budget %.3g (max abs %.3g)\n",
		       gb_op_name(op), gb_quant_name(q), m, n, k, p, nmse, budget, acc.max_abs);
		bad = 1;
	}
	if (!bad && (!tv.has_device_ns || tv.device_ns == 0)) {
		printf("#   %s: no device time\n", gb_op_name(op));
		bad = 1;
	}
	if (hc)
		cpu.iface->weights_free(&cpu, hc);
	if (hv)
		ex->iface->weights_free(ex, hv);
	gb_weights_release(&w);
	free(x);
	free(yc);
	free(yv);
	free(ic);
	free(iv);
	return bad ? -1 : 0;
}

/* ---- tests ------------------------------------------------------------ */

/* Init in a child with `var`=`val` in its environment; the reason comes back. */
static int init_in_child(const char *var, const char *val, char *reason, size_t len)
{
	int fd[2], status;
	pid_t pid;
	ssize_t got;

	if (pipe(fd) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct gb_executor ex;
		struct gb_exec_opts o = { 0 };
		char r[512] = "";
		int rc;

		close(fd[0]);
		setenv(var, val, 1);
		if (strcmp(var, "VK_DRIVER_FILES") == 0)
			setenv("VK_ICD_FILENAMES", val, 1);
		rc = gb_executor_init(&ex, &gb_executor_vulkan, &o, r, sizeof(r));
		if (rc == 0) {
			snprintf(r, sizeof(r), "(init succeeded)");
			gb_executor_release(&ex);
		}
		if (write(fd[1], r, strlen(r) + 1) < 0)
			_exit(2);
		_exit(rc == 0 ? 1 : 0);
	}
	close(fd[1]);
	got = read(fd[0], reason, len - 1);
	reason[got > 0 ? got : 0] = '\0';
	close(fd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(no_driver)
{
	char reason[512];
	int rc = init_in_child("VK_DRIVER_FILES", "/nonexistent/icd.json", reason, sizeof(reason));

	CHECK(rc == 0);
	if (strncmp(reason, "no Vulkan loader", 16) == 0) {
		SKIP("%.200s", reason);
		return;
	}
	printf("#   reason: %s\n", reason);
	CHECK(strncmp(reason, "no Vulkan device", 16) == 0);
}

TEST(no_loader)
{
	char reason[512];
	int rc = init_in_child("GBENCH_VULKAN_LOADER", "/nonexistent/libvulkan.so.1", reason,
			       sizeof(reason));

	CHECK(rc == 0);
	printf("#   reason: %s\n", reason);
	CHECK(strncmp(reason, "no Vulkan loader: /nonexistent/libvulkan.so.1: ", 47) == 0);
}

TEST(open)
{
	struct gb_exec_opts o = { .threads = 1, .validate = 1 };
	char reason[512];

	CHECK(gb_executor_init(&cpu, &gb_executor_cpu, &o, reason, sizeof(reason)) == 0);
	if (gb_executor_init(&vk, &gb_executor_vulkan, &o, vk_reason, sizeof(vk_reason)) < 0) {
		/* Only a missing loader or device may skip; anything else fails. */
		CHECK(strncmp(vk_reason, "no Vulkan", 9) == 0);
		printf("#   %s\n", vk_reason);
		SKIP("%.200s", vk_reason);
		return;
	}
	have_vk = 1;
	o.force_staging = 1;
	if (gb_executor_init(&vk_staged, &gb_executor_vulkan, &o, reason, sizeof(reason)) == 0)
		have_staged = 1;
	else
		printf("#   staging executor: %s\n", reason);
	CHECK(have_staged);
	o.force_staging = 0;
	setenv("GBENCH_VK_GPU_SHAPES", "1", 1);
	if (gb_executor_init(&vk_gpu, &gb_executor_vulkan, &o, reason, sizeof(reason)) == 0)
		have_gpu_shapes = 1;
	else
		printf("#   executor with the GPU shapes: %s\n", reason);
	unsetenv("GBENCH_VK_GPU_SHAPES");
	CHECK(have_gpu_shapes);
}

TEST(info)
{
	struct gb_exec_info in;

	NEED_VK();
	vk.iface->info(&vk, &in);
	printf("#   device '%s', driver '%s', api %s, type %s\n", in.device, in.driver, in.api,
	       in.type);
	CHECK(in.device[0] != '\0');
	CHECK(in.driver[0] != '\0');
	CHECK(in.api[0] >= '1');
	CHECK(in.type[0] != '\0');
}

TEST(device_select)
{
	struct gb_exec_opts o = { .device = "0" };
	struct gb_exec_info in, in2;
	struct gb_executor ex;
	char reason[512], name[64];

	NEED_VK();
	vk.iface->info(&vk, &in);
	CHECK(gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) == 0);
	gb_executor_release(&ex);
	/* A substring of the name, in another case. */
	snprintf(name, sizeof(name), "%.4s", in.device);
	for (char *c = name; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	o.device = name;
	CHECK(gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) == 0);
	ex.iface->info(&ex, &in2);
	CHECK_STR(in2.device, in.device);
	gb_executor_release(&ex);
	o.device = "no-such-device-anywhere";
	CHECK(gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) < 0);
	CHECK(strstr(reason, "no Vulkan device matches 'no-such-device-anywhere'") != NULL);
}

static const uint32_t mm_shapes[][3] = {  /* n, k, m */
	{ 33, 31, 1 }, { 31, 33, 3 }, { 1, 1, 1 }, { 5, 64, 3 }, { 64, 2048, 8 }, { 7, 100, 5 },
	{ 9, 700, 1 }, { 6, 300, 3 }, { 5, 1600, 6 },
};

TEST(matmul)
{
	NEED_VK();
	for (int q = 0; q < GB_Q_COUNT; q++)
		for (size_t i = 0; i < GB_ARRAY_SIZE(mm_shapes); i++)
			CHECK(compare(&vk, GB_OP_MATMUL, (enum gb_quant)q, mm_shapes[i][2],
				      mm_shapes[i][0], mm_shapes[i][1], 0, 0) == 0);
}

/* A CPU device's executor again with the shapes a GPU gets (workgroup trees). */
TEST(matmul_gpu_shapes)
{
	struct gb_exec_info in;

	NEED_VK();
	vk.iface->info(&vk, &in);
	if (strcmp(in.type, "cpu")) {
		SKIP("'%.100s' is not a CPU device: the matmul test used the GPU shapes", in.device);
		return;
	}
	for (int q = 0; q < GB_Q_COUNT; q++) {
		for (size_t i = 0; i < GB_ARRAY_SIZE(mm_shapes); i++)
			CHECK(compare(&vk_gpu, GB_OP_MATMUL, (enum gb_quant)q, mm_shapes[i][2],
				      mm_shapes[i][0], mm_shapes[i][1], 0, 0) == 0);
		CHECK(compare(&vk_gpu, GB_OP_TOPK, (enum gb_quant)q, 3, 200, 640, 10, 0) == 0);
	}
	CHECK(gb_executor_validation_messages(&vk_gpu) == 0);
}

TEST(topk)
{
	static const uint32_t shapes[][4] = {  /* m, n, k, p */
		{ 1, 33, 31, 1 }, { 3, 31, 33, 4 }, { 3, 200, 64, 10 }, { 1, 3, 5, 5 }, { 2, 1, 1, 1 },
	};

	NEED_VK();
	for (int q = 0; q < GB_Q_COUNT; q++)
		for (size_t i = 0; i < GB_ARRAY_SIZE(shapes); i++)
			CHECK(compare(&vk, GB_OP_TOPK, (enum gb_quant)q, shapes[i][0], shapes[i][1],
				      shapes[i][2], shapes[i][3], 0) == 0);
}

TEST(topk_ties)
{
	NEED_VK();
	for (int q = 0; q < GB_Q_COUNT; q++)
		CHECK(compare(&vk, GB_OP_TOPK, (enum gb_quant)q, 3, 40, 33, 7, 1) == 0);
}

TEST(rowwise)
{
	static const enum gb_op ops[] = { GB_OP_SOFTMAX, GB_OP_RMSNORM, GB_OP_SILU, GB_OP_REDUCE };
	static const uint32_t ns[] = { 1, 31, 33, 1000 };

	NEED_VK();
	for (size_t o = 0; o < GB_ARRAY_SIZE(ops); o++)
		for (uint32_t m = 1; m <= 3; m += 2)
			for (size_t i = 0; i < GB_ARRAY_SIZE(ns); i++)
				CHECK(compare(&vk, ops[o], GB_Q_F32, m, ns[i], 0, 0, 0) == 0);
}

TEST(fft)
{
	static const uint32_t ns[] = { 1, 2, 8, 512 };

	NEED_VK();
	for (uint32_t m = 1; m <= 3; m += 2)
		for (size_t i = 0; i < GB_ARRAY_SIZE(ns); i++)
			CHECK(compare(&vk, GB_OP_FFT, GB_Q_F32, m, ns[i], 0, 0, 0) == 0);
}

/* Every op once more through staging buffers. */
TEST(staging)
{
	NEED_VK();
	if (!have_staged) {
		CHECK(have_staged);
		return;
	}
	for (int q = 0; q < GB_Q_COUNT; q++) {
		CHECK(compare(&vk_staged, GB_OP_MATMUL, (enum gb_quant)q, 3, 33, 31, 0, 0) == 0);
		CHECK(compare(&vk_staged, GB_OP_TOPK, (enum gb_quant)q, 3, 31, 33, 4, 0) == 0);
	}
	for (int op = GB_OP_SOFTMAX; op <= GB_OP_REDUCE; op++)
		CHECK(compare(&vk_staged, (enum gb_op)op, GB_Q_F32, 3, 33, 0, 0, 0) == 0);
	CHECK(compare(&vk_staged, GB_OP_FFT, GB_Q_F32, 3, 8, 0, 0, 0) == 0);
	CHECK(gb_executor_validation_messages(&vk_staged) == 0);
}

/* maxStorageBufferRange lowered to 2 KiB: calls split by rows, weights by ranges. */
TEST(split)
{
	struct gb_exec_opts o = { .validate = 1 };
	struct gb_executor ex;
	char reason[512];

	NEED_VK();
	setenv("GBENCH_VK_MAX_RANGE", "2048", 1);
	CHECK(gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) == 0);
	unsetenv("GBENCH_VK_MAX_RANGE");
	if (!ex.ctx)
		return;
	for (int q = 0; q < GB_Q_COUNT; q++) {
		CHECK(compare(&ex, GB_OP_MATMUL, (enum gb_quant)q, 20, 70, 100, 0, 0) == 0);
		CHECK(compare(&ex, GB_OP_TOPK, (enum gb_quant)q, 9, 70, 100, 5, 0) == 0);
		CHECK(compare(&ex, GB_OP_MATMUL, (enum gb_quant)q, 3, 40, 300, 0, 0) == 0);
	}
	CHECK(compare(&ex, GB_OP_SOFTMAX, GB_Q_F32, 5, 300, 0, 0, 0) == 0);
	CHECK(compare(&ex, GB_OP_REDUCE, GB_Q_F32, 700, 33, 0, 0, 0) == 0);
	CHECK(compare(&ex, GB_OP_FFT, GB_Q_F32, 5, 128, 0, 0, 0) == 0);
	CHECK(gb_executor_validation_messages(&ex) == 0);
	gb_executor_release(&ex);
}

/* Steady state: the same call twice gives the same bits. */
TEST(repeat)
{
	struct gb_shape s = { .op = GB_OP_SOFTMAX, .m = 3, .n = 77 };
	float *x, y1[3 * 77], y2[3 * 77];
	struct gb_exec_call c = { .shape = s, .quant = GB_Q_F32 };
	struct gb_exec_timing t;

	NEED_VK();
	x = fill(3 * 77, 3.0);
	c.x = x;
	c.y = y1;
	CHECK(vk.iface->run(&vk, &c, &t) == 0);
	c.y = y2;
	CHECK(vk.iface->run(&vk, &c, &t) == 0);
	CHECK(memcmp(y1, y2, sizeof(y1)) == 0);
	CHECK(t.has_device_ns && t.device_ns > 0);
	free(x);
}

/*
 * Out of device memory part way through growing the call buffers: the
 * descriptor set must not be left pointing at a freed buffer, or the next
 * call (which grows nothing) reads it. A budget of 26000 bytes lets a
 * softmax of 2000 floats grow X but not Y; the reduce after it must be right.
 */
TEST(enomem_keeps_descriptors)
{
	struct gb_exec_opts o = { .validate = 1 };
	struct gb_executor ex;
	struct gb_exec_timing t;
	char reason[512];
	static float x[2000], y[2000];
	double want = 0;
	int rc;

	NEED_VK();
	setenv("GBENCH_VK_HEAP_LIMIT", "26000", 1);
	rc = gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason));
	unsetenv("GBENCH_VK_HEAP_LIMIT");
	CHECK(rc == 0);
	if (rc)
		return;
	for (int i = 0; i < 2000; i++) {
		x[i] = (float)(i % 7);
		want += x[i];
	}
	{
		struct gb_exec_call c = { .shape = { GB_OP_SOFTMAX, 1, 2000, 0, 0 }, .x = x, .y = y };

		CHECK(ex.iface->run(&ex, &c, &t) == GB_EXEC_ENOMEM);
		c.shape = (struct gb_shape){ GB_OP_REDUCE, 1, 2000, 0, 0 };
		CHECK(ex.iface->run(&ex, &c, &t) == 0);
		CHECK_NEAR(y[0], want, 1e-3);
	}
	CHECK(gb_executor_validation_messages(&ex) == 0);
	gb_executor_release(&ex);
}

/* Threads of this process (not the caller) whose affinity is exactly {core}. */
static int threads_on_only(int core)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char want[32], path[300], line[256];
	int n = 0;

	snprintf(want, sizeof(want), "Cpus_allowed_list:\t%d\n", core);
	while (d && (e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.' || atoi(e->d_name) == (int)gettid())
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f))
			n += !strcmp(line, want);
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * pin on a CPU device: the placement is reported, the driver's
 * thread started during init stays on the chosen core, a turn holds the
 * caller there, the end of the turn gives the caller its mask back, and
 * results are unchanged.
 */
TEST(pinned_cpu_device)
{
	struct gb_exec_opts o = { .validate = 1, .pin = 1 };
	struct gb_executor ex;
	struct gb_exec_info in;
	cpu_set_t before, during, after;
	char reason[512];
	int core = -1;

	NEED_VK();
	vk.iface->info(&vk, &in);
	if (strcmp(in.type, "cpu")) {
		SKIP("'%.100s' is not a CPU device: nothing to pin", in.device);
		return;
	}
	CHECK(sched_getaffinity(0, sizeof(before), &before) == 0);
	if (CPU_COUNT(&before) < 2) {
		SKIP("one CPU in the affinity mask: nothing to pin");
		return;
	}
	CHECK(gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) == 0);
	if (!ex.ctx)
		return;
	ex.iface->info(&ex, &in);
	printf("#   %s\n", in.placement);
	CHECK(sscanf(in.placement, "pinned: the CPU device's driver threads and the submitting "
			"thread on core %d", &core) == 1);
	CHECK(core >= 0 && CPU_ISSET(core, &before));
	CHECK(threads_on_only(core) >= 1);
	gb_executor_turn(&ex, 1);
	CHECK(sched_getaffinity(0, sizeof(during), &during) == 0);
	CHECK(CPU_COUNT(&during) == 1 && CPU_ISSET(core, &during));
	CHECK(compare(&ex, GB_OP_MATMUL, GB_Q_Q4, 3, 70, 300, 0, 0) == 0);
	CHECK(compare(&ex, GB_OP_SOFTMAX, GB_Q_F32, 3, 33, 0, 0, 0) == 0);
	gb_executor_turn(&ex, 0);
	CHECK(sched_getaffinity(0, sizeof(after), &after) == 0);
	CHECK(CPU_EQUAL(&before, &after));
	CHECK(gb_executor_validation_messages(&ex) == 0);
	gb_executor_release(&ex);
}

TEST(no_validation_messages)
{
	NEED_VK();
	CHECK(gb_executor_validation_messages(&vk) == 0);
	gb_executor_release(&vk);
	if (have_staged)
		gb_executor_release(&vk_staged);
	if (have_gpu_shapes)
		gb_executor_release(&vk_gpu);
	gb_executor_release(&cpu);
}

int main(void)
{
	RUN(no_driver);
	RUN(no_loader);
	RUN(open);
	RUN(info);
	RUN(device_select);
	RUN(matmul);
	RUN(matmul_gpu_shapes);
	RUN(topk);
	RUN(topk_ties);
	RUN(rowwise);
	RUN(fft);
	RUN(staging);
	RUN(split);
	RUN(repeat);
	RUN(enomem_keeps_descriptors);
	RUN(pinned_cpu_device);
	RUN(no_validation_messages);
	return unit_done();
}
