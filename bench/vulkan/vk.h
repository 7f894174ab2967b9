/*
 * vk.h - the vulkan executor's internals, shared by the files of
 * bench/vulkan/ and by nothing else: the executor's state (struct gb_vk),
 * its buffers, pipelines and uploaded weights, the push constants every
 * shader reads, GB_VK_TRY, and the functions one part calls in another.
 * The executor's only public name is gb_executor_vulkan (executor.h).
 *
 * Who owns what: struct gb_vk is made by init (exec.c) and owns every
 * Vulkan object in it until release (exec.c). A struct gb_vk_buf owns its
 * buffer and memory until gb_vk_buf_free. A struct gb_vk_weights is owned
 * by the replay from weights_upload to weights_free (weights.c).
 */
#ifndef GB_VK_H
#define GB_VK_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include "executor.h"
#include "vulkan/vk-api.h"

#define GB_VK_MAX_PIPES 256
#define GB_VK_MAX_CHECKED 512
#define GB_VK_WEIGHTS_MAGIC 0x67627677u  /* "gbvw" */
#define GB_VK_CMD_SLOTS 8                /* command buffers kept for repeated calls */

/* What gb_vk_buf_make's `host` asks for. */
enum {
	GB_VK_MEM_DEVICE = 0,   /* device-local; mapped only when host-cached too */
	GB_VK_MEM_HOST = 1,     /* host-visible and coherent, cached preferred, mapped */
	GB_VK_MEM_STAGING = 2,  /* host-visible, cached preferred even if not coherent */
};

/* A command buffer recorded for one call shape, resubmitted while it holds. */
struct gb_vk_cmd_slot {
	VkCommandBuffer cmd;
	uint64_t key;          /* the call's shape and operands; 0: empty */
	uint64_t used;         /* last use, for replacement */
};

/* Must match the push constants of shaders/common.glsl. */
struct gb_vk_push {
	uint32_t m, n, k, p;
	uint32_t kp, row_bytes, j0, j1;
	uint32_t stage;
};

struct gb_vk_buf {
	VkBuffer buf;
	VkDeviceMemory mem;
	void *map;             /* host mapping, or NULL */
	int coherent;          /* the mapping needs no flush / invalidate */
	VkDeviceSize size;     /* bytes */
	VkDeviceSize mem_size; /* bytes of device memory behind it */
};

/* The per-call buffers, bindings 0..3 of set 0. */
enum { GB_VK_X, GB_VK_Y, GB_VK_IDX, GB_VK_AUX, GB_VK_NIO };

struct gb_vk_pipe {
	const char *shader;
	uint32_t wg, tm;
	VkPipeline pipe;
};

/* What weights_upload hands out. */
struct gb_vk_weights {
	uint32_t magic;
	enum gb_quant quant;
	uint32_t rows, cols, cols_padded, row_bytes;
	struct gb_vk_buf buf;
	VkDescriptorPool pool;
	uint32_t nchunks, chunk_rows;  /* rows [c*chunk_rows, ...) in sets[c] */
	VkDescriptorSet *sets;
};

/* The cooperative-matrix matmul on this device (coopmat.c). */
struct gb_vk_coop {
	int ok;                                        /* it can run here */
	int emulate;                                   /* matmul_cmemu_*: GB_VK_COOPMAT=emulate */
	int single;                                    /* one f16 a value: GB_VK_COOPMAT_PAIRS=0 */
	uint32_t wg;                                   /* 4 x the subgroup size */
	char why[160];                                 /* why not, when !ok */
	VkPhysicalDeviceCooperativeMatrixFeaturesNV feat;  /* enabled at vkCreateDevice */
	VkPhysicalDeviceVulkan12Features v12;
};

