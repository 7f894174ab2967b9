/*
 * test-vk-host.c - the vulkan executor's host path (issue 14, item 1): the
 * pipeline cache file (written, reused by a second executor, a garbage or
 * foreign file ignored, switched off by GB_VK_NO_PIPELINE_CACHE), command
 * buffers recorded once per call shape and resubmitted (and recorded
 * again after a buffer grew or the weights were freed, with unchanged
 * results), the guard sentinels through staging, the bounded spin on the
 * fence, the rule that device-local memory is mapped only when it is
 * host-cached, and the calibrated split of a call's time.
 *
 * White-box where the behaviour is not visible through the executor's
 * interface: it reads struct gb_vk (vulkan/vk.h). Every executor runs with
 * the validation layer, and any message fails. Without a Vulkan device
 * every test is skipped with the reason; lavapipe's own allocations leak,
 * so leak detection is off.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "executor.h"
#include "fsio.h"
#include "gbench.h"
#include "op.h"
#include "quant.h"
#include "unit.h"
#include "vk-test.h"
#include "vulkan/vk.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static char cache_home[256];

/* ---- helpers ---------------------------------------------------------- */

static struct gb_vk *VK(struct gb_executor *ex)
{
	return ex->ctx;
}

static int open_vk(struct gb_executor *ex, int staging)
{
	struct gb_exec_opts o = { .validate = 1, .force_staging = staging };
	char reason[512];

	if (gb_executor_init(ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) < 0) {
		printf("#   init: %s\n", reason);
		return -1;
	}
	return 0;
}

/* The one cache file under cache_home/gbench, its path in out; 0, or -1 when not exactly one. */
static int cache_file(char *out, size_t len)
{
	char dir[300];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/gbench", cache_home);
	if (!(d = opendir(dir)))
		return -1;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "vk-pipelines-", 13) == 0 && strstr(e->d_name, ".bin") &&
		    !strstr(e->d_name, ".tmp")) {
			snprintf(out, len, "%s/%s", dir, e->d_name);
			n++;
		}
	closedir(d);
	return n == 1 ? 0 : -1;
}

static void rm_cache(void)
{
	char dir[300];

	snprintf(dir, sizeof(dir), "%s/gbench", cache_home);
	gb_rm_tree(dir);
}

static int write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* A softmax of m x n on ex: y gets the output; 0 or the run's status. */
static int softmax(struct gb_executor *ex, uint32_t m, uint32_t n, const float *x, float *y,
		   struct gb_exec_timing *t)
{
	struct gb_exec_call c = {
		.shape = { .op = GB_OP_SOFTMAX, .m = m, .n = n }, .quant = GB_Q_F32, .x = x, .y = y,
	};

	return ex->iface->run(ex, &c, t);
}

/* ---- tests ------------------------------------------------------------ */

