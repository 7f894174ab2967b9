/*
 * datagen.h - deterministic operand data (DESIGN.md section 5).
 *
 * Every float a replay feeds an executor comes from (run seed, a name, a
 * key): the same triple always gives the same bits, on every machine, so a
 * replay is bit-reproducible and "same key => same inputs" holds. The
 * generator is splitmix64 seeded by FNV-1a of the name and key.
 */
#ifndef GB_DATAGEN_H
#define GB_DATAGEN_H

#include <stddef.h>
#include <stdint.h>

#include "op.h"

struct gb_rng { uint64_t s; };

void gb_rng_seed(struct gb_rng *r, uint64_t seed, const char *name, const char *key);
uint64_t gb_rng_next(struct gb_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double gb_rng_uniform(struct gb_rng *r);
/* Standard normal (Box-Muller). */
double gb_rng_normal(struct gb_rng *r);

/*
 * Fill the persistent operand of `tensor` (rows*cols floats). For topk the
 * database is clustered so that nearest neighbours are meaningful.
 */
void gb_datagen_weights(float *out, enum gb_op op, uint32_t rows, uint32_t cols,
			uint64_t seed, const char *tensor);
/*
 * Fill one request's input (gb_shape_in_floats(s) floats). `key` names the
 * input; an empty key gets a name unique to the request (uniq).
 */
void gb_datagen_input(float *out, const struct gb_shape *s, uint64_t seed,
		      const char *tensor, const char *key, uint64_t uniq);

#endif
