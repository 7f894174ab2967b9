/*
 * replay-count.c - a closed-loop repetition's batches and cache hits
 * without an executor (gb_replay_count, replay.h): replay_closed's loop
 * over the same stream heads and batching (replay.c), with a cache that
 * holds keys only.
 */
#include "replay.h"
#include "replay-impl.h"

#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "lru.h"

/* The 4-byte words a hit copies out of the cache, or a put into it: r's output and indices. */
static uint64_t result_words(const struct gb_workload *w, uint32_t r)
{
	const struct gb_shape *s = &w->trace.req[r].shape;

	return gb_shape_out_floats(s) + (s->op == GB_OP_TOPK ? (uint64_t)s->m * s->p : 0);
}

void gb_replay_count(const struct gb_workload *w, uint32_t batch, uint32_t cache, size_t rows,
		     struct gb_replay_count *out)
{
	struct cell c = { 0 };
	struct gb_lru lru;
	uint32_t n = rows < w->trace.n ? (uint32_t)rows : (uint32_t)w->trace.n;

	memset(out, 0, sizeof(*out));
	if (!batch || !n)
		return;
	if (batch > w->nstreams)
		batch = w->nstreams;   /* a batch takes at most one request per stream */
	c.w = (struct gb_workload *)w;
	c.spec.batch = batch;
	c.spec.cache = cache;
	c.heads = gb_xcalloc(w->nstreams + 1, sizeof(*c.heads));
	c.order = gb_xmalloc((w->nstreams + 1) * sizeof(*c.order));
	c.members = gb_xmalloc((batch + 1) * sizeof(*c.members));
	/* a cache with room for every key behaves as one with more */
	gb_lru_init(&lru, cache < w->ncache_ids ? cache : w->ncache_ids, w->ncache_ids);
	while (gb_replay__heads(&c, n)) {
		uint32_t r = w->stream_req[c.order[0]][c.heads[c.order[0]]], nm;

		if (cache && w->cache_id[r] != GB_REPLAY_NONE && gb_lru_get(&lru, w->cache_id[r])) {
			c.heads[w->stream_of[r]]++;
			out->hits++;
			out->copied += result_words(w, r);
			continue;
		}
		nm = gb_replay__batch(&c, cache ? &lru : NULL, n);
		for (uint32_t i = 0; i < nm; i++) {
			uint32_t q = c.members[i];

			if (cache && w->cache_id[q] != GB_REPLAY_NONE) {
				gb_lru_put(&lru, w->cache_id[q], NULL, 0, NULL, 0);
				out->copied += result_words(w, q);
			}
			c.heads[w->stream_of[q]]++;
		}
		out->requests += nm;
		out->calls++;
	}
	gb_lru_release(&lru);
	free(c.heads);
	free(c.order);
	free(c.members);
}
