/*
 * wgreduce.glsl - workgroup-wide sum and max through shared memory, for the
 * row-wise shaders. Pairwise (tree) order, so the rounding error of a sum
 * grows with log2 of the workgroup size, not with its length. Every
 * invocation of the workgroup must call these (they contain barriers).
 */
shared float gb_red[WG];

float gb_wg_sum(float v)
{
	uint t = gl_LocalInvocationID.x;

	gb_red[t] = v;
	barrier();
	for (uint s = WG / 2; s > 0; s >>= 1) {
		if (t < s)
			gb_red[t] += gb_red[t + s];
		barrier();
	}
	float r = gb_red[0];
	barrier();
	return r;
}

float gb_wg_max(float v)
{
	uint t = gl_LocalInvocationID.x;

	gb_red[t] = v;
	barrier();
	for (uint s = WG / 2; s > 0; s >>= 1) {
		if (t < s)
			gb_red[t] = max(gb_red[t], gb_red[t + s]);
		barrier();
	}
	float r = gb_red[0];
	barrier();
	return r;
}