TEST(open)
{
	struct gb_executor ex;
	struct gb_exec_opts o = { .validate = 1 };
	char *tmp = getenv("TMPDIR");

	snprintf(cache_home, sizeof(cache_home), "%s/gbench-vk-host.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(cache_home) != NULL);
	setenv("XDG_CACHE_HOME", cache_home, 1);
	unsetenv("GB_VK_NO_PIPELINE_CACHE");
	unsetenv("GB_VK_FENCE_SPIN_US");
	if (gb_executor_init(&ex, &gb_executor_vulkan, &o, vk_reason, sizeof(vk_reason)) < 0) {
		CHECK(strncmp(vk_reason, "no Vulkan", 9) == 0);
		SKIP("%.200s", vk_reason);
		return;
	}
	have_vk = 1;
	CHECK(gb_executor_validation_messages(&ex) == 0);
	gb_executor_release(&ex);
}

/*
 * The first executor writes the cache file on release, with the header
 * Vulkan defines; the second loads it whole.
 */
TEST(pipeline_cache_reused)
{
	struct gb_executor ex;
	char path[600];
	unsigned char *data;
	size_t len = 0;
	uint32_t hsize = 0, hver = 0, vendor = 0, device = 0;

	NEED_VK();
	if (cache_file(path, sizeof(path)) < 0) {
		printf("#   no cache file under %s/gbench after the first executor\n", cache_home);
		CHECK(0);
		return;
	}
	data = (unsigned char *)gb_read_file(path, &len);
	CHECK(data != NULL);
	CHECK(len >= 32);
	if (data && len >= 32) {
		memcpy(&hsize, data, 4);
		memcpy(&hver, data + 4, 4);
		memcpy(&vendor, data + 8, 4);
		memcpy(&device, data + 12, 4);
		CHECK(hsize >= 32 && hsize <= len);
		CHECK(hver == VK_PIPELINE_CACHE_HEADER_VERSION_ONE);
	}
	printf("#   %s: %zu bytes\n", path, len);
	CHECK(open_vk(&ex, 0) == 0);
	if (ex.ctx) {
		struct gb_vk *vk = VK(&ex);

		CHECK(vk->pcache != VK_NULL_HANDLE);
		CHECK(vk->pcache_loaded == len);
		CHECK(vendor == vk->props.vendorID && device == vk->props.deviceID);
		CHECK(data && len >= 32 && memcmp(data + 16, vk->props.pipelineCacheUUID, 16) == 0);
		CHECK(strstr(vk->pcache_path, cache_home) == vk->pcache_path);
		CHECK(gb_executor_validation_messages(&ex) == 0);
		gb_executor_release(&ex);
	}
	free(data);
}

/* A garbage file, and a well-formed one of another device: ignored, init works, file rewritten. */
TEST(pipeline_cache_bad_file)
{
	static const char garbage[] = "this is not a pipeline cache, just bytes on a disk\n";
	struct gb_executor ex;
	char path[600];
	unsigned char foreign[64];
	float x[4 * 16], y[4 * 16];
	struct gb_exec_timing t;

	NEED_VK();
	if (cache_file(path, sizeof(path)) < 0) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < 64; i++)
		x[i] = (float)(i % 5);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			CHECK(write_bytes(path, garbage, sizeof(garbage)) == 0);
		} else {
			uint32_t h[4] = { 32, VK_PIPELINE_CACHE_HEADER_VERSION_ONE, 0x1234, 0x5678 };

			memcpy(foreign, h, sizeof(h));
			memset(foreign + 16, 0xab, sizeof(foreign) - 16);
			CHECK(write_bytes(path, foreign, sizeof(foreign)) == 0);
		}
		if (open_vk(&ex, 0) < 0) {
			CHECK(0);
			continue;
		}
		CHECK(VK(&ex)->pcache != VK_NULL_HANDLE);
		CHECK(VK(&ex)->pcache_loaded == 0);
		CHECK(softmax(&ex, 4, 16, x, y, &t) == 0);
		CHECK(y[0] > 0.0f && y[0] < 1.0f);
		CHECK(gb_executor_validation_messages(&ex) == 0);
		gb_executor_release(&ex);
		{
			size_t len = 0;
			char *d = gb_read_file(path, &len);
			uint32_t hv = 0;

			/* rewritten by the release with this device's own cache */
			CHECK(d && len >= 32);
			if (d && len >= 32)
				memcpy(&hv, d + 4, 4);
			CHECK(hv == VK_PIPELINE_CACHE_HEADER_VERSION_ONE);
			CHECK(d && memcmp(d, garbage, 16) != 0 && memcmp(d, foreign, 16) != 0);
			free(d);
		}
	}
}

TEST(pipeline_cache_off)
{
	struct gb_executor ex;
	char path[600];

	NEED_VK();
	rm_cache();
	setenv("GB_VK_NO_PIPELINE_CACHE", "1", 1);
	CHECK(open_vk(&ex, 0) == 0);
	unsetenv("GB_VK_NO_PIPELINE_CACHE");
	if (!ex.ctx)
		return;
	CHECK(VK(&ex)->pcache == VK_NULL_HANDLE);
	CHECK(VK(&ex)->pcache_path == NULL);
	gb_executor_release(&ex);
	CHECK(cache_file(path, sizeof(path)) < 0);
}

