/*
 * mrc.h - the result cache's LRU miss-ratio curve, computed in one pass
 * over a trace (DESIGN.md section 7, mrc.csv).
 *
 * Input is the sequence of cache accesses as dense ids 0..nids-1 (the
 * replay maps each distinct cache key to an id; requests without a key are
 * not accesses). Mattson's stack algorithm gives every access its stack
 * distance: 1 + the number of distinct ids accessed since the previous
 * access to the same id (d = 1: the id was the most recent one), or "cold"
 * on its first access. An LRU cache of capacity c hits exactly the
 * accesses with d <= c (LRU is a stack algorithm: a cache of c entries
 * always holds the c most recently used ids), so one pass yields the hit
 * rate at every capacity.
 *
 * Distances come from a Fenwick tree over access timestamps holding a mark
 * at each id's latest access time; the distance is the number of marks
 * after the id's previous time, O(log n) per access. See mrc.c.
 */
#ifndef GB_MRC_H
#define GB_MRC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gb_mrc {
	uint64_t accesses;       /* length of the sequence */
	uint64_t cold;           /* first accesses = distinct ids accessed */
	/*
	 * hits_at[d] = accesses with stack distance d, for d in
	 * 0..max_distance (hits_at[0] is always 0; d = 1 means the most
	 * recent id). Never NULL after a successful gb_mrc_compute.
	 */
	uint64_t *hits_at;
	uint32_t max_distance;   /* largest distance seen, 0 when none */
};

/*
 * Compute the curve of ids[0..n-1], each < nids, into m (any previous
 * contents are overwritten, not freed). 0, or -1 with a message when an id
 * is out of range (m is then empty and safe to release). Time O(n log
 * min(n, nids)), memory O(nids) beyond the input.
 */
int gb_mrc_compute(struct gb_mrc *m, const uint32_t *ids, size_t n, uint32_t nids);

/* Accesses that hit in an LRU cache of `capacity` entries (0 for capacity 0). */
uint64_t gb_mrc_hits(const struct gb_mrc *m, uint32_t capacity);

/*
 * Hit rate of an LRU cache of `capacity` entries, started cold, over the
 * sequence: gb_mrc_hits / accesses; NAN when there were no accesses.
 */
double gb_mrc_hit_rate(const struct gb_mrc *m, uint32_t capacity);

void gb_mrc_release(struct gb_mrc *m);

/*
 * Append rows "workload,capacity,hit_rate" to an open CSV file (the header
 * is the caller's) for the capacities 1, 2, 4, ... up to the number of
 * distinct ids, that number itself (where the curve reaches its top), and
 * every capacity in extra[0..nextra-1] (the configured ones), sorted
 * ascending without duplicates. Fields go through csvout.h's writer: the
 * workload is quoted only when it needs to be, numbers are written
 * shortest-exact, and a NAN hit rate (no accesses) is an empty field.
 * 0, or -1 with a message when the stream reports a write error.
 */
int gb_mrc_write_rows(FILE *f, const char *workload, const struct gb_mrc *m,
		      const uint32_t *extra, size_t nextra);

#endif
