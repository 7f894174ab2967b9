/*
 * lru.h - the result cache: an LRU of at most `capacity` entries keyed by a
 * dense integer id (the replay maps each distinct (op, tensor, key, shape)
 * of a trace to one id, so the lookup is exact and O(1)).
 *
 * Entries own a copy of the cached output so a hit really serves the
 * result. Buffers of evicted entries are reused, so a warm cache allocates
 * nothing.
 */
#ifndef GB_LRU_H
#define GB_LRU_H

#include <stddef.h>
#include <stdint.h>

struct gb_lru_entry {
	uint32_t id;
	uint32_t prev, next;      /* list links, GB_LRU_NONE at the ends */
	float *out;               /* cached output ... */
	uint32_t *idx;            /* ... and top-k indices */
	size_t out_cap, idx_cap;  /* elements allocated */
	size_t out_n, idx_n;      /* elements held */
};

#define GB_LRU_NONE UINT32_MAX

struct gb_lru {
	uint32_t capacity, size;
	uint32_t head, tail;      /* head = most recently used */
	uint32_t *slot_of;        /* id -> entry slot, GB_LRU_NONE when absent */
	uint32_t nids;
	struct gb_lru_entry *e;
	uint32_t allocated;       /* entries in e (>= capacity) */
	uint64_t hits, misses;
};

/* A cache for ids 0..nids-1; capacity 0 makes every lookup miss. */
void gb_lru_init(struct gb_lru *c, uint32_t capacity, uint32_t nids);
void gb_lru_release(struct gb_lru *c);
/*
 * Empty the cache and give it a new capacity and id range, keeping the
 * output buffers already allocated (so one cache serves many cells).
 */
void gb_lru_resize(struct gb_lru *c, uint32_t capacity, uint32_t nids);
/* Drop every entry (keeps buffers) and zero the hit and miss counts. */
void gb_lru_clear(struct gb_lru *c);
/* Look up id, counting a hit or miss; on a hit the entry becomes most recent. */
const struct gb_lru_entry *gb_lru_get(struct gb_lru *c, uint32_t id);
/* 1 when id is cached; counts nothing and changes no order. */
int gb_lru_contains(const struct gb_lru *c, uint32_t id);
/* Insert (or refresh) id with a copy of out[n] and idx[nidx], evicting the LRU entry when full. */
void gb_lru_put(struct gb_lru *c, uint32_t id, const float *out, size_t n,
		const uint32_t *idx, size_t nidx);

#endif