/*
 * The same call shape resubmits its recording: the first call is recorded
 * once for the invocation check (not kept), the second is recorded and
 * kept, the third resubmits it; the outputs agree bit for bit. A call that
 * grows a buffer forgets the recordings, and the small call is recorded
 * again and still right.
 */
static void cmd_reuse_on(struct gb_executor *ex)
{
	float x[3 * 77], y1[3 * 77], y2[3 * 77], y3[3 * 77];
	float *bx = gb_xcalloc(64 * 1024, 4), *by = gb_xcalloc(64 * 1024, 4);
	struct gb_exec_timing t;
	struct gb_vk *vk = VK(ex);
	uint64_t rec, hits;

	for (int i = 0; i < 3 * 77; i++)
		x[i] = (float)((i * 7) % 13) * 0.25f;
	rec = vk->cmd_records;
	hits = vk->cmd_hits;
	CHECK(softmax(ex, 3, 77, x, y1, &t) == 0);
	CHECK(softmax(ex, 3, 77, x, y2, &t) == 0);
	CHECK(softmax(ex, 3, 77, x, y3, &t) == 0);
	/* without statistics queries the first call is kept at once */
	CHECK(vk->cmd_records - rec == (vk->stats_pool ? 2u : 1u));
	CHECK(vk->cmd_hits - hits == (vk->stats_pool ? 1u : 2u));
	CHECK(memcmp(y1, y2, sizeof(y1)) == 0 && memcmp(y1, y3, sizeof(y1)) == 0);
	CHECK(t.has_device_ns && t.device_ns > 0);
	/* a larger call grows x and y: recordings forgotten */
	CHECK(softmax(ex, 1, 64 * 1024, bx, by, &t) == 0);
	hits = vk->cmd_hits;
	memset(y2, 0, sizeof(y2));
	CHECK(softmax(ex, 3, 77, x, y2, &t) == 0);
	CHECK(vk->cmd_hits == hits);
	CHECK(memcmp(y1, y2, sizeof(y1)) == 0);
	CHECK(softmax(ex, 3, 77, x, y3, &t) == 0);
	CHECK(vk->cmd_hits == hits + 1);
	CHECK(memcmp(y1, y3, sizeof(y1)) == 0);
	CHECK(gb_executor_validation_messages(ex) == 0);
	free(bx);
	free(by);
}

TEST(cmd_reuse_mapped)
{
	struct gb_executor ex;

	NEED_VK();
	if (open_vk(&ex, 0) < 0) {
		CHECK(0);
		return;
	}
	cmd_reuse_on(&ex);
	gb_executor_release(&ex);
}

/* Through staging: the guard fills run in their own command buffer before the call's. */
TEST(cmd_reuse_staging)
{
	struct gb_executor ex;

	NEED_VK();
	if (open_vk(&ex, 1) < 0) {
		CHECK(0);
		return;
	}
	CHECK(VK(&ex)->staging);
	cmd_reuse_on(&ex);
	gb_executor_release(&ex);
}

/* y = x W^T on the CPU, in double. */
static void matmul_ref(const float *x, const float *w, uint32_t m, uint32_t n, uint32_t k,
		       double *out)
{
	for (uint32_t i = 0; i < m; i++)
		for (uint32_t j = 0; j < n; j++) {
			double s = 0;

			for (uint32_t l = 0; l < k; l++)
				s += (double)x[i * k + l] * w[j * k + l];
			out[i * n + j] = s;
		}
}

/*
 * Weights freed and others uploaded (their handle may reuse the freed
 * one's address): the recordings that bound the old weights are not
 * resubmitted, and the result follows the new weights.
 */
