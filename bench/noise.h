/*
 * noise.h - the noise around one measured repetition: CPU time stolen by
 * the hypervisor, involuntary context switches, and the CPU frequency.
 *
 * The replay brackets each repetition with gb_noise_begin / gb_noise_end
 * and records the sample as the metrics noise_steal_ns, noise_ctx_invol,
 * noise_cpu_mhz and noise_probe_ns (never gating). compare reads them back to say when a
 * verdict coincides with a noisy side. Reading never fails: what cannot be
 * read here is NAN (or has_freq 0), and a run goes on without it.
 */
#ifndef GB_NOISE_H
#define GB_NOISE_H

#include <stdint.h>

struct gb_noise {
	double steal0_ns;    /* /proc/stat steal at begin, all CPUs (NAN: unreadable) */
	double nivcsw0;      /* getrusage ru_nivcsw at begin (NAN: unreadable) */
	double mhz0;         /* mean CPU frequency at begin (NAN: unreadable) */
	double probe_ns;     /* gb_noise_probe_ns() at begin */
};

struct gb_noise_sample {
	double steal_ns;     /* steal time between begin and end, summed over CPUs */
	double ctx_invol;    /* involuntary context switches of this process */
	double cpu_mhz;      /* mean CPU frequency over online CPUs, begin and end */
	int has_freq;        /* 0: no readable frequency (cpu_mhz NAN) */
	double probe_ns;     /* gb_noise_probe_ns() just before the repetition */
};

/* Take the starting readings. */
void gb_noise_begin(struct gb_noise *n);
/* Take the closing readings and fill out with the differences. */
void gb_noise_end(struct gb_noise *n, struct gb_noise_sample *out);

/*
 * The raw readings, for tests and `gbench info`: steal time in ns since
 * boot (NAN when /proc/stat has no steal column), and the mean frequency in
 * MHz from cpufreq's scaling_cur_freq, else /proc/cpuinfo's "cpu MHz" (NAN
 * when neither is readable).
 */
double gb_noise_steal_ns(void);
double gb_noise_cpu_mhz(void);

/*
 * The machine's own speed, as the time in ns of a fixed piece of work
 * (about 40 us here) on the calling thread: a dependent chain of integer
 * multiply-adds and a sum over 256 KiB. Nothing under test changes it, so
 * between two runs its ratio is the machine's: another tenant on the host,
 * a slower clock, a busy sibling hyperthread. On a VM that reports no steal
 * time and no frequency, it is the only evidence of that. gb_noise_begin
 * takes one.
 */
double gb_noise_probe_ns(void);

#endif
