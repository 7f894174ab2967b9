/*
 * common.glsl - what every gbench compute shader shares: the descriptor
 * layout, the push constants and the workgroup tree reductions.
 *
 * One pipeline layout serves every shader (bench/vulkan/): set 0 holds
 * the per-call buffers, set 1 the persistent operand (weights), bound as
 * 32-bit words because the q8 and q4 rows are not word-aligned. The
 * workgroup size is specialization constant 0 and must be a power of two;
 * nothing here assumes a subgroup size: reductions go through shared memory
 * with barriers.
 */
#extension GL_GOOGLE_include_directive : require

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer XBuf { float X[]; };
layout(std430, set = 0, binding = 1) buffer YBuf { float Y[]; };
layout(std430, set = 0, binding = 2) writeonly buffer IBuf { uint IDX[]; };
layout(std430, set = 0, binding = 3) buffer ABuf { float AUX[]; };
layout(std430, set = 1, binding = 0) readonly buffer WBuf { uint W[]; };

/* Must match struct gb_vk_push in bench/vulkan/. */
layout(push_constant) uniform Push {
	uint m;          /* rows of this dispatch */
	uint n;
	uint k;
	uint p;          /* topk: p; fft: log2(n) */
	uint kp;         /* k padded to a multiple of 32 */
	uint row_bytes;  /* bytes of one weight row */
	uint j0;         /* first weight row of the bound weight range */
	uint j1;         /* one past the last weight row to compute */
	uint stage;      /* fft: butterfly stage, or ~0u for the bit reversal */
} pc;

/* The linear workgroup index of a 2-D grid (x is capped by the host). */
uint gb_group(void)
{
	return gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
}
