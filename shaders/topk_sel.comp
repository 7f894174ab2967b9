#version 450
/*
 * topk_sel.comp - top-k selection by tiles: each workgroup takes a tile of
 * CHUNK candidates of one query, sorts it in shared memory with a bitonic
 * network in (score desc, index asc) order and writes its best p; the host
 * repeats the pass over the survivors (CHUNK >= 2p, so each pass at least
 * halves them) until one tile is left, whose best p go to Y and IDX. Any p
 * up to CHUNK / 2 works and the work is spread over n / CHUNK workgroups
 * per query instead of one.
 *
 * The input of a pass (pc.stage & 3):
 *   0  FUSED: the scores themselves, computed here from X and the weights
 *      of set 1 (built with -DFUSED and a -DQUANT_*; one weight range);
 *   1  the scores AUX[i * n + j] that matmul.comp -DTOPK_SCORES wrote;
 *   2  pairs (score, index) at word AUX[pc.kp + 2 * (i * n + c)].
 * A pass writes pairs at AUX[pc.row_bytes + 2 * (i * tiles * p + ...)], or,
 * with pc.stage & 4 (the last pass), the scores to Y and the indices to IDX.
 * In modes 1 and 2 pc.kp and pc.row_bytes are word offsets into AUX; in
 * mode 0 they are the weights' (quant.glsl) and the pairs go to word 0.
 *
 * A NaN score is dropped as the cpu's gb_kern_topk_select drops it: it
 * becomes the padding (-inf, 0xffffffff), which every real score, -inf
 * included, comes before. A query with fewer than p scores ends padded.
 * The tile, CHUNK = pc.j1, is a power of two from 2 to 2048 and at least
 * 2 WG; each step of the network is CHUNK / (2 WG) compare-exchanges per
 * invocation (a CPU device runs small workgroups: fewer, cheaper barriers).
 */
#include "common.glsl"
#ifdef FUSED
#include "quant.glsl"
#endif


layout(std430, set = 0, binding = 3) buffer ABufU { uint AUXU[]; };

/* Sized for the largest tile, so that the size is a plain constant. */
#define GB_TOPK_MAX_CHUNK 2048u
shared float ss[GB_TOPK_MAX_CHUNK];
shared uint sj[GB_TOPK_MAX_CHUNK];

/* (sa, ja) comes before (sb, jb): a higher score, then a lower index. */
bool before(float sa, uint ja, float sb, uint jb)
{
	return sa > sb || (sa == sb && ja < jb);
}

/* Candidate c (< pc.n) of query i. */
void load(uint i, uint c, uint mode, out float s, out uint j)
{
	if (mode == 2u) {
		uint a = pc.kp + 2u * (i * pc.n + c);
		s = uintBitsToFloat(AUXU[a]);
		j = AUXU[a + 1u];
		return;
	}
	j = c;
#ifdef FUSED
	uint row = c * pc.row_bytes, nb = pc.kp / 32u;
	s = 0.0;
	for (uint b = 0; b < nb; b++)
		s += gb_block_dot(row, b, i * pc.k + b * 32u, min(32u, pc.k - b * 32u));
#else
	s = AUX[i * pc.n + c];
#endif
	if (isnan(s)) {
		s = -1.0 / 0.0;
		j = ~0u;
	}
}

void main()
{
	uint CHUNK = pc.j1;
	uint tiles = (pc.n + CHUNK - 1u) / CHUNK;
	uint g = gb_group();
	uint i = g / tiles, tile = g % tiles;
	if (i >= pc.m)
		return;  /* uniform across the workgroup */
	uint t = gl_LocalInvocationID.x, mode = pc.stage & 3u;
	uint c0 = tile * CHUNK;
	for (uint e = t; e < CHUNK; e += WG) {
		uint c = c0 + e;
		float s = -1.0 / 0.0;
		uint j = ~0u;
		if (c < pc.n)
			load(i, c, mode, s, j);
		ss[e] = s;
		sj[e] = j;
	}
	barrier();
	/*
	 * Bitonic sort, best first. Pair q orders (a, a + d) with a's bit d
	 * clear; blocks of `size` alternate direction so that the merge of the
	 * next size sees bitonic sequences.
	 */
	for (uint size = 2u; size <= CHUNK; size <<= 1) {
		for (uint d = size >> 1; d > 0u; d >>= 1) {
			for (uint q = t; q < CHUNK / 2u; q += WG) {
				uint a = 2u * q - (q & (d - 1u)), b = a + d;
				float sa = ss[a], sb = ss[b];
				uint ja = sj[a], jb = sj[b];
				bool best_first = (a & size) == 0u;
				if (before(sb, jb, sa, ja) == best_first) {
					ss[a] = sb;
					sj[a] = jb;
					ss[b] = sa;
					sj[b] = ja;
				}
			}
			barrier();
		}
	}
	if ((pc.stage & 4u) != 0u) {
		for (uint e = t; e < pc.p; e += WG) {
			Y[i * pc.p + e] = e < CHUNK ? ss[e] : -1.0 / 0.0;  /* p > n: padding */
			IDX[i * pc.p + e] = e < CHUNK ? sj[e] : ~0u;
		}
		return;
	}
	uint dst = (mode == 0u ? 0u : pc.row_bytes) + 2u * ((i * tiles + tile) * pc.p);
	for (uint e = t; e < pc.p; e += WG) {
		AUXU[dst + 2u * e] = floatBitsToUint(ss[e]);
		AUXU[dst + 2u * e + 1u] = sj[e];
	}
}
