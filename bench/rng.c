/*
 * rng.c - the pseudo-random generators every seeded choice of gbench draws
 * from (see rng.h).
 */
#include "rng.h"

#include <math.h>

uint64_t gb_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void gb_xo_seed(struct gb_xo *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = gb_splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t gb_xo_next(struct gb_xo *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t gb_xo_below(struct gb_xo *r, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)gb_xo_next(r) * n;
	uint64_t lo = (uint64_t)m;

	if (lo < n) {
		uint64_t floor = -n % n;

		while (lo < floor) {
			m = (unsigned __int128)gb_xo_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double gb_xo_unit(struct gb_xo *r)
{
	return (double)(gb_xo_next(r) >> 11) * 0x1.0p-53;
}

double gb_xo_normal(struct gb_xo *r)
{
	double u1 = 1.0 - gb_xo_unit(r), u2 = gb_xo_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
