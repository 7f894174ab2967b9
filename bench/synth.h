/*
 * synth.h - seeded synthetic workloads, the back end of `gbench synth`.
 *
 * Four kinds of trace, each in four size tiers (workloads/README.md):
 *   llm-decode      S sequences decoding T tokens through L transformer layers
 *   llm-prefill     prompts of a few hundred tokens through the same layers
 *   vector-search   top-k queries against one database, Zipf-repeated queries
 *   audio-features  fft, rmsnorm, mel projection and pooling per audio clip
 * Top-level arrivals (sequences, prompts, queries, clips) are a Poisson
 * process; repeated keys are Zipf distributed. Everything random comes from
 * one seed through the generator below, so the same parameters give the
 * same trace, byte for byte.
 */
#ifndef GB_SYNTH_H
#define GB_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "trace.h"

enum gb_synth_kind {
	GB_SYNTH_LLM_DECODE,
	GB_SYNTH_LLM_PREFILL,
	GB_SYNTH_VECTOR_SEARCH,
	GB_SYNTH_AUDIO_FEATURES,
	GB_SYNTH_KIND_COUNT
};

enum gb_synth_tier {
	GB_TIER_CI,
	GB_TIER_LOW_END,
	GB_TIER_MID_RANGE,
	GB_TIER_HIGH_END,
	GB_TIER_COUNT
};

struct gb_synth_params {
	enum gb_synth_kind kind;
	enum gb_synth_tier tier;
	uint64_t seed;
	uint32_t requests;  /* top-level arrivals (sequences, prompts, queries,
			       clips); 0 = the tier's default */
	double rate;        /* their Poisson rate per second; 0 = the tier's default */
	double zipf_s;      /* Zipf exponent of repeated keys; 0 = default (1.0) */
};

const char *gb_synth_kind_name(enum gb_synth_kind k);
int gb_synth_kind_parse(const char *s, enum gb_synth_kind *k);   /* 0 or -1 */
const char *gb_synth_tier_name(enum gb_synth_tier t);
int gb_synth_tier_parse(const char *s, enum gb_synth_tier *t);   /* 0 or -1 */

/*
 * Generate a trace into *t (released with gb_trace_release; path and name
 * are the kind's name). Returns 0, or -1 with a message for parameters out
 * of range.
 */
int gb_synth_generate(const struct gb_synth_params *p, struct gb_trace *t);

/* Exponential inter-arrival time in ns for a Poisson process of `rate`/s (rng.h's generator). */
uint64_t gb_synth_exp_ns(struct gb_xo *r, double rate);

/* Zipf(s) over ranks 0..n-1 (rank 0 most frequent), by inverse CDF. */
struct gb_zipf {
	double *cdf;
	uint32_t n;
};

void gb_zipf_init(struct gb_zipf *z, uint32_t n, double s);
uint32_t gb_zipf_draw(const struct gb_zipf *z, struct gb_xo *r);
void gb_zipf_release(struct gb_zipf *z);

#endif
