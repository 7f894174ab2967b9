/*
 * synth.c - seeded synthetic traces (synth.h): LLM decode and prefill,
 * vector search and audio features, each in four size tiers.
 *
 * One xoshiro256** stream, seeded through splitmix64, makes every random
 * choice in a fixed order, and only integers and doubles rounded to whole
 * nanoseconds reach the output, so the same parameters give the same bytes.
 * Requests are generated per top-level arrival (a token step, a prompt, a
 * query, a clip) in program order and then sorted by arrival, ties kept in
 * generation order, which is what keeps one stream's requests in order.
 *
 * The ci tier is sized so that a whole trace replays in tens of
 * milliseconds on a plain CPU implementation (about 40 MFLOP each); the
 * larger tiers grow towards real model sizes while every operand stays
 * under GB_MAX_ELEMS. workloads/README.md lists the sizes.
 */
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"

#define GB_SYNTH_MAX_ROWS 10000000u

static const char *const kind_names[GB_SYNTH_KIND_COUNT] = {
	[GB_SYNTH_LLM_DECODE] = "llm-decode",
	[GB_SYNTH_LLM_PREFILL] = "llm-prefill",
	[GB_SYNTH_VECTOR_SEARCH] = "vector-search",
	[GB_SYNTH_AUDIO_FEATURES] = "audio-features",
};

static const char *const tier_names[GB_TIER_COUNT] = {
	[GB_TIER_CI] = "ci",
	[GB_TIER_LOW_END] = "low-end",
	[GB_TIER_MID_RANGE] = "mid-range",
	[GB_TIER_HIGH_END] = "high-end",
};

/* Transformer sizes shared by decode and prefill. */
struct llm_tier {
	uint32_t d, ffn, heads, layers;
	uint32_t requests;          /* decode: sequences; prefill: prompts */
	uint32_t tokens;            /* decode: tokens per sequence */
	uint32_t len_min, len_max;  /* decode: context before the first token; prefill: prompt length */
	uint32_t streams;           /* prefill: clients */
	double rate;                /* arrivals of sequences or prompts per second */
	uint64_t token_ns;          /* decode: time between a sequence's tokens */
};

static const struct llm_tier decode_tiers[GB_TIER_COUNT] = {
	[GB_TIER_CI]        = { 256, 704, 4, 1, 4, 6, 32, 32, 0, 400, 2000000 },
	[GB_TIER_LOW_END]   = { 1024, 2816, 8, 2, 4, 16, 128, 256, 0, 20, 25000000 },
	[GB_TIER_MID_RANGE] = { 2048, 5632, 16, 2, 8, 16, 256, 1024, 0, 50, 15000000 },
	[GB_TIER_HIGH_END]  = { 4096, 11008, 32, 2, 16, 32, 512, 2048, 0, 100, 10000000 },
};

static const struct llm_tier prefill_tiers[GB_TIER_COUNT] = {
	[GB_TIER_CI]        = { 128, 352, 4, 1, 3, 0, 32, 64, 2, 200, 0 },
	[GB_TIER_LOW_END]   = { 1024, 2816, 8, 1, 4, 0, 64, 192, 2, 5, 0 },
	[GB_TIER_MID_RANGE] = { 2048, 5632, 16, 1, 6, 0, 128, 384, 4, 10, 0 },
	[GB_TIER_HIGH_END]  = { 4096, 11008, 32, 1, 4, 0, 256, 512, 4, 20, 0 },
};

struct search_tier {
	uint32_t n, dim, queries, clients;
	double rate;
};

static const struct search_tier search_tiers[GB_TIER_COUNT] = {
	[GB_TIER_CI]        = { 2048, 64, 120, 4, 10000 },
	[GB_TIER_LOW_END]   = { 65536, 128, 500, 4, 1000 },
	[GB_TIER_MID_RANGE] = { 262144, 128, 1000, 8, 2000 },
	[GB_TIER_HIGH_END]  = { 1048576, 64, 2000, 16, 5000 },
};

struct audio_tier {
	uint32_t fft_n, frames_min, frames_max, mel, clips, streams;
	double rate;
};

