#version 450
/*
 * topk_sel.comp - top-k selection by tiles: each workgroup takes a tile of
 * CHUNK candidates, sorts it in shared memory with a bitonic network in
 * (score desc, index asc) order and writes its best p; the host repeats
 * the pass over the survivors (CHUNK >= 2p, so each pass at least halves
 * them) until one tile is left, whose best p go to Y and IDX. Any p up to
 * CHUNK / 2 works and the work is spread over n / CHUNK workgroups per
 * query instead of one.
 *
 * In the fused first pass (mode 0) a workgroup scores its tile of the
 * database against QG = pc.stage >> 8 queries at once (up to 8, as many
 * as the shared arrays hold tiles: QG * CHUNK <= 2048), so that the
 * weights are read once for them rather than once a query; each query's
 * tile is a segment of the shared arrays, sorted side by side. The other
 * passes take one query a workgroup.
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
 * The tile, CHUNK = pc.j1, is a power of two from 2 to 2048, and QG *
 * CHUNK is at least 2 WG; each step of the network is QG * CHUNK / (2 WG)
 * compare-exchanges per invocation (a CPU device runs small workgroups:
 * fewer, cheaper barriers).
 */
#include "common.glsl"
#ifdef FUSED
#include "quant.glsl"
#endif


layout(std430, set = 0, binding = 3) buffer ABufU { uint AUXU[]; };

/* Sized for the largest tile (or QG tiles), so that the size is a plain constant. */
#define GB_TOPK_MAX_CHUNK 2048u
shared float ss[GB_TOPK_MAX_CHUNK];
shared uint sj[GB_TOPK_MAX_CHUNK];

/* (sa, ja) comes before (sb, jb): a higher score, then a lower index. */
bool before(float sa, uint ja, float sb, uint jb)
{
	return sa > sb || (sa == sb && ja < jb);
}

/* A NaN score becomes the padding, which every real score comes before. */
void put(uint e, float s, uint j)
{
	bool nan = isnan(s);
	ss[e] = nan ? -1.0 / 0.0 : s;
	sj[e] = nan ? ~0u : j;
}

/* Candidate c (< pc.n) of query i, modes 1 and 2, into slot e. */
void load(uint i, uint c, uint mode, uint e)
{
	if (mode == 2u) {
		uint a = pc.kp + 2u * (i * pc.n + c);
		put(e, uintBitsToFloat(AUXU[a]), AUXU[a + 1u]);
		return;
	}
	put(e, AUX[i * pc.n + c], c);
}

#ifdef FUSED
/*
 * Mode 0: database row c scored against queries i0 ... i0 + nq - 1, into
 * slot e of each query's segment. One walk along the row serves four
 * queries (gb_block_dot4); a lane past nq repeats the last query and is
 * not kept. One query takes gb_block_dot alone.
 */
void score(uint c, uint i0, uint nq, uint CHUNK, uint e)
{
	uint row = c * pc.row_bytes, nb = pc.kp / 32u;
	if (nq == 1u) {
		float s = 0.0;
		for (uint b = 0; b < nb; b++)
			s += gb_block_dot(row, b, i0 * pc.k + b * 32u, min(32u, pc.k - b * 32u));
		put(e, s, c);
		return;
	}
	for (uint q0 = 0; q0 < nq; q0 += 4u) {
		uvec4 qi = uvec4(i0) + min(uvec4(q0) + uvec4(0u, 1u, 2u, 3u), uvec4(nq - 1u));
		vec4 s = vec4(0.0);
		for (uint b = 0; b < nb; b++)
			s += gb_block_dot4(row, b, qi * pc.k + b * 32u, min(32u, pc.k - b * 32u));
		for (uint q = q0; q < min(q0 + 4u, nq); q++)
			put(q * CHUNK + e, s[q - q0], c);
	}
}
#endif

void main()
{
	uint CHUNK = pc.j1;
	uint tiles = (pc.n + CHUNK - 1u) / CHUNK;
	uint mode = pc.stage & 3u;
	/* Queries a workgroup takes (stage >> 8, mode 0 only): one segment each. */
	uint QG = mode == 0u ? max(pc.stage >> 8, 1u) : 1u;
	uint g = gb_group();
	uint i0 = (g / tiles) * QG, tile = g % tiles;
	if (i0 >= pc.m)
		return;  /* uniform across the workgroup */
	uint nq = min(QG, pc.m - i0);
	uint t = gl_LocalInvocationID.x;
	uint c0 = tile * CHUNK;
	for (uint e = t; e < CHUNK; e += WG) {
		uint c = c0 + e;
		if (c >= pc.n) {
			for (uint q = 0; q < nq; q++)
				put(q * CHUNK + e, -1.0 / 0.0, ~0u);
			continue;
		}
#ifdef FUSED
		score(c, i0, nq, CHUNK, e);
#else
		load(i0, c, mode, e);
#endif
	}
	barrier();
	/*
	 * Bitonic sort of each query's segment, best first. Pair q of a
	 * segment orders (a, a + d) with a's bit d clear; blocks of `size`
	 * alternate direction so that the merge of the next size sees bitonic
	 * sequences. The segments' pairs are shared out among the invocations
	 * together, so a step costs one barrier however many queries.
	 */
	uint hc = CHUNK / 2u, hlog = uint(findMSB(max(hc, 1u)));
	for (uint size = 2u; size <= CHUNK; size <<= 1) {
		for (uint d = size >> 1; d > 0u; d >>= 1) {
			for (uint u = t; u < nq * hc; u += WG) {
				uint q = u & (hc - 1u), base = (u >> hlog) * CHUNK;
				uint la = 2u * q - (q & (d - 1u));
				uint a = base + la, b = a + d;
				float sa = ss[a], sb = ss[b];
				uint ja = sj[a], jb = sj[b];
				bool best_first = (la & size) == 0u;
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
	for (uint q = 0; q < nq; q++) {
		uint i = i0 + q, base = q * CHUNK;
		if ((pc.stage & 4u) != 0u) {
			for (uint e = t; e < pc.p; e += WG) {
				/* p > n: padding */
				Y[i * pc.p + e] = e < CHUNK ? ss[base + e] : -1.0 / 0.0;
				IDX[i * pc.p + e] = e < CHUNK ? sj[base + e] : ~0u;
			}
			continue;
		}
		uint dst = (mode == 0u ? 0u : pc.row_bytes) + 2u * ((i * tiles + tile) * pc.p);
		for (uint e = t; e < pc.p; e += WG) {
			AUXU[dst + 2u * e] = floatBitsToUint(ss[base + e]);
			AUXU[dst + 2u * e + 1u] = sj[base + e];
		}
	}
}