struct gb_vk {
	struct gb_vk_api api;
	VkInstance inst;
	VkDebugUtilsMessengerEXT messenger;
	unsigned messages;             /* validation messages so far */
	VkPhysicalDevice phys;
	VkPhysicalDeviceProperties props;
	VkPhysicalDeviceMemoryProperties mem;
	uint32_t sg_size;              /* subgroup size (0: not known, a Vulkan 1.0 device) */
	int sg_arith;                  /* compute shaders have subgroup basic + arithmetic */
	struct gb_exec_info info;
	uint32_t qfamily, ts_bits;
	int has_stats;
	VkDevice dev;
	VkQueue queue;
	int force_staging;
	VkDeviceSize max_range, align;
	VkDeviceSize allocated, heap_limit;   /* device memory in use; testing limit (0: none) */
	unsigned warned_oom, warned_stats, warned_split;
	uint64_t calls, lose_after;           /* GBENCH_VK_LOSE_AFTER testing aid */
	VkDescriptorSetLayout dsl[2];
	VkPipelineLayout layout;
	VkDescriptorPool pool;
	VkDescriptorSet io_set, dummy_set;
	struct gb_vk_buf io[GB_VK_NIO], up, down, dummy;
	int staging;                   /* io buffers are not mapped */
	VkCommandPool cpool;
	VkCommandBuffer cmd;
	VkFence fence;
	VkQueryPool ts_pool, stats_pool;
	struct gb_vk_pipe pipes[GB_VK_MAX_PIPES];
	int npipes;
	uint64_t checked[GB_VK_MAX_CHECKED];
	int nchecked;
	float *twiddles;               /* host table for twiddle_n */
	uint32_t twiddle_n;
	int lost;
	int cpu_shapes;                /* a CPU device (lavapipe): its dispatch shapes */
	int pin_cpu;                   /* the core a CPU device runs on, -1: not pinned */
	cpu_set_t free_mask;           /* the calling thread's affinity outside turns */
	/* ---- host path (issue 14 item 1) ---- */
	VkPipelineCache pcache;        /* VK_NULL_HANDLE: none */
	char *pcache_path;             /* the cache file, or NULL: not kept on disk */
	size_t pcache_loaded;          /* bytes of the file the driver was given (0: none) */
	uint64_t pcache_hash;          /* of what was loaded, to skip saving it unchanged */
	VkCommandBuffer cmd0, cmd_prep;  /* scratch: one-off recordings, guard fills */
	struct gb_vk_cmd_slot slots[GB_VK_CMD_SLOTS];
	uint64_t slot_tick, cmd_hits, cmd_records;
	VkDeviceSize guard_y, guard_i;   /* where the sentinels are (valid when guard_ok) */
	int guard_ok;
	uint64_t spin_ns;              /* spin on the fence this long before blocking */
	int calibrated;                /* device timestamps map onto CLOCK_MONOTONIC */
	const char *calib_ext;         /* the extension that does it, or NULL */
	uint64_t cal_tick, cal_host_ns, cal_at;  /* the last calibration: a pair, when */
	uint64_t ts_ticks[2];          /* the last submission's raw timestamps */
	struct gb_vk_coop coop;        /* the cooperative-matrix matmul (GB_VK_COOPMAT=1) */
};

/* Bytes per row of each per-call buffer for an op (aux: per row, or fixed). */
struct gb_vk_plan {
	VkDeviceSize x_row, y_row, idx_row, aux_row, aux_fixed;
};

/* ---- device.c: errors, instance, device ------------------------------- */

/*
 * Map a failed VkResult to a status for run(): out of memory is
 * GB_EXEC_ENOMEM (the replay splits the batch), device lost GB_EXEC_ELOST
 * (sticky), anything else -1. Prints the message.
 */
int gb_vk_fail(struct gb_vk *vk, VkResult r, const char *what);

#define GB_VK_TRY(vk, call, what)                                             \
	do {                                                                  \
		VkResult r_ = (call);                                         \
		if (r_ != VK_SUCCESS)                                         \
			return gb_vk_fail((vk), r_, (what));                  \
	} while (0)

/* The instance, with the validation layer and its messenger when asked. */
int gb_vk_create_instance(struct gb_vk *vk, int validate, char *reason, size_t len);
/* Choose the physical device: `want` (index or name), else the best type. */
int gb_vk_pick_device(struct gb_vk *vk, const char *want, char *reason, size_t len);
/*
 * vk->info from vk->props, and from the driver properties when the device has
 * them; vk->sg_size and sg_arith from its subgroup properties.
 */
void gb_vk_fill_info(struct gb_vk *vk);
/* The logical device and its compute queue. */
int gb_vk_create_device(struct gb_vk *vk, char *reason, size_t len);

/* ---- memory.c: buffers ------------------------------------------------ */

void gb_vk_buf_free(struct gb_vk *vk, struct gb_vk_buf *b);
/*
 * Make a buffer of `size` bytes; host is a GB_VK_MEM_* (0 and 1 as before:
 * device-local, or host-visible coherent staging). Device-local memory is
 * mapped only when it is also host-visible, coherent and host-cached (the
 * same memory as the host's, as on a CPU device) and staging is not
 * forced: a GPU's BAR window is never read through. Returns 0 or a run()
 * status.
 */