TEST(cmd_after_weights_free)
{
	enum { M = 2, N = 9, K = 40 };
	struct gb_executor ex;
	float x[M * K], w1[N * K], w2[N * K], y[M * N];
	double want[M * N];
	struct gb_weights q1 = { 0 }, q2 = { 0 };
	struct gb_exec_call c = {
		.shape = { .op = GB_OP_MATMUL, .m = M, .n = N, .k = K }, .quant = GB_Q_F32,
		.x = x, .y = y,
	};
	struct gb_exec_timing t;
	void *h = NULL;
	uint64_t hits;

	NEED_VK();
	if (open_vk(&ex, 0) < 0) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < M * K; i++)
		x[i] = (float)(i % 9) - 4.0f;
	for (int i = 0; i < N * K; i++) {
		w1[i] = (float)(i % 7) * 0.5f;
		w2[i] = -(float)(i % 5);
	}
	CHECK(gb_weights_quantize(&q1, GB_Q_F32, w1, N, K) == 0);
	CHECK(gb_weights_quantize(&q2, GB_Q_F32, w2, N, K) == 0);
	CHECK(ex.iface->weights_upload(&ex, &q1, &h) == 0);
	c.weights = h;
	for (int i = 0; i < 3; i++)
		CHECK(ex.iface->run(&ex, &c, &t) == 0);
	CHECK(VK(&ex)->cmd_hits >= 1);
	matmul_ref(x, w1, M, N, K, want);
	for (int i = 0; i < M * N; i++)
		CHECK_NEAR(y[i], want[i], 1e-3 * (1 + fabs(want[i])));
	ex.iface->weights_free(&ex, h);
	CHECK(ex.iface->weights_upload(&ex, &q2, &h) == 0);
	c.weights = h;
	hits = VK(&ex)->cmd_hits;
	CHECK(ex.iface->run(&ex, &c, &t) == 0);
	CHECK(VK(&ex)->cmd_hits == hits);
	matmul_ref(x, w2, M, N, K, want);
	for (int i = 0; i < M * N; i++)
		CHECK_NEAR(y[i], want[i], 1e-3 * (1 + fabs(want[i])));
	ex.iface->weights_free(&ex, h);
	gb_weights_release(&q1);
	gb_weights_release(&q2);
	CHECK(gb_executor_validation_messages(&ex) == 0);
	gb_executor_release(&ex);
}

/* The bounded spin (a CPU device has none by default): set, used, results right; a bad value refused. */
TEST(fence_spin)
{
	struct gb_executor ex;
	struct gb_exec_opts o = { .validate = 1 };
	float x[2 * 33], y[2 * 33], y0[2 * 33];
	struct gb_exec_timing t;
	char reason[512];

	NEED_VK();
	for (int i = 0; i < 2 * 33; i++)
		x[i] = (float)(i % 11);
	setenv("GB_VK_FENCE_SPIN_US", "bogus", 1);
	CHECK(gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) < 0);
	printf("#   %s\n", reason);
	CHECK(strstr(reason, "GB_VK_FENCE_SPIN_US") != NULL);
	setenv("GB_VK_FENCE_SPIN_US", "0", 1);
	CHECK(gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) == 0);
	if (ex.ctx) {
		CHECK(VK(&ex)->spin_ns == 0);
		CHECK(softmax(&ex, 2, 33, x, y0, &t) == 0);
		gb_executor_release(&ex);
	}
	setenv("GB_VK_FENCE_SPIN_US", "50", 1);
	CHECK(gb_executor_init(&ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) == 0);
	unsetenv("GB_VK_FENCE_SPIN_US");
	if (!ex.ctx)
		return;
	CHECK(VK(&ex)->spin_ns == 50000);
	for (int i = 0; i < 3; i++) {
		CHECK(softmax(&ex, 2, 33, x, y, &t) == 0);
		CHECK(memcmp(y, y0, sizeof(y)) == 0);
	}
	CHECK(gb_executor_validation_messages(&ex) == 0);
	gb_executor_release(&ex);
}

/*
 * Device-local memory is mapped only when it is also host-cached: the
 * device's memory types are made to say "host-visible, not cached" (a
 * GPU's BAR window) and a device buffer is then not mapped, while a
 * staging buffer is, and cached where the device has such a type.
 */
