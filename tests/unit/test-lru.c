/* test-lru.c - the result cache evicts the least recently used entry. */
#include <stdint.h>

#include "lru.h"
#include "unit.h"

TEST(miss_then_hit)
{
	struct gb_lru c;
	float v = 1.5f, w = 0;
	const struct gb_lru_entry *e;

	gb_lru_init(&c, 2, 10);
	CHECK(gb_lru_get(&c, 3) == NULL);
	gb_lru_put(&c, 3, &v, 1, NULL, 0);
	e = gb_lru_get(&c, 3);
	CHECK(e != NULL);
	if (e) {
		w = e->out[0];
		CHECK(e->out_n == 1);
	}
	CHECK(w == 1.5f);
	CHECK(c.hits == 1 && c.misses == 1);
	gb_lru_release(&c);
}

TEST(evicts_least_recent)
{
	struct gb_lru c;
	float v = 0;

	gb_lru_init(&c, 2, 10);
	gb_lru_put(&c, 1, &v, 1, NULL, 0);
	gb_lru_put(&c, 2, &v, 1, NULL, 0);
	CHECK(gb_lru_get(&c, 1) != NULL);   /* 1 is now most recent */
	gb_lru_put(&c, 3, &v, 1, NULL, 0);  /* evicts 2 */
	CHECK(gb_lru_contains(&c, 1));
	CHECK(!gb_lru_contains(&c, 2));
	CHECK(gb_lru_contains(&c, 3));
	CHECK(c.size == 2);
	gb_lru_release(&c);
}

TEST(capacity_zero_never_caches)
{
	struct gb_lru c;
	float v = 0;

	gb_lru_init(&c, 0, 4);
	gb_lru_put(&c, 1, &v, 1, NULL, 0);
	CHECK(gb_lru_get(&c, 1) == NULL);
	gb_lru_release(&c);
}

TEST(clear_keeps_nothing)
{
	struct gb_lru c;
	float v[3] = { 1, 2, 3 };
	uint32_t ix[2] = { 7, 9 };
	const struct gb_lru_entry *e;

	gb_lru_init(&c, 4, 8);
	gb_lru_put(&c, 5, v, 3, ix, 2);
	e = gb_lru_get(&c, 5);
	CHECK(e && e->idx_n == 2 && e->idx[1] == 9 && e->out[2] == 3);
	gb_lru_clear(&c);
	CHECK(!gb_lru_contains(&c, 5));
	CHECK(c.hits == 0 && c.misses == 0 && c.size == 0);
	gb_lru_put(&c, 6, v, 1, NULL, 0);
	CHECK(gb_lru_contains(&c, 6));
	gb_lru_release(&c);
}

/* Against a brute-force LRU (a recency list) on a random id stream. */
TEST(matches_brute_force)
{
	enum { N = 20000, IDS = 64, CAP = 13 };
	struct gb_lru c;
	uint32_t list[CAP], len = 0, x = 12345;
	uint64_t hits = 0;
	float v = 0;

	gb_lru_init(&c, CAP, IDS);
	for (int i = 0; i < N; i++) {
		uint32_t id, j, hit = 0;

		x = x * 1103515245u + 12345u;
		id = (x >> 16) % IDS;
		for (j = 0; j < len; j++)
			if (list[j] == id) {
				hit = 1;
				break;
			}
		if (hit) {
			for (; j > 0; j--)
				list[j] = list[j - 1];
		} else {
			if (len < CAP)
				len++;
			for (j = len - 1; j > 0; j--)
				list[j] = list[j - 1];
		}
		list[0] = id;
		hits += hit;
		CHECK((gb_lru_get(&c, id) != NULL) == (int)hit);
		if (!hit)
			gb_lru_put(&c, id, &v, 1, NULL, 0);
	}
	CHECK(c.hits == hits);
	gb_lru_release(&c);
}

int main(void)
{
	RUN(miss_then_hit);
	RUN(evicts_least_recent);
	RUN(capacity_zero_never_caches);
	RUN(clear_keeps_nothing);
	RUN(matches_brute_force);
	return unit_done();
}
