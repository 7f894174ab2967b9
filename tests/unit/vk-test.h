/*
 * vk-test.h - what the vulkan unit tests share: the skip (with the reason
 * executor init gave) when no device can run them, and seeded data
 * (splitmix64 uniforms, Box-Muller normals). Included once per test
 * binary, after unit.h; each test sets vk_test_rng to its own seed.
 */
#ifndef GB_VK_TEST_H
#define GB_VK_TEST_H

#include <math.h>
#include <stdint.h>

static int have_vk;              /* a vulkan executor initialised */
static char vk_reason[512];      /* why not, from init */

#define NEED_VK()                                                             \
	do {                                                                  \
		if (!have_vk) {                                               \
			SKIP("%.200s", vk_reason);                            \
			return;                                               \
		}                                                             \
	} while (0)

static uint64_t vk_test_rng = 0x9e3779b97f4a7c15ull;

static inline double urand(void)
{
	uint64_t z = (vk_test_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1p-53;
}

static inline float nrand(void)
{
	double u = urand(), v = urand();

	return (float)(sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v));
}

#endif
