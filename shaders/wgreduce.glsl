/*
 * wgreduce.glsl - workgroup-wide sum and max for the row-wise shaders.
 * Every invocation of the workgroup must call these (they contain
 * barriers), and every invocation gets the result.
 *
 * Built with -DGB_SUBGROUP (the shader then enables
 * GL_KHR_shader_subgroup_arithmetic before its includes; the host picks that
 * variant only where compute shaders have subgroup arithmetic and WG is a
 * multiple of the subgroup size): subgroupAdd / subgroupMax, then each
 * invocation adds the subgroups' partials in subgroup order, one barrier
 * pair in all. Otherwise a pairwise tree through shared memory, log2(WG)
 * barriers. Both are trees, so the rounding error of a sum grows with the
 * log of the workgroup size, not with its length.
 */
shared float gb_red[WG];

#ifdef GB_SUBGROUP
float gb_wg_combine(float v, bool is_max)
{
	if (gl_NumSubgroups == 1u)
		return v;
	if (subgroupElect())
		gb_red[gl_SubgroupID] = v;
	barrier();
	float r = gb_red[0];
	for (uint s = 1u; s < gl_NumSubgroups; s++)
		r = is_max ? max(r, gb_red[s]) : r + gb_red[s];
	barrier();
	return r;
}

float gb_wg_sum(float v)
{
	return gb_wg_combine(subgroupAdd(v), false);
}

float gb_wg_max(float v)
{
	return gb_wg_combine(subgroupMax(v), true);
}
#else
float gb_wg_tree(float v, bool is_max)
{
	uint t = gl_LocalInvocationID.x;

	gb_red[t] = v;
	barrier();
	for (uint s = WG / 2u; s > 0u; s >>= 1) {
		if (t < s)
			gb_red[t] = is_max ? max(gb_red[t], gb_red[t + s]) : gb_red[t] + gb_red[t + s];
		barrier();
	}
	float r = gb_red[0];
	barrier();
	return r;
}

float gb_wg_sum(float v)
{
	return gb_wg_tree(v, false);
}

float gb_wg_max(float v)
{
	return gb_wg_tree(v, true);
}
#endif
