/*
 * mrc.c - one-pass LRU miss-ratio curve (see mrc.h).
 *
 * The order-statistic structure is a Fenwick (binary indexed) tree over
 * access timestamps rather than a balanced search tree keyed by time: each
 * id keeps one mark at the timestamp of its latest access, so the marks
 * after an id's previous timestamp p are exactly the distinct ids accessed
 * since then, and its stack distance is 1 + (live marks - prefix(p)). One
 * prefix query and two point updates make an access O(log W), with flat
 * arrays and no rebalancing.
 *
 * Timestamps live in a window of W = min(n, max(2 * nids, 1024)) slots, so
 * memory is O(nids) however long the trace is. When the window fills, the
 * live marks (at most nids <= W / 2 of them) are renumbered 1..k in time
 * order, which keeps every distance, and the tree is rebuilt in O(W); that
 * happens at most once per W / 2 accesses, so it adds O(1) amortized.
 */
#include "mrc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/csvout.h"
#include "gbench.h"

/* Fenwick tree over positions 1..size; tree[0] unused. */
struct fenwick {
	uint32_t *tree;
	size_t size;
};

static void fw_add(struct fenwick *fw, size_t pos)
{
	for (; pos <= fw->size; pos += pos & -pos)
		fw->tree[pos]++;
}

static void fw_sub(struct fenwick *fw, size_t pos)
{
	for (; pos <= fw->size; pos += pos & -pos)
		fw->tree[pos]--;
}

/* Marks at positions 1..pos. */
static uint32_t fw_prefix(const struct fenwick *fw, size_t pos)
{
	uint32_t s = 0;

	for (; pos > 0; pos -= pos & -pos)
		s += fw->tree[pos];
	return s;
}

/* Rebuild the tree with one mark at each of positions 1..k, in O(size). */
static void fw_fill(struct fenwick *fw, size_t k)
{
	size_t i, j;

	memset(fw->tree, 0, (fw->size + 1) * sizeof(*fw->tree));
	for (i = 1; i <= k; i++)
		fw->tree[i] = 1;
	for (i = 1; i <= fw->size; i++) {
		j = i + (i & -i);
		if (j <= fw->size)
			fw->tree[j] += fw->tree[i];
	}
}

/*
 * Renumber the live timestamps 1..k keeping their order. owner[pos] is the
 * id accessed at time pos; the mark at pos is live when that id's latest
 * access is still pos. Returns k, the new current time.
 */
static size_t compact(struct fenwick *fw, uint32_t *owner, size_t *last, size_t now)
{
	size_t pos, k = 0;

	for (pos = 1; pos <= now; pos++) {
		uint32_t id = owner[pos];

		if (last[id] == pos) {
			k++;
			owner[k] = id;   /* k <= pos: never overwrites unread slots */
			last[id] = k;
		}
	}
	fw_fill(fw, k);
	return k;
}

int gb_mrc_compute(struct gb_mrc *m, const uint32_t *ids, size_t n, uint32_t nids)
{
	struct fenwick fw;
	uint32_t *owner;
	size_t *last;
	size_t window, now = 0, i;
	uint32_t live = 0;

	memset(m, 0, sizeof(*m));
	m->hits_at = gb_xcalloc((size_t)nids + 1, sizeof(*m->hits_at));
	if (n == 0)
		return 0;

	window = 2 * (size_t)nids;
	if (window < 1024)
		window = 1024;
	if (window > n)
		window = n;
	fw.size = window;
	fw.tree = gb_xcalloc(window + 1, sizeof(*fw.tree));
	owner = gb_xmalloc((window + 1) * sizeof(*owner));
	last = gb_xcalloc(nids ? nids : 1, sizeof(*last));   /* 0 = never accessed */

	for (i = 0; i < n; i++) {
		uint32_t id = ids[i];
		size_t prev;

		if (id >= nids) {
			gb_error("miss-ratio curve: access %zu has id %u, not below %u",
				 i, id, nids);
			free(fw.tree);
			free(owner);
			free(last);
			gb_mrc_release(m);
			return -1;
		}
		if (now == window)
			now = compact(&fw, owner, last, now);
		now++;
		prev = last[id];
		if (prev == 0) {
			m->cold++;
		} else {
			/* live marks after prev, plus the id itself */
			uint32_t d = live - fw_prefix(&fw, prev) + 1;

			m->hits_at[d]++;
			if (d > m->max_distance)
				m->max_distance = d;
			fw_sub(&fw, prev);
			live--;
		}
		fw_add(&fw, now);
		live++;
		owner[now] = id;
		last[id] = now;
	}
	m->accesses = n;
	free(fw.tree);
	free(owner);
	free(last);
	/* keep hits_at[0..max_distance] only */
	m->hits_at = gb_xrealloc(m->hits_at, ((size_t)m->max_distance + 1) * sizeof(*m->hits_at));
	return 0;
}

uint64_t gb_mrc_hits(const struct gb_mrc *m, uint32_t capacity)
{
	uint64_t h = 0;
	uint32_t d, top = capacity < m->max_distance ? capacity : m->max_distance;

	for (d = 1; d <= top; d++)
		h += m->hits_at[d];
	return h;
}

double gb_mrc_hit_rate(const struct gb_mrc *m, uint32_t capacity)
{
	if (m->accesses == 0)
		return NAN;
	return (double)gb_mrc_hits(m, capacity) / (double)m->accesses;
}

void gb_mrc_release(struct gb_mrc *m)
{
	free(m->hits_at);
	memset(m, 0, sizeof(*m));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int gb_mrc_write_rows(FILE *f, const char *workload, const struct gb_mrc *m,
		      const uint32_t *extra, size_t nextra)
{
	struct gb_csvw w;
	uint32_t *caps;
	uint64_t distinct = m->cold, p, hits = 0;
	size_t ncap = 0, i, j;
	uint32_t d = 0;

	/* 33 powers of two at most, the distinct count, the extras */
	caps = gb_xmalloc((34 + nextra) * sizeof(*caps));
	for (p = 1; p <= distinct; p *= 2)
		caps[ncap++] = (uint32_t)p;
	if (distinct)
		caps[ncap++] = (uint32_t)distinct;
	for (i = 0; i < nextra; i++)
		caps[ncap++] = extra[i];
	qsort(caps, ncap, sizeof(*caps), cmp_u32);
	for (i = j = 0; i < ncap; i++)
		if (j == 0 || caps[i] != caps[j - 1])
			caps[j++] = caps[i];
	ncap = j;

	gb_csvw_init(&w, f);
	for (i = 0; i < ncap; i++) {
		/* capacities ascend, so the hit count accumulates */
		while (d < caps[i] && d < m->max_distance)
			hits += m->hits_at[++d];
		gb_csvw_str(&w, workload);
		gb_csvw_uint(&w, caps[i]);
		gb_csvw_num(&w, m->accesses ? (double)hits / (double)m->accesses : NAN);
		gb_csvw_end(&w);
	}
	free(caps);
	if (ferror(f))
		return gb_error("writing the miss-ratio curve of %s failed", workload);
	return 0;
}
