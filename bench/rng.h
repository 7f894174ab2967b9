/*
 * rng.h - gbench's one family of pseudo-random generators: splitmix64 (a
 * seed expander and a small generator of its own) and xoshiro256**
 * (Blackman and Vigna) seeded through it. Nothing here reads a clock or
 * the environment: the same seed gives the same numbers on every machine,
 * which is what makes traces (synth), data (datagen), schedules (run) and
 * verdicts (compare) reproducible.
 */
#ifndef GB_RNG_H
#define GB_RNG_H

#include <stdint.h>

/* One splitmix64 step: advances *state and returns the next value. */
uint64_t gb_splitmix64(uint64_t *state);

struct gb_xo {
	uint64_t s[4];
};

void gb_xo_seed(struct gb_xo *r, uint64_t seed);
uint64_t gb_xo_next(struct gb_xo *r);
/* Uniform in [0, n) without modulo bias (Lemire's method); n > 0. */
uint64_t gb_xo_below(struct gb_xo *r, uint64_t n);
/* Uniform in [0, 1), 53 random bits. */
double gb_xo_unit(struct gb_xo *r);
/* Standard normal (Box-Muller; uses two draws per call). */
double gb_xo_normal(struct gb_xo *r);

#endif
