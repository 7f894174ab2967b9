/*
 * noise.c - readings of the noise around a repetition (noise.h).
 *
 * Steal time is the 8th number of the "cpu" line of /proc/stat, in USER_HZ
 * ticks summed over CPUs (proc(5)); a kernel without it, or a container
 * without /proc, gives NAN. Involuntary switches are the process's
 * ru_nivcsw, all threads included. The frequency is the mean of
 * cpufreq/scaling_cur_freq (kHz) over the CPUs that have one, else of the
 * "cpu MHz" lines of /proc/cpuinfo (virtual machines often have only
 * those); both are read at begin and end and averaged.
 */
#include "noise.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gbench.h"

double gb_noise_steal_ns(void)
{
	unsigned long long v[8];
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return NAN;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8 || hz <= 0)
		return NAN;
	return (double)v[7] * (1e9 / (double)hz);
}

static double ctx_invol(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return NAN;
	return (double)ru.ru_nivcsw;
}

static double mhz_sysfs(void)
{
	double sum = 0;
	int n = 0, ncpu = gb_ncpus();

	for (int i = 0; i < ncpu; i++) {
		char path[96];
		unsigned long khz;
		FILE *f;

		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lu", &khz) == 1 && khz > 0) {
			sum += (double)khz / 1000.0;
			n++;
		}
		fclose(f);
	}
	return n ? sum / n : NAN;
}

static double mhz_cpuinfo(void)
{
	char line[256];
	double sum = 0, v;
	int n = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return NAN;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "cpu MHz", 7) == 0) {
			const char *colon = strchr(line, ':');

			if (colon && sscanf(colon + 1, "%lf", &v) == 1 && v > 0) {
				sum += v;
				n++;
			}
		}
	fclose(f);
	return n ? sum / n : NAN;
}

double gb_noise_cpu_mhz(void)
{
	double v = mhz_sysfs();

	return isnan(v) ? mhz_cpuinfo() : v;
}

#define PROBE_CHAIN 12000
#define PROBE_FLOATS (256 * 1024 / 4)

/* The probe's work; noinline and volatile results so that it is done in full. */
static __attribute__((noinline)) uint64_t probe_work(const float *buf)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	float s[4] = { 0, 0, 0, 0 };

	for (int i = 0; i < PROBE_CHAIN; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	for (int i = 0; i < PROBE_FLOATS; i += 4)
		for (int j = 0; j < 4; j++)
			s[j] += buf[i + j];
	return x + (uint64_t)(s[0] + s[1] + s[2] + s[3]);
}

double gb_noise_probe_ns(void)
{
	static float *buf;
	static volatile uint64_t sink;
	uint64_t t0, t1;

	if (!buf) {
		buf = gb_xmalloc(PROBE_FLOATS * sizeof(*buf));
		for (int i = 0; i < PROBE_FLOATS; i++)
			buf[i] = (float)(i & 255);
	}
	t0 = gb_now_ns();
	sink = probe_work(buf);
	t1 = gb_now_ns();
	(void)sink;
	return (double)(t1 - t0);
}

void gb_noise_begin(struct gb_noise *n)
{
	n->probe_ns = gb_noise_probe_ns();
	n->mhz0 = gb_noise_cpu_mhz();
	n->nivcsw0 = ctx_invol();
	n->steal0_ns = gb_noise_steal_ns();
}

void gb_noise_end(struct gb_noise *n, struct gb_noise_sample *out)
{
	double steal = gb_noise_steal_ns(), ctx = ctx_invol(), mhz = gb_noise_cpu_mhz();

	out->steal_ns = steal - n->steal0_ns;            /* NAN stays NAN */
	out->ctx_invol = ctx - n->nivcsw0;
	if (isnan(mhz))
		mhz = n->mhz0;
	else if (!isnan(n->mhz0))
		mhz = (mhz + n->mhz0) / 2;
	out->cpu_mhz = mhz;
	out->has_freq = !isnan(mhz);
	out->probe_ns = n->probe_ns;
}
