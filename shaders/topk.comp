#version 450
/*
 * topk.comp - selects, for each of m queries, the p highest of its n scores
 * (AUX, written by matmul.comp built with -DTOPK_SCORES), in descending
 * order, ties to the lower index. One workgroup per query runs p rounds;
 * round r finds the best (score, index) strictly after round r-1's in that
 * order, so nothing is marked and equal scores come out by index. O(p*n/WG)
 * per query: meant for the modest p of a vector search. A query with fewer
 * than p scores pads with index 0xffffffff and score -inf.
 *
 * The host (bench/vulkan/ops-topk.c) uses it on a CPU device only, and only
 * while p * (n / WG + 7) loop trips stay well under lavapipe's cap of
 * 65,535 trips per invocation in all: past the cap llvmpipe ends the loops
 * and the rounds return what the cut-short scans found (issue 14's recall
 * of 0.64 at n = 100,000, p = 64). Elsewhere topk_sel.comp's tiles run.
 */
#include "common.glsl"

shared float rs[WG];
shared uint rj[WG];

/* (sa, ja) comes before (sb, jb): higher score, then lower index. */
bool before(float sa, uint ja, float sb, uint jb)
{
	return sa > sb || (sa == sb && ja < jb);
}

void main()
{
	uint i = gb_group();
	if (i >= pc.m)
		return;
	uint t = gl_LocalInvocationID.x, base = i * pc.n;
	float ps = 1.0 / 0.0;
	uint pj = ~0u;
	bool first = true;
	for (uint r = 0; r < pc.p; r++) {
		float bs = -1.0 / 0.0;
		uint bj = ~0u;
		for (uint j = t; j < pc.n; j += WG) {
			float s = AUX[base + j];
			if ((first || before(ps, pj, s, j)) && before(s, j, bs, bj)) {
				bs = s;
				bj = j;
			}
		}
		rs[t] = bs;
		rj[t] = bj;
		barrier();
		for (uint h = WG / 2; h > 0; h >>= 1) {
			if (t < h && before(rs[t + h], rj[t + h], rs[t], rj[t])) {
				rs[t] = rs[t + h];
				rj[t] = rj[t + h];
			}
			barrier();
		}
		ps = rs[0];
		pj = rj[0];
		first = false;
		barrier();
		if (t == 0) {
			Y[i * pc.p + r] = ps;
			IDX[i * pc.p + r] = pj;
		}
	}
}
