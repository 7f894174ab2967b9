/*
 * gemm.c - the blocked matrix product (gemm.h): the block size from the
 * caches, the walk over blocks, tiles and (opt-in) k panels, the mat-vec
 * path and the portable inner product. The SIMD micro-kernels live in
 * gemm-avx2.c, gemm-avx512.c and kernels-avx2.c (the AVX2 1- and 2-row
 * ones).
 */
#include "gemm.h"

#include <string.h>

#include "gemm-simd.h"
#include "kernels-simd.h"
#include "kernels.h"
#include "sysinfo.h"

/* Without sysfs: the smallest L2 of the x86 cores gbench meets (256 KiB). */
#define GEMM_DEFAULT_BLOCK_BYTES (128u * 1024)

/* x rows per tile at the AVX-512 level (1 to 6), the tallest of any level. */
#define GEMM_MR_AVX512 6
#define GEMM_MR_MAX GEMM_MR_AVX512

/* Floats of a tile's accumulators in the k-panel form, by level: one 8-lane
 * vector per output of a 3 x 4 tile, one 16-lane vector per output of 6 x 4. */
#define GEMM_TILE_ACC_AVX2 96
#define GEMM_TILE_ACC_MAX (GEMM_MR_AVX512 * 4 * 16)

static size_t cache_block_bytes;   /* half of L2; 0 until gb_gemm_init */
static size_t forced_block_bytes;  /* tests */
/*
 * Most k floats per panel, set by tests and gemm-bench (UINT32_MAX: one
 * panel); 0: the level's default. At AVX2 that is one panel: panels keep a
 * 3-row x tile's panel in L1d while the block's rows pass it, but on the
 * development VM (48 KiB L1d, 1 MiB L2) the tile streams from L2 at full
 * speed at k = 4096, and panels of L1d's size measured no faster there,
 * those of half of it 10-18% slower at k = 1024 (docs/cpu-kernels.md). At
 * AVX-512 the 6-row tile is twice as tall and twice as fast: at k = 4096
 * (a 96 KiB tile) panels of 1024 floats (24 KiB, half of L1d) beat one
 * panel in each of four same-minute pairs (131-153 against 113-128
 * GFLOP/s on one core), larger panels were no better, 512 worse
 * (docs/cpu-kernels.md); so panels whose tile fills half of L1d there
 * (avx512_panel_floats).
 */
static uint32_t forced_panel_max;
static uint32_t avx512_panel_floats;  /* from L1d, set by gb_gemm_init */

void gb_gemm_init(void)
{
	uint64_t l1, l2;

	if (cache_block_bytes)
		return;
	l1 = gb_sysinfo_cache_bytes(1);
	if (l1 < 16 * 1024 || l1 > 1024 * 1024)
		l1 = 32 * 1024;  /* unknown: the smallest L1d of the AVX-512 cores */
	avx512_panel_floats = (uint32_t)(l1 / 2 / (GEMM_MR_AVX512 * sizeof(float))) / 32 * 32;
	l2 = gb_sysinfo_cache_bytes(2);
	/* Half of L2: the block of weights shares it with the x tiles streaming
	 * through and with what the other half of a 2-way-shared core does. */
	cache_block_bytes = l2 >= 64 * 1024 ? (size_t)(l2 / 2) : GEMM_DEFAULT_BLOCK_BYTES;
}

void gb_gemm_set_block_bytes(size_t bytes)
{
	forced_block_bytes = bytes;
}

uint32_t gb_gemm_block_rows(uint32_t kp)
{
	size_t bytes, rows;

	gb_gemm_init();
	bytes = forced_block_bytes ? forced_block_bytes : cache_block_bytes;
	rows = bytes / ((size_t)(kp ? kp : 1) * sizeof(float)) / 4 * 4;
	if (rows < 4)
		rows = 4;
	return rows > UINT32_MAX / 2 ? UINT32_MAX / 2 / 4 * 4 : (uint32_t)rows;
}

void gb_gemm_set_panel_floats(uint32_t kc)
{
	forced_panel_max = kc;
}

uint32_t gb_gemm_panel_floats(uint32_t kp)
{
	uint32_t cap = forced_panel_max, most, np, kc;

	if (!cap) {
		gb_gemm_init();
		cap = gb_kern_simd() == GB_SIMD_AVX512 ? avx512_panel_floats : 0;
	}
	if (!cap)
		return kp;
	most = cap < 32 ? 32 : cap / 32 * 32;
	if (kp <= most)
		return kp;
	/* Equal panels rather than full ones and a short tail. */
	np = (kp + most - 1) / most;
	kc = (kp + np - 1) / np;
	return (kc + 31) / 32 * 32;
}

static uint32_t tile_rows_at(enum gb_simd simd)
{
	return simd == GB_SIMD_AVX512 ? GEMM_MR_AVX512 : 3;
}

uint32_t gb_gemm_tile_rows(void)
{
	return tile_rows_at(gb_kern_simd());
}

