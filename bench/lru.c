/*
 * lru.c - the replay's LRU result cache (see lru.h). Slots form a doubly
 * linked list by index; a direct id -> slot table replaces hashing because
 * ids are dense.
 */
#include "lru.h"

#include <stdlib.h>
#include <string.h>

#include "gbench.h"

void gb_lru_init(struct gb_lru *c, uint32_t capacity, uint32_t nids)
{
	memset(c, 0, sizeof(*c));
	c->capacity = capacity;
	c->nids = nids;
	c->head = c->tail = GB_LRU_NONE;
	c->slot_of = gb_xmalloc((nids ? nids : 1) * sizeof(*c->slot_of));
	for (uint32_t i = 0; i < nids; i++)
		c->slot_of[i] = GB_LRU_NONE;
	c->e = gb_xcalloc(capacity ? capacity : 1, sizeof(*c->e));
	c->allocated = capacity ? capacity : 1;
}

void gb_lru_release(struct gb_lru *c)
{
	for (uint32_t i = 0; i < c->allocated; i++) {
		free(c->e[i].out);
		free(c->e[i].idx);
	}
	free(c->e);
	free(c->slot_of);
	memset(c, 0, sizeof(*c));
}

void gb_lru_resize(struct gb_lru *c, uint32_t capacity, uint32_t nids)
{
	uint32_t old = c->capacity > c->allocated ? c->capacity : c->allocated;

	gb_lru_clear(c);
	if (nids > c->nids) {
		c->slot_of = gb_xrealloc(c->slot_of, nids * sizeof(*c->slot_of));
		for (uint32_t i = c->nids; i < nids; i++)
			c->slot_of[i] = GB_LRU_NONE;
	}
	c->nids = nids;
	if (capacity > old) {
		c->e = gb_xrealloc(c->e, capacity * sizeof(*c->e));
		memset(c->e + old, 0, (capacity - old) * sizeof(*c->e));
		c->allocated = capacity;
	}
	c->capacity = capacity;
}

void gb_lru_clear(struct gb_lru *c)
{
	for (uint32_t s = c->head; s != GB_LRU_NONE; s = c->e[s].next)
		c->slot_of[c->e[s].id] = GB_LRU_NONE;
	c->head = c->tail = GB_LRU_NONE;
	c->size = 0;
	c->hits = c->misses = 0;
}

static void unlink_slot(struct gb_lru *c, uint32_t s)
{
	struct gb_lru_entry *e = &c->e[s];

	if (e->prev != GB_LRU_NONE)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != GB_LRU_NONE)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void push_front(struct gb_lru *c, uint32_t s)
{
	struct gb_lru_entry *e = &c->e[s];

	e->prev = GB_LRU_NONE;
	e->next = c->head;
	if (c->head != GB_LRU_NONE)
		c->e[c->head].prev = s;
	c->head = s;
	if (c->tail == GB_LRU_NONE)
		c->tail = s;
}

int gb_lru_contains(const struct gb_lru *c, uint32_t id)
{
	return id < c->nids && c->slot_of[id] != GB_LRU_NONE;
}

const struct gb_lru_entry *gb_lru_get(struct gb_lru *c, uint32_t id)
{
	uint32_t s = id < c->nids ? c->slot_of[id] : GB_LRU_NONE;

	if (s == GB_LRU_NONE) {
		c->misses++;
		return NULL;
	}
	c->hits++;
	if (c->head != s) {
		unlink_slot(c, s);
		push_front(c, s);
	}
	return &c->e[s];
}

static void copy_in(void **buf, size_t *cap, const void *src, size_t n, size_t elem)
{
	if (n > *cap) {
		*buf = gb_xrealloc(*buf, n * elem);
		*cap = n;
	}
	if (n)
		memcpy(*buf, src, n * elem);
}

void gb_lru_put(struct gb_lru *c, uint32_t id, const float *out, size_t n,
		const uint32_t *idx, size_t nidx)
{
	uint32_t s;

	if (c->capacity == 0 || id >= c->nids)
		return;
	s = c->slot_of[id];
	if (s != GB_LRU_NONE) {
		unlink_slot(c, s);
	} else if (c->size < c->capacity) {
		s = c->size++;
	} else {
		s = c->tail;
		unlink_slot(c, s);
		c->slot_of[c->e[s].id] = GB_LRU_NONE;
	}
	c->e[s].id = id;
	c->slot_of[id] = s;
	copy_in((void **)&c->e[s].out, &c->e[s].out_cap, out, n, sizeof(float));
	copy_in((void **)&c->e[s].idx, &c->e[s].idx_cap, idx, nidx, sizeof(uint32_t));
	c->e[s].out_n = n;
	c->e[s].idx_n = nidx;
	push_front(c, s);
}