int gb_vk_buf_make(struct gb_vk *vk, struct gb_vk_buf *b, VkDeviceSize size, int host);
/*
 * Grow b to at least `need` bytes (never shrinks; the new buffer is made
 * before the old one goes, so a failure leaves b as it was). *grown is set
 * when b changed.
 */
int gb_vk_buf_grow(struct gb_vk *vk, struct gb_vk_buf *b, VkDeviceSize need,
		   int host, int *grown);

/* ---- submit.c: command buffer, submission, dispatches, timestamps ----- */

/* The command pool and buffer, the fence and the query pools; 0 or -1 with the reason. */
int gb_vk_submit_create(struct gb_vk *vk, char *reason, size_t len);
void gb_vk_submit_destroy(struct gb_vk *vk);
/* Reset and begin vk->cmd. */
int gb_vk_begin(struct gb_vk *vk);
/* End, submit and wait for the command buffer. */
int gb_vk_submit_wait(struct gb_vk *vk);
void gb_vk_barrier(struct gb_vk *vk, VkPipelineStageFlags src, VkAccessFlags sa,
		   VkPipelineStageFlags dst, VkAccessFlags da);
/* Compute writes before the next dispatch's reads and writes. */
void gb_vk_compute_barrier(struct gb_vk *vk);
/*
 * Record one dispatch of `groups` workgroups of `wg` invocations, with set 0
 * the per-call buffers and set 1 `wset`; adds its invocations to *inv.
 */
void gb_vk_dispatch(struct gb_vk *vk, VkPipeline pipe, VkDescriptorSet wset,
		    const struct gb_vk_push *pc, uint64_t groups, uint32_t wg,
		    uint64_t *inv);
/*
 * The device time between timestamps 0 and 1 of vk->ts_pool after a
 * submission, masked to the valid bits and scaled by timestampPeriod, in
 * *ns: 0, or 1 when the second did not come after the first (*ns
 * untouched), or a run() status.
 */
int gb_vk_read_timestamps(struct gb_vk *vk, uint64_t *ns);

/* ---- pipeline.c: layout, descriptor sets, pipelines ------------------- */

/* The set layouts, pipeline layout, descriptor pool and the two sets; 0 or -1 with the reason. */
int gb_vk_layout_create(struct gb_vk *vk, char *reason, size_t len);
void gb_vk_layout_destroy(struct gb_vk *vk);
void gb_vk_pipelines_destroy(struct gb_vk *vk);
void gb_vk_write_set(struct gb_vk *vk, VkDescriptorSet set, uint32_t binding,
		     VkBuffer buf, VkDeviceSize off, VkDeviceSize range);
/* Point set 0 at the per-call buffers (after any of them grew). */
void gb_vk_write_io_set(struct gb_vk *vk);
/*
 * The pipeline of `shader` at workgroup size wg, built on first use. For the
 * matmul shaders tm is the rows per workgroup, or 0 for one invocation per
 * output (specialization constants 1 and 2).
 */
int gb_vk_pipeline(struct gb_vk *vk, const char *shader, uint32_t wg, uint32_t tm,
		   VkPipeline *out);
/* Every op's pipeline at a CPU device's shapes; 0 or -1 with the reason. */
int gb_vk_precompile(struct gb_vk *vk, char *reason, size_t len);

/* ---- host path: pipeline cache, command-buffer cache, transfers, clocks ---- */

/* pipeline.c: the VkPipelineCache from the user's cache folder (never fatal). */
void gb_vk_pcache_open(struct gb_vk *vk);
/* Save it (atomically, when it changed) and destroy it. */
void gb_vk_pcache_close(struct gb_vk *vk);
/* submit.c: forget every recorded command buffer (a buffer or descriptor changed). */
void gb_vk_cmds_forget(struct gb_vk *vk);
/* The slot for `key`: *hit when it holds a recording of it, else emptied for one. */
struct gb_vk_cmd_slot *gb_vk_cmd_slot(struct gb_vk *vk, uint64_t key, int *hit);
/* Begin recording `cmd` for resubmission (no one-time flag). */
int gb_vk_begin_cmd(struct gb_vk *vk, VkCommandBuffer cmd, int reusable);
/* Submit prep (may be NULL) then cmd, both ended, in one batch; wait with a bounded spin. */
int gb_vk_submit_cmds(struct gb_vk *vk, VkCommandBuffer prep, VkCommandBuffer cmd);
/* Raw timestamps 0 and 1 into vk->ts_ticks, masked; as gb_vk_read_timestamps. */
int gb_vk_read_ticks(struct gb_vk *vk, uint64_t *ns);
/* Refresh the host/device clock pair (when older than 100 ms); 0, or -1: no calibration. */
int gb_vk_calibrate(struct gb_vk *vk);
/* A device tick as CLOCK_MONOTONIC nanoseconds (after gb_vk_calibrate). */
uint64_t gb_vk_tick_to_host(const struct gb_vk *vk, uint64_t tick);
/* memory.c: make host writes visible / device writes readable on a non-coherent mapping. */
int gb_vk_buf_flush(struct gb_vk *vk, const struct gb_vk_buf *b);
int gb_vk_buf_invalidate(struct gb_vk *vk, const struct gb_vk_buf *b);