size_t gb_gemm_scratch_floats(const struct gb_weights *w)
{
	uint32_t kp = w->cols_padded;
	size_t nc = gb_gemm_block_rows(kp);

	/* The dequantized block, then (k in panels) the accumulators of one
	 * tile row of it. The executor asks on every call, so a panel size
	 * set after its start still gets its room. */
	return nc * kp + (gb_gemm_panel_floats(kp) < kp ? nc / 4 * GEMM_TILE_ACC_MAX : 0);
}

/* The 8 lanes' pairwise sum, the order of the AVX2 build's hsum. */
static float sum8(const float *l)
{
	return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

/* 8 lanes, as the AVX2 build; kp is a multiple of 8. */
static float dot_generic(const float *x, const float *w, uint32_t kp)
{
	float acc[8] = { 0 };

	for (uint32_t i = 0; i < kp; i += 8)
		for (int l = 0; l < 8; l++)
			acc[l] += x[i + l] * w[i + l];
	return sum8(acc);
}

/* The k-panel form of dot_generic: acc as gb_gemm_avx2_acc's. */
static void acc_generic(const float *x, size_t ldx, const float *const w[4], uint32_t kc,
			uint32_t mr, uint32_t nb, float *acc)
{
	for (uint32_t r = 0; r < mr; r++)
		for (uint32_t t = 0; t < nb; t++) {
			float *a = acc + (r * 4 + t) * 8;
			const float *xr = x + (size_t)r * ldx;

			for (uint32_t i = 0; i < kc; i += 8)
				for (int l = 0; l < 8; l++)
					a[l] += xr[i + l] * w[t][i + l];
		}
}

/* Rows i0..i1 of x against 4 weight rows (nb of them real) into y + j. */
static void rows_by_4(const float *x, uint32_t kp, uint32_t i0, uint32_t i1,
		      const float *const rows[4], uint32_t nb, float *y, size_t ldy,
		      uint32_t j, enum gb_simd simd)
{
	for (uint32_t i = i0; i < i1;) {
		const float *xr = x + (size_t)i * kp;
		float *yr = y + (size_t)i * ldy + j;
		float out[4 * GEMM_MR_MAX];
		uint32_t most = tile_rows_at(simd), mr = i1 - i >= most ? most : i1 - i;

		if (simd == GB_SIMD_AVX512)
			gb_gemm_avx512_rx4(xr, kp, rows, kp, mr, out);
		else if (simd == GB_SIMD_AVX2 && mr == 3)
			gb_gemm_avx2_3x4(xr, kp, rows, kp, out);
		else if (simd == GB_SIMD_AVX2 && mr == 2)
			gb_kern_avx2_dot2x4(xr, xr + kp, rows, kp, out);  /* out[4..7]: row 2 */
		else if (simd == GB_SIMD_AVX2)
			gb_kern_avx2_dot4(xr, rows, kp, out);
		else
			for (uint32_t r = 0; r < mr; r++)
				for (uint32_t t = 0; t < nb; t++)
					out[r * 4 + t] = dot_generic(xr + (size_t)r * kp, rows[t], kp);
		for (uint32_t r = 0; r < mr; r++)
			for (uint32_t t = 0; t < nb; t++)
				yr[(size_t)r * ldy + t] = out[r * 4 + t];
		i += mr;
	}
}

/* The weight rows j..j+3 (nb real) of a block starting at row jb. */
static void block_rows(const float *wb, uint32_t kp, uint32_t jb, uint32_t j, uint32_t nb,
		       const float *rows[4])
{
	for (uint32_t t = 0; t < 4; t++)
		rows[t] = wb + (size_t)(j - jb + (t < nb ? t : 0)) * kp;  /* extras: thrown away */
}

/*
 * Rows i..ie (at most 3) of x against the block's rows jb..je, k in panels
 * of kc: every 4 weight rows of the block meet the tile's panel while it
 * sits in L1; the accumulators (acc: one tile per 4 block rows) carry from
 * panel to panel, so each output sees the FMAs of the whole-k kernels in
 * the same order and keeps their bits.
 */
static void tile_panels(const float *x, uint32_t kp, uint32_t kc, uint32_t i, uint32_t ie,
			const float *wb, uint32_t jb, uint32_t je, float *y, size_t ldy,
			float *acc, enum gb_simd simd)
{
	uint32_t mr = ie - i, ng = (je - jb + 3) / 4;
	const float *xr = x + (size_t)i * kp;
	size_t ta = simd == GB_SIMD_AVX512 ? GEMM_TILE_ACC_MAX : GEMM_TILE_ACC_AVX2;

	memset(acc, 0, (size_t)ng * ta * sizeof(float));
	for (uint32_t kb = 0; kb < kp; kb += kc) {
		uint32_t kl = kp - kb < kc ? kp - kb : kc;

		for (uint32_t g = 0; g < ng; g++) {
			uint32_t j = jb + 4 * g, nb = je - j < 4 ? je - j : 4;
			const float *rows[4];

			block_rows(wb, kp, jb, j, nb, rows);
			for (int t = 0; t < 4; t++)
				rows[t] += kb;
			if (simd == GB_SIMD_AVX512)
				gb_gemm_avx512_acc(xr + kb, kp, rows, kl, mr, acc + g * ta);
			else if (simd == GB_SIMD_AVX2)
				gb_gemm_avx2_acc(xr + kb, kp, rows, kl, mr, acc + g * ta);
			else
				acc_generic(xr + kb, kp, rows, kl, mr, nb, acc + g * ta);
		}
	}
	for (uint32_t g = 0; g < ng; g++) {
		uint32_t j = jb + 4 * g, nb = je - j < 4 ? je - j : 4;
		const float *a = acc + g * ta;
		float out[4 * GEMM_MR_MAX];

		if (simd == GB_SIMD_AVX512)
			gb_gemm_avx512_finish(a, mr, out);
		else if (simd == GB_SIMD_AVX2)
			gb_gemm_avx2_finish(a, mr, out);
		else
			for (uint32_t o = 0; o < mr * 4; o++)
				out[o] = sum8(a + o * 8);
		for (uint32_t r = 0; r < mr; r++)
			for (uint32_t t = 0; t < nb; t++)
				y[(size_t)(i + r) * ldy + j + t] = out[r * 4 + t];
	}
}

/*
 * Mat-vec and 2-row calls: nothing to reuse across x rows, so 4 weight rows
 * at a time, dequantized into L1, go straight through the dot products.
 */
static void gemm_small(const struct gb_weights *w, const float *x, uint32_t i0, uint32_t i1,
		       float *y, size_t ldy, uint32_t j0, uint32_t j1, float *scratch, enum gb_simd simd)
{
	uint32_t kp = w->cols_padded;

	for (uint32_t j = j0; j < j1; j += 4) {
		uint32_t nb = j1 - j < 4 ? j1 - j : 4;
		const float *rows[4];

		if (w->quant == GB_Q_F32) {
			block_rows((const float *)w->data, kp, 0, j, nb, rows);
		} else if (simd != GB_SIMD_GENERIC && i1 - i0 == 1) {
			/* mat-vec: each block dequantized in registers, no trip through scratch */
			uint32_t r[4];
			float out[4];

			for (uint32_t t = 0; t < 4; t++)
				r[t] = j + (t < nb ? t : 0);
			(simd == GB_SIMD_AVX512 ? gb_gemm_avx512_dot4_q :
			 gb_kern_avx2_dot4_q)(x + (size_t)i0 * kp, w, r, out);
			for (uint32_t t = 0; t < nb; t++)
				y[(size_t)i0 * ldy + j + t] = out[t];
			continue;
		} else {
			for (uint32_t t = 0; t < nb; t++)
				gb_kern_dequant_row(w, j + t, scratch + (size_t)t * kp);
			block_rows(scratch, kp, j, j, nb, rows);
		}
		rows_by_4(x, kp, i0, i1, rows, nb, y, ldy, j, simd);
	}
}

void gb_gemm_run(const struct gb_weights *w, const float *x, uint32_t i0, uint32_t i1,
		 float *y, size_t ldy, uint32_t j0, uint32_t j1, float *scratch)
{
	uint32_t kp = w->cols_padded, nc = gb_gemm_block_rows(kp), kc = gb_gemm_panel_floats(kp);
	enum gb_simd simd = gb_kern_simd();
	float *acc = scratch + (size_t)nc * kp;  /* after the block: 32-byte aligned */
	uint32_t mt = tile_rows_at(simd);

	if (i1 <= i0 || j1 <= j0)
		return;
	if (i1 - i0 <= 2) {
		gemm_small(w, x, i0, i1, y, ldy, j0, j1, scratch, simd);
		return;
	}
	/* f32 rows are read in place: w->row_bytes is kp floats. */
	for (uint32_t jb = j0; jb < j1; jb += nc) {
		uint32_t je = j1 - jb < nc ? j1 : jb + nc;
		const float *wb;

		if (w->quant == GB_Q_F32) {
			wb = (const float *)w->data + (size_t)jb * kp;
		} else {
			for (uint32_t r = jb; r < je; r++)
				gb_kern_dequant_row(w, r, scratch + (size_t)(r - jb) * kp);
			wb = scratch;
		}
		/* Tiles of mt x rows (in L1) against every 4 rows of the block (in L2),
		 * k in panels where they are asked for. */
		for (uint32_t i = i0; i < i1; i += mt) {
			uint32_t ie = i1 - i < mt ? i1 : i + mt;

			if (kc < kp) {
				tile_panels(x, kp, kc, i, ie, wb, jb, je, y, ldy, acc, simd);
				continue;
			}

			for (uint32_t j = jb; j < je; j += 4) {
				uint32_t nb = je - j < 4 ? je - j : 4;
				const float *rows[4];

				block_rows(wb, kp, jb, j, nb, rows);
				rows_by_4(x, kp, i, ie, rows, nb, y, ldy, j, simd);
			}
		}
	}
}