TEST(bar_is_not_mapped)
{
	struct gb_executor ex;
	struct gb_vk *vk;
	struct gb_vk_buf b;
	VkMemoryPropertyFlags saved[VK_MAX_MEMORY_TYPES];
	int cached = 0;

	NEED_VK();
	if (open_vk(&ex, 0) < 0) {
		CHECK(0);
		return;
	}
	vk = VK(&ex);
	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++)
		cached |= (vk->mem.memoryTypes[i].propertyFlags &
			   VK_MEMORY_PROPERTY_HOST_CACHED_BIT) != 0;
	/* as the device is: lavapipe's one type is the host's memory, mapped */
	CHECK(gb_vk_buf_make(vk, &b, 4096, GB_VK_MEM_DEVICE) == 0);
	printf("#   device buffer %s (staging %d)\n", b.map ? "mapped" : "copied", vk->staging);
	CHECK((b.map != NULL) == !vk->staging);
	gb_vk_buf_free(vk, &b);
	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++) {
		saved[i] = vk->mem.memoryTypes[i].propertyFlags;
		vk->mem.memoryTypes[i].propertyFlags &= ~(VkMemoryPropertyFlags)
			VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
	}
	CHECK(gb_vk_buf_make(vk, &b, 4096, GB_VK_MEM_DEVICE) == 0);
	CHECK(b.map == NULL);
	gb_vk_buf_free(vk, &b);
	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++)
		vk->mem.memoryTypes[i].propertyFlags = saved[i];
	CHECK(gb_vk_buf_make(vk, &b, 4096, GB_VK_MEM_STAGING) == 0);
	CHECK(b.map != NULL);
	if (cached) {
		uint32_t type = 0;

		/* the staging buffer took a cached type: find the one its memory has */
		for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++)
			if (vk->mem.memoryTypes[i].propertyFlags & VK_MEMORY_PROPERTY_HOST_CACHED_BIT)
				type = i;
		CHECK(vk->mem.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
	}
	CHECK(gb_vk_buf_flush(vk, &b) == 0);
	CHECK(gb_vk_buf_invalidate(vk, &b) == 0);
	gb_vk_buf_free(vk, &b);
	CHECK(gb_executor_validation_messages(&ex) == 0);
	gb_executor_release(&ex);
}

/*
 * Calibrated timestamps: a call's host time splits into queue, device and
 * return, all inside the call as the caller saw it (no timing threshold:
 * the parts must fit in the whole).
 */
TEST(calibrated_split)
{
	struct gb_executor ex;
	float x[4 * 100], y[4 * 100];
	struct gb_exec_timing t;
	uint64_t t0, t1;

	NEED_VK();
	if (open_vk(&ex, 0) < 0) {
		CHECK(0);
		return;
	}
	if (!VK(&ex)->calibrated) {
		SKIP("'%.100s' has no VK_EXT/KHR_calibrated_timestamps with the device and "
		     "CLOCK_MONOTONIC domains", VK(&ex)->info.device);
		gb_executor_release(&ex);
		return;
	}
	printf("#   %s\n", VK(&ex)->calib_ext);
	for (int i = 0; i < 4 * 100; i++)
		x[i] = (float)(i % 17);
	for (int i = 0; i < 3; i++) {
		t0 = gb_now_ns();
		CHECK(softmax(&ex, 4, 100, x, y, &t) == 0);
		t1 = gb_now_ns();
		CHECK(t.has_device_ns && t.has_split);
		CHECK(t.queue_ns + t.device_ns + t.return_ns <= t1 - t0);
		printf("#   call %llu ns: queue %llu, device %llu, return %llu\n",
		       (unsigned long long)(t1 - t0), (unsigned long long)t.queue_ns,
		       (unsigned long long)t.device_ns, (unsigned long long)t.return_ns);
	}
	CHECK(gb_executor_validation_messages(&ex) == 0);
	gb_executor_release(&ex);
}

TEST(cleanup)
{
	if (cache_home[0])
		gb_rm_tree(cache_home);
}

int main(void)
{
	RUN(open);
	RUN(pipeline_cache_reused);
	RUN(pipeline_cache_bad_file);
	RUN(pipeline_cache_off);
	RUN(cmd_reuse_mapped);
	RUN(cmd_reuse_staging);
	RUN(cmd_after_weights_free);
	RUN(fence_spin);
	RUN(bar_is_not_mapped);
	RUN(calibrated_split);
	RUN(cleanup);
	return unit_done();
}