/* ---- weights.c -------------------------------------------------------- */

int gb_vk_weights_upload(struct gb_executor *ex, const struct gb_weights *src, void **handle);
void gb_vk_weights_free(struct gb_executor *ex, void *handle);

/*
 * ---- ops-*.c: the op families ----------------------------------------
 *
 * Each family says how many bytes a row needs in each per-call buffer
 * (_plan, on a zeroed plan), records a call's dispatches for `rows` rows
 * (_record; *inv gets the invocations), and says at which shape a shader
 * of its own runs on a CPU device (_cpu_shape: 1 and *wg, *tm; 0 when the
 * shader is not the family's), for gb_vk_precompile.
 */

/* ops-matmul.c: matmul, and the weight-range dispatches top-k scores with. */
void gb_vk_matmul_plan(const struct gb_shape *s, struct gb_vk_plan *pl);
int gb_vk_matmul_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			uint64_t *inv);
int gb_vk_matmul_cpu_shape(const char *shader, uint32_t *wg, uint32_t *tm);
/* Workgroup size and rows per workgroup of a matmul-like dispatch. */
void gb_vk_mm_shape(int cpu_shapes, uint32_t kp, uint32_t m, uint32_t *wg, uint32_t *tm);
/* The `prefix`_<quant> dispatches over every weight range of w. */
int gb_vk_record_mm(struct gb_vk *vk, const char *prefix, const struct gb_vk_weights *w,
		    struct gb_vk_push pc, uint64_t *inv);

/* ops-topk.c: vector top-k (scores, then selection). */
void gb_vk_topk_plan(const struct gb_shape *s, struct gb_vk_plan *pl);
int gb_vk_topk_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
		      uint64_t *inv);
int gb_vk_topk_cpu_shape(const char *shader, uint32_t *wg, uint32_t *tm);
/* Build the GPU's shapes of the tiled top-k passes (nothing on a CPU device). */
int gb_vk_topk_prebuild(struct gb_vk *vk);

/* ops-misc.c: softmax, rmsnorm, silu, reduce, fft; an unknown op is an error. */
void gb_vk_misc_plan(const struct gb_shape *s, struct gb_vk_plan *pl);
int gb_vk_misc_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
		      uint64_t *inv);
int gb_vk_misc_cpu_shape(const char *shader, uint32_t *wg, uint32_t *tm);
/* The fft's twiddle table for length n (kept in vk, rebuilt when n changes). */
const float *gb_vk_twiddles(struct gb_vk *vk, uint32_t n);

/* ---- vk-peak.c -------------------------------------------------------- */

int gb_vk_peak(struct gb_executor *ex, struct gb_exec_peak *out);

/* ---- coopmat.c: the cooperative-matrix matmul's device requirements -- */

/* Whether the chosen physical device lists extension `name` (device.c). */
int gb_vk_device_has_ext(struct gb_vk *vk, const char *name);
/* Fill vk->coop for the chosen device (before gb_vk_create_device). */
void gb_vk_coop_probe(struct gb_vk *vk);
/*
 * Where vk->coop.ok: add its extension to exts[*next] (room for one more)
 * and chain its features onto ci->pNext.
 */
void gb_vk_coop_enable(struct gb_vk *vk, VkDeviceCreateInfo *ci, const char **exts,
		       uint32_t *next);

/* ---- matmul kernels (issue 14 item 2; ops-matmul.c) ------------------- */

/*
 * Build the matvec and tiled pipelines the automatic choice takes on this
 * device (m = 1, 2, 4, 8 and each tile class, every quant), for
 * gb_vk_precompile on a GPU: their shapes depend on the call, so no
 * _cpu_shape names them. Does nothing on a CPU device (the legacy shaders
 * run there) or while a GB_VK_MATMUL/MATVEC/TILE testing aid is set.
 * 0, or a run() status.
 */
int gb_vk_matmul_prebuild(struct gb_vk *vk);

#endif
