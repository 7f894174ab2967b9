/*
 * datagen.c - deterministic operand data: splitmix64 seeded by FNV-1a of
 * (seed, name, key), and the shapes of data each op gets.
 *
 * The seed is hashed as 8 little-endian bytes and the strings with a NUL
 * after each, so the same triple gives the same stream on every machine.
 * The topk database is clustered: every row is a cluster centre plus noise,
 * normalized, and a topk query is a perturbed copy of one database row (which
 * row follows from the key). Each database row is generated from its own
 * stream, so a query can rebuild its source row without the whole database.
 * The constants below were tuned so that top-10 recall against the f64
 * oracle at n=4096, k=128 is about 0.92 at q4, 0.99 at q8 and 0.998 at f16
 * (budgets 0.80, 0.97, 0.99; tests/unit/test-datagen.c measures it): the
 * quantization costs something visible without failing its budget.
 */
#include "datagen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "rng.h"

/* Rows per cluster of the topk database, cluster spread and query noise,
 * as fractions of a unit-norm centre. */
#define TOPK_CLUSTER_ROWS 32u
#define TOPK_SPREAD 0.75
#define TOPK_QUERY_NOISE 0.3

void gb_rng_seed(struct gb_rng *r, uint64_t seed, const char *name, const char *key)
{
	unsigned char b[8];
	uint64_t h = GB_FNV_INIT;

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(seed >> (8 * i));
	h = gb_fnv1a(h, b, sizeof(b));
	name = name ? name : "";
	key = key ? key : "";
	h = gb_fnv1a(h, name, strlen(name) + 1);
	h = gb_fnv1a(h, key, strlen(key) + 1);
	r->s = h;
}

uint64_t gb_rng_next(struct gb_rng *r)
{
	return gb_splitmix64(&r->s);
}

double gb_rng_uniform(struct gb_rng *r)
{
	return (double)(gb_rng_next(r) >> 11) * 0x1p-53;
}

double gb_rng_normal(struct gb_rng *r)
{
	double u1 = 1.0 - gb_rng_uniform(r);  /* (0, 1]: log is finite */
	double u2 = gb_rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* A stream derived from a parent state and an index (row, cluster). */
static void rng_fork(struct gb_rng *child, uint64_t base, uint64_t i)
{
	struct gb_rng t = { base ^ (i * 0xd1b54a32d192ed03ULL) };

	child->s = gb_rng_next(&t);
}

static void normalize(float *v, uint32_t n)
{
	double s = 0;

	for (uint32_t i = 0; i < n; i++)
		s += (double)v[i] * v[i];
	s = s > 0 ? 1.0 / sqrt(s) : 0.0;
	for (uint32_t i = 0; i < n; i++)
		v[i] = (float)(v[i] * s);
}

static uint32_t topk_clusters(uint32_t rows)
{
	uint32_t c = rows / TOPK_CLUSTER_ROWS;

	return c ? c : 1;
}

/* Centre c of the database: a unit vector of cols normals. */
static void topk_centre(float *out, uint32_t cols, uint64_t seed, const char *tensor,
			uint32_t c)
{
	struct gb_rng base, r;

	gb_rng_seed(&base, seed, tensor, "topk-centre");
	rng_fork(&r, base.s, c);
	for (uint32_t i = 0; i < cols; i++)
		out[i] = (float)gb_rng_normal(&r);
	normalize(out, cols);
}

/*
 * Row `row` of the database into out[cols]; centre[cols] is scratch (or the
 * row's centre when *have_centre says which is already there).
 */
static void topk_row(float *out, float *centre, int64_t *have_centre, uint32_t rows,
		     uint32_t cols, uint64_t seed, const char *tensor, uint32_t row)
{
	struct gb_rng base, r;
	uint32_t c;
	double sd = TOPK_SPREAD / sqrt((double)cols);

	gb_rng_seed(&base, seed, tensor, "topk-row");
	rng_fork(&r, base.s, row);
	c = (uint32_t)(gb_rng_next(&r) % topk_clusters(rows));
	if (*have_centre != (int64_t)c) {
		topk_centre(centre, cols, seed, tensor, c);
		*have_centre = c;
	}
	for (uint32_t i = 0; i < cols; i++)
		out[i] = (float)(centre[i] + sd * gb_rng_normal(&r));
	normalize(out, cols);
}

void gb_datagen_weights(float *out, enum gb_op op, uint32_t rows, uint32_t cols,
			uint64_t seed, const char *tensor)
{
	struct gb_rng r;

	if (op == GB_OP_TOPK) {
		float *centre = gb_xmalloc((size_t)cols * sizeof(float));
		int64_t have = -1;

		for (uint32_t row = 0; row < rows; row++)
			topk_row(out + (size_t)row * cols, centre, &have, rows, cols,
				 seed, tensor, row);
		free(centre);
		return;
	}
	/* matmul: uniform in [-1, 1). */
	gb_rng_seed(&r, seed, tensor, "weights");
	for (size_t i = 0; i < (size_t)rows * cols; i++)
		out[i] = (float)(2.0 * gb_rng_uniform(&r) - 1.0);
}

static void fill_uniform(float *out, size_t n, struct gb_rng *r, double lo, double hi)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (float)(lo + (hi - lo) * gb_rng_uniform(r));
}

void gb_datagen_input(float *out, const struct gb_shape *s, uint64_t seed,
		      const char *tensor, const char *key, uint64_t uniq)
{
	char name[64];
	struct gb_rng r;
	size_t n = gb_shape_in_floats(s);

	/* The op is part of the name: one key never feeds two ops the same bits. */
	if (!key || !*key) {
		snprintf(name, sizeof(name), "uniq:%llu", (unsigned long long)uniq);
		key = name;
	}
	{
		char opkey[64];
		uint64_t h = gb_fnv1a(GB_FNV_INIT, key, strlen(key));

		snprintf(opkey, sizeof(opkey), "%s:%016llx", gb_op_name(s->op),
			 (unsigned long long)h);
		gb_rng_seed(&r, seed, tensor, opkey);
	}
	switch (s->op) {
	case GB_OP_MATMUL:
	case GB_OP_FFT:
		fill_uniform(out, n, &r, -1.0, 1.0);
		break;
	case GB_OP_SOFTMAX:
	case GB_OP_SILU:
		fill_uniform(out, n, &r, -8.0, 8.0);
		break;
	case GB_OP_RMSNORM:
		for (size_t i = 0; i < n; i++)
			out[i] = (float)(2.0 * gb_rng_normal(&r));
		break;
	case GB_OP_REDUCE:
		/* Mostly positive, as activations and probabilities are. */
		fill_uniform(out, n, &r, -0.5, 1.5);
		break;
	case GB_OP_TOPK: {
		float *centre = gb_xmalloc((size_t)s->k * sizeof(float));
		double sd = TOPK_QUERY_NOISE / sqrt((double)s->k);

		for (uint32_t q = 0; q < s->m; q++) {
			float *v = out + (size_t)q * s->k;
			int64_t have = -1;
			uint32_t row = (uint32_t)(gb_rng_next(&r) % (s->n ? s->n : 1));

			topk_row(v, centre, &have, s->n, s->k, seed, tensor, row);
			for (uint32_t i = 0; i < s->k; i++)
				v[i] = (float)(v[i] + sd * gb_rng_normal(&r));
			normalize(v, s->k);
		}
		free(centre);
		break;
	}
	default:
		memset(out, 0, n * sizeof(float));
		break;
	}
}