static const struct audio_tier audio_tiers[GB_TIER_COUNT] = {
	[GB_TIER_CI]        = { 512, 16, 16, 64, 30, 2, 2000 },
	[GB_TIER_LOW_END]   = { 1024, 32, 64, 128, 100, 2, 100 },
	[GB_TIER_MID_RANGE] = { 1024, 64, 128, 128, 200, 4, 200 },
	[GB_TIER_HIGH_END]  = { 1024, 128, 256, 128, 400, 8, 400 },
};

const char *gb_synth_kind_name(enum gb_synth_kind k)
{
	return (unsigned)k < GB_SYNTH_KIND_COUNT ? kind_names[k] : "unknown";
}

int gb_synth_kind_parse(const char *s, enum gb_synth_kind *k)
{
	for (unsigned i = 0; i < GB_SYNTH_KIND_COUNT; i++) {
		if (!strcmp(s, kind_names[i])) {
			*k = (enum gb_synth_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *gb_synth_tier_name(enum gb_synth_tier t)
{
	return (unsigned)t < GB_TIER_COUNT ? tier_names[t] : "unknown";
}

int gb_synth_tier_parse(const char *s, enum gb_synth_tier *t)
{
	for (unsigned i = 0; i < GB_TIER_COUNT; i++) {
		if (!strcmp(s, tier_names[i])) {
			*t = (enum gb_synth_tier)i;
			return 0;
		}
	}
	return -1;
}

/* ---- random numbers ---------------------------------------------------- */

uint64_t gb_synth_exp_ns(struct gb_xo *r, double rate)
{
	double u = gb_xo_unit(r);

	return (uint64_t)(-log1p(-u) / rate * 1e9 + 0.5);
}

/* Uniform integer in [lo, hi]. */
static uint32_t rng_range(struct gb_xo *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(gb_xo_unit(r) * (double)(hi - lo + 1));
}

/* "a..b", or "a" when the range is one value (returns a static buffer). */
static const char *range_str(uint32_t lo, uint32_t hi)
{
	static char buf[32];

	if (lo == hi)
		snprintf(buf, sizeof(buf), "%u", lo);
	else
		snprintf(buf, sizeof(buf), "%u..%u", lo, hi);
	return buf;
}

void gb_zipf_init(struct gb_zipf *z, uint32_t n, double s)
{
	double sum = 0;

	z->n = n ? n : 1;
	z->cdf = gb_xmalloc(z->n * sizeof(*z->cdf));
	for (uint32_t i = 0; i < z->n; i++) {
		sum += pow((double)(i + 1), -s);
		z->cdf[i] = sum;
	}
	for (uint32_t i = 0; i < z->n; i++)
		z->cdf[i] /= sum;
	z->cdf[z->n - 1] = 1.0;
}

uint32_t gb_zipf_draw(const struct gb_zipf *z, struct gb_xo *r)
{
	double u = gb_xo_unit(r);
	uint32_t lo = 0, hi = z->n - 1;

	/* The first rank whose cumulative probability exceeds u. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (z->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void gb_zipf_release(struct gb_zipf *z)
{
	free(z->cdf);
	z->cdf = NULL;
	z->n = 0;
}

/* ---- building the trace ------------------------------------------------ */

struct gen {
	struct gb_trace *t;
	size_t reqcap, strcap, metacap;
	struct gb_xo rng;
	double rate, zipf_s;
	uint32_t requests;
};

/* A string the trace owns. */
static const char *gen_str(struct gen *g, char *s)
{
	struct gb_trace *t = g->t;

	if (t->nstrings == g->strcap) {
		g->strcap = g->strcap ? 2 * g->strcap : 64;
		t->strings = gb_xrealloc(t->strings, g->strcap * sizeof(*t->strings));
	}
	t->strings[t->nstrings++] = s;
	return s;
}

static void gen_meta(struct gen *g, const char *key, char *value)
{
	struct gb_trace *t = g->t;

	if (t->nmeta == g->metacap) {
		g->metacap = g->metacap ? 2 * g->metacap : 8;
		t->meta = gb_xrealloc(t->meta, g->metacap * sizeof(*t->meta));
	}
	t->meta[t->nmeta].key = gb_xstrdup(key);
	t->meta[t->nmeta].value = value;
	t->nmeta++;
}

static void gen_row(struct gen *g, uint64_t at, uint32_t stream, enum gb_op op,
		    uint32_t m, uint32_t n, uint32_t k, uint32_t p,
		    const char *tensor, const char *key)
{
	struct gb_trace *t = g->t;

	if (t->n == g->reqcap) {
		g->reqcap = g->reqcap ? 2 * g->reqcap : 1024;
		t->req = gb_xrealloc(t->req, g->reqcap * sizeof(*t->req));
	}
	t->req[t->n] = (struct gb_request){
		.arrival_ns = at,
		.stream = stream,
		.shape = { .op = op, .m = m, .n = n, .k = k, .p = p },
		.tensor = tensor,
		.key = key,
		.line = (uint32_t)t->n,   /* generation order until sorted */
	};
	t->n++;
}

static int req_cmp(const void *a, const void *b)
{
	const struct gb_request *x = a, *y = b;

	if (x->arrival_ns != y->arrival_ns)
		return x->arrival_ns < y->arrival_ns ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The roles of one transformer layer, in execution order. */
enum role {
	R_ATTN_NORM, R_WQ, R_WK, R_WV, R_SOFTMAX, R_WO,
	R_FFN_NORM, R_GATE, R_UP, R_SILU, R_DOWN, R_COUNT
};

static const char *const role_names[R_COUNT] = {
	"attn_norm", "wq", "wk", "wv", "attn_softmax", "wo",
	"ffn_norm", "ffn_gate", "ffn_up", "ffn_silu", "ffn_down"
};

/* Tensor names blkL.wq ... of every layer (NULL for roles without one). */
static const char **llm_tensors(struct gen *g, uint32_t layers)
{
	const char **names = gb_xcalloc((size_t)layers * R_COUNT, sizeof(*names));

	for (uint32_t l = 0; l < layers; l++) {
		for (int r = 0; r < R_COUNT; r++) {
			if (r == R_ATTN_NORM || r == R_SOFTMAX || r == R_FFN_NORM || r == R_SILU)
				continue;
			names[l * R_COUNT + r] = gen_str(g, gb_xasprintf("blk%u.%s", l, role_names[r]));
		}
	}
	return names;
}

/*
 * One layer for m rows (tokens); attention softmax over sm_m rows of
 * sm_n. keys[r] is the key of role r ("" for none).
 */
static void llm_layer(struct gen *g, const struct llm_tier *lt, const char *const *tensor,
		      const char *const *keys, uint64_t at, uint32_t stream, uint32_t m,
		      uint32_t sm_m, uint32_t sm_n)
{
	uint32_t d = lt->d, ffn = lt->ffn;

	gen_row(g, at, stream, GB_OP_RMSNORM, m, d, 0, 0, "", keys[R_ATTN_NORM]);
	gen_row(g, at, stream, GB_OP_MATMUL, m, d, d, 0, tensor[R_WQ], keys[R_WQ]);
	gen_row(g, at, stream, GB_OP_MATMUL, m, d, d, 0, tensor[R_WK], keys[R_WK]);
	gen_row(g, at, stream, GB_OP_MATMUL, m, d, d, 0, tensor[R_WV], keys[R_WV]);
	gen_row(g, at, stream, GB_OP_SOFTMAX, sm_m, sm_n, 0, 0, "", keys[R_SOFTMAX]);
	gen_row(g, at, stream, GB_OP_MATMUL, m, d, d, 0, tensor[R_WO], keys[R_WO]);
	gen_row(g, at, stream, GB_OP_RMSNORM, m, d, 0, 0, "", keys[R_FFN_NORM]);
	gen_row(g, at, stream, GB_OP_MATMUL, m, ffn, d, 0, tensor[R_GATE], keys[R_GATE]);
	gen_row(g, at, stream, GB_OP_MATMUL, m, ffn, d, 0, tensor[R_UP], keys[R_UP]);
	gen_row(g, at, stream, GB_OP_SILU, m, ffn, 0, 0, "", keys[R_SILU]);
	gen_row(g, at, stream, GB_OP_MATMUL, m, d, ffn, 0, tensor[R_DOWN], keys[R_DOWN]);
}

static void gen_decode(struct gen *g, enum gb_synth_tier tier)
{
	const struct llm_tier *lt = &decode_tiers[tier];
	const char *const nokeys[R_COUNT] = {
		"", "", "", "", "", "", "", "", "", "", ""
	};
	const char **tensor = llm_tensors(g, lt->layers);
	uint32_t seqs = g->requests ? g->requests : lt->requests;
	double rate = g->rate > 0 ? g->rate : lt->rate;
	uint64_t start = 0;

	for (uint32_t s = 0; s < seqs; s++) {
		uint32_t ctx = rng_range(&g->rng, lt->len_min, lt->len_max);

		if (s)
			start += gb_synth_exp_ns(&g->rng, rate);
		for (uint32_t tok = 0; tok < lt->tokens; tok++)
			for (uint32_t l = 0; l < lt->layers; l++)
				llm_layer(g, lt, tensor + l * R_COUNT, nokeys,
					  start + tok * lt->token_ns, s, 1,
					  lt->heads, ctx + tok + 1);
	}
	free(tensor);

	gen_meta(g, "models", gb_xasprintf(
		"token-by-token generation of %u concurrent sequences through a %u-layer "
		"llama-style transformer (d=%u, ffn=%u, %u heads), one sequence per stream",
		seqs, lt->layers, lt->d, lt->ffn, lt->heads));
	gen_meta(g, "notes", gb_xasprintf(
		"%u tokens per sequence, one every %.3g ms; sequences arrive as a poisson "
		"process of %g/s; a context of %s tokens before the first; softmax is over "
		"heads x context; keys are empty because decode inputs are never cached",
		lt->tokens, (double)lt->token_ns / 1e6, rate, range_str(lt->len_min, lt->len_max)));
}

static void gen_prefill(struct gen *g, enum gb_synth_tier tier)
{
	const struct llm_tier *lt = &prefill_tiers[tier];
	const char **tensor = llm_tensors(g, lt->layers);
	uint32_t prompts = g->requests ? g->requests : lt->requests;
	uint32_t distinct = (prompts + 1) / 2;
	double rate = g->rate > 0 ? g->rate : lt->rate;
	uint32_t *len = gb_xmalloc(distinct * sizeof(*len));
	const char **keys = gb_xmalloc((size_t)distinct * lt->layers * R_COUNT * sizeof(*keys));
	struct gb_zipf z;
	uint64_t at = 0;

	for (uint32_t i = 0; i < distinct; i++) {
		len[i] = rng_range(&g->rng, lt->len_min, lt->len_max);
		for (uint32_t l = 0; l < lt->layers; l++)
			for (int r = 0; r < R_COUNT; r++)
				keys[(i * lt->layers + l) * R_COUNT + r] = gen_str(g,
					gb_xasprintf("p%u.blk%u.%s", i, l, role_names[r]));
	}
	gb_zipf_init(&z, distinct, g->zipf_s);
	for (uint32_t i = 0; i < prompts; i++) {
		uint32_t id = gb_zipf_draw(&z, &g->rng);
		uint32_t stream = rng_range(&g->rng, 0, lt->streams - 1);

		if (i)
			at += gb_synth_exp_ns(&g->rng, rate);
		for (uint32_t l = 0; l < lt->layers; l++)
			llm_layer(g, lt, tensor + l * R_COUNT,
				  keys + (id * lt->layers + l) * R_COUNT,
				  at, stream, len[id], len[id], len[id]);
	}
	gb_zipf_release(&z);
	free(keys);
	free(len);
	free(tensor);

	gen_meta(g, "models", gb_xasprintf(
		"prompt processing (prefill) of %u prompts through a %u-layer llama-style "
		"transformer (d=%u, ffn=%u), all tokens of a prompt as the rows of one request",
		prompts, lt->layers, lt->d, lt->ffn));
	gen_meta(g, "notes", gb_xasprintf(
		"prompts of %s tokens drawn zipf(%g) from %u distinct ones (keys "
		"pN.blkL.role, so a repeated prompt can hit the result cache); poisson "
		"arrivals of %g/s on %u streams; softmax is prompt x prompt",
		range_str(lt->len_min, lt->len_max), g->zipf_s, distinct, rate, lt->streams));
}

static void gen_search(struct gen *g, enum gb_synth_tier tier)
{
	const struct search_tier *st = &search_tiers[tier];
	uint32_t queries = g->requests ? g->requests : st->queries;
	uint32_t distinct = queries / 2 ? queries / 2 : 1;
	double rate = g->rate > 0 ? g->rate : st->rate;
	const char **keys = gb_xmalloc(distinct * sizeof(*keys));
	const char *db = gen_str(g, gb_xstrdup("db"));
	struct gb_zipf z;
	uint64_t at = 0;

	for (uint32_t i = 0; i < distinct; i++)
		keys[i] = gen_str(g, gb_xasprintf("q%u", i));
	gb_zipf_init(&z, distinct, g->zipf_s);
	for (uint32_t i = 0; i < queries; i++) {
		uint32_t id = gb_zipf_draw(&z, &g->rng);
		uint32_t client = rng_range(&g->rng, 0, st->clients - 1);
		/* Every eighth query is a small batch of 4 (the same key, the same size). */
		uint32_t m = id % 8 == 7 ? 4 : 1;

		if (i)
			at += gb_synth_exp_ns(&g->rng, rate);
		gen_row(g, at, client, GB_OP_TOPK, m, st->n, st->dim, 10, db, keys[id]);
	}
	gb_zipf_release(&z);
	free(keys);

	gen_meta(g, "models", gb_xasprintf(
		"exact top-10 inner-product search of %u queries from %u clients against "
		"one database of %u vectors of dimension %u", queries, st->clients, st->n, st->dim));
	gen_meta(g, "notes", gb_xasprintf(
		"query keys qN drawn zipf(%g) from %u distinct queries, so a result cache "
		"pays; queries with N%%8 == 7 carry 4 vectors; poisson arrivals of %g/s",
		g->zipf_s, distinct, rate));
}

static void gen_audio(struct gen *g, enum gb_synth_tier tier)
{
	const struct audio_tier *at_ = &audio_tiers[tier];
	uint32_t clips = g->requests ? g->requests : at_->clips;
	uint32_t distinct = clips / 2 ? clips / 2 : 1;
	double rate = g->rate > 0 ? g->rate : at_->rate;
	const char **keys = gb_xmalloc(distinct * sizeof(*keys));
	uint32_t *frames = gb_xmalloc(distinct * sizeof(*frames));
	const char *mel = gen_str(g, gb_xstrdup("mel"));
	struct gb_zipf z;
	uint64_t at = 0;

	for (uint32_t i = 0; i < distinct; i++) {
		keys[i] = gen_str(g, gb_xasprintf("clip%u", i));
		frames[i] = rng_range(&g->rng, at_->frames_min, at_->frames_max);
	}
	gb_zipf_init(&z, distinct, g->zipf_s);
	for (uint32_t i = 0; i < clips; i++) {
		uint32_t id = gb_zipf_draw(&z, &g->rng);
		uint32_t stream = rng_range(&g->rng, 0, at_->streams - 1);
		uint32_t f = frames[id], n = at_->fft_n;

		if (i)
			at += gb_synth_exp_ns(&g->rng, rate);
		gen_row(g, at, stream, GB_OP_FFT, f, n, 0, 0, "", keys[id]);
		gen_row(g, at, stream, GB_OP_RMSNORM, f, n, 0, 0, "", keys[id]);
		gen_row(g, at, stream, GB_OP_MATMUL, f, at_->mel, n, 0, mel, keys[id]);
		gen_row(g, at, stream, GB_OP_REDUCE, at_->mel, f, 0, 0, "", keys[id]);
	}
	gb_zipf_release(&z);
	free(frames);
	free(keys);

	gen_meta(g, "models", gb_xasprintf(
		"feature extraction of %u audio clips: a %u-point fft per frame, "
		"normalization, projection onto %u mel bands and pooling over time",
		clips, at_->fft_n, at_->mel));
	gen_meta(g, "notes", gb_xasprintf(
		"%s frames per clip; clip keys clipN drawn zipf(%g) from %u distinct "
		"clips (re-analysed clips hit the cache); poisson arrivals of %g/s on %u "
		"streams; reduce sums each mel band over the frames",
		range_str(at_->frames_min, at_->frames_max), g->zipf_s, distinct, rate, at_->streams));
}

/* Rows the parameters would produce, to refuse absurd requests early. */
static uint64_t rows_estimate(const struct gb_synth_params *p)
{
	uint64_t r = p->requests;

	switch (p->kind) {
	case GB_SYNTH_LLM_DECODE:
		return (r ? r : decode_tiers[p->tier].requests) *
		       decode_tiers[p->tier].tokens * decode_tiers[p->tier].layers * R_COUNT;
	case GB_SYNTH_LLM_PREFILL:
		return (r ? r : prefill_tiers[p->tier].requests) *
		       prefill_tiers[p->tier].layers * R_COUNT;
	case GB_SYNTH_VECTOR_SEARCH:
		return r ? r : search_tiers[p->tier].queries;
	case GB_SYNTH_AUDIO_FEATURES:
		return (r ? r : audio_tiers[p->tier].clips) * 4;
	case GB_SYNTH_KIND_COUNT:
		break;
	}
	return 0;
}

int gb_synth_generate(const struct gb_synth_params *p, struct gb_trace *t)
{
	struct gen g = { .t = t, .requests = p->requests };
	uint64_t rows;
	char *src;

	memset(t, 0, sizeof(*t));
	if ((unsigned)p->kind >= GB_SYNTH_KIND_COUNT || (unsigned)p->tier >= GB_TIER_COUNT)
		return gb_error("unknown synth kind or tier");
	if (!(p->rate >= 0) || !isfinite(p->rate))
		return gb_error("rate %g is not a positive number", p->rate);
	if (!(p->zipf_s >= 0) || p->zipf_s > 100)
		return gb_error("zipf exponent %g is out of range (0, 100]", p->zipf_s);
	rows = rows_estimate(p);
	if (rows > GB_SYNTH_MAX_ROWS)
		return gb_error("%s would have %llu rows, more than %u",
				gb_synth_kind_name(p->kind), (unsigned long long)rows,
				GB_SYNTH_MAX_ROWS);
	g.rate = p->rate;
	g.zipf_s = p->zipf_s > 0 ? p->zipf_s : 1.0;
	gb_xo_seed(&g.rng, p->seed);

	/* The source line is the command that makes this trace again. */
	src = gb_xasprintf("gbench synth --kind %s --tier %s --seed %llu",
			   gb_synth_kind_name(p->kind), gb_synth_tier_name(p->tier),
			   (unsigned long long)p->seed);
	if (p->requests) {
		char *s = gb_xasprintf("%s --requests %u", src, p->requests);

		free(src);
		src = s;
	}
	if (p->rate > 0) {
		char *s = gb_xasprintf("%s --rate %g", src, p->rate);

		free(src);
		src = s;
	}
	if (p->zipf_s > 0) {
		char *s = gb_xasprintf("%s --zipf %g", src, p->zipf_s);

		free(src);
		src = s;
	}
	gen_meta(&g, "source", src);
	gen_meta(&g, "seed", gb_xasprintf("%llu", (unsigned long long)p->seed));
	gen_meta(&g, "tier", gb_xstrdup(gb_synth_tier_name(p->tier)));

	switch (p->kind) {
	case GB_SYNTH_LLM_DECODE:
		gen_decode(&g, p->tier);
		break;
	case GB_SYNTH_LLM_PREFILL:
		gen_prefill(&g, p->tier);
		break;
	case GB_SYNTH_VECTOR_SEARCH:
		gen_search(&g, p->tier);
		break;
	case GB_SYNTH_AUDIO_FEATURES:
		gen_audio(&g, p->tier);
		break;
	case GB_SYNTH_KIND_COUNT:
		break;
	}

	qsort(t->req, t->n, sizeof(*t->req), req_cmp);
	for (size_t i = 0; i < t->n; i++) {
		/* The line each row will have once written: magic, meta, header. */
		t->req[i].line = (uint32_t)(i + t->nmeta + 3);
		if (t->req[i].stream + 1 > t->nstreams)
			t->nstreams = t->req[i].stream + 1;
	}
	t->path = gb_xstrdup(gb_synth_kind_name(p->kind));
	t->name = gb_xstrdup(gb_synth_kind_name(p->kind));
	t->hash = 0;
	return 0;
}
