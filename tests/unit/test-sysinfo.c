/*
 * test-sysinfo.c - what /proc/cpuinfo says about the CPU: its name, its
 * signature (the numbers that tell generations apart under a name such as
 * a hypervisor's bare "AMD EPYC") and the hypervisor flag; and what
 * meta.json's host and the peak cache's fingerprint make of them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "peak.h"
#include "sysinfo.h"
#include "unit.h"

/* gb_sysinfo_parse_cpuinfo over the text, into a zeroed s. */
static void parse(const char *text, struct gb_sysinfo *s)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	memset(s, 0, sizeof(*s));
	gb_sysinfo_parse_cpuinfo(f, s);
	if (f)
		fclose(f);
}

/* Two processors of a KVM guest as Linux 6 prints them (the first one wins). */
static const char x86[] =
	"processor\t: 0\n"
	"vendor_id\t: AuthenticAMD\n"
	"cpu family\t: 25\n"
	"model\t\t: 1\n"
	"model name\t: AMD EPYC\n"
	"stepping\t: 1\n"
	"flags\t\t: fpu vme avx2 hypervisor lahf_lm\n"
	"\n"
	"processor\t: 1\n"
	"vendor_id\t: AuthenticAMD\n"
	"cpu family\t: 25\n"
	"model\t\t: 17\n"
	"model name\t: AMD EPYC 9B14\n"
	"stepping\t: 1\n";

TEST(x86_signature)
{
	struct gb_sysinfo s;
	char t[128];

	parse(x86, &s);
	CHECK_STR(s.cpu_model, "AMD EPYC");
	CHECK_STR(s.sig.arch, "x86");
	CHECK_STR(s.sig.vendor, "AuthenticAMD");
	CHECK(s.sig.family == 25 && s.sig.model == 1 && s.sig.stepping == 1);
	CHECK(s.hypervisor == 1);
	gb_cpu_sig_text(&s.sig, t, sizeof(t));
	CHECK_STR(t, "AuthenticAMD family 25 model 1 stepping 1");
}

TEST(arm_signature)
{
	struct gb_sysinfo s;
	char t[128];

	parse("processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\n"
	      "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
	      "CPU part\t: 0xd0c\nCPU revision\t: 1\n", &s);
	CHECK_STR(s.sig.arch, "arm");
	CHECK(s.sig.implementer == 0x41 && s.sig.part == 0xd0c && s.sig.variant == 3 &&
	      s.sig.revision == 1);
	CHECK(s.cpu_model[0] == '\0' && s.hypervisor == 0);
	gb_cpu_sig_text(&s.sig, t, sizeof(t));
	CHECK_STR(t, "implementer 0x41 part 0xd0c variant 0x3 revision 1");
}

TEST(no_signature_is_none)
{
	struct gb_sysinfo s;
	json_t *j;
	char t[16] = "x";

	/* a family without a model, numbers that are not numbers: no signature */
	parse("cpu family\t: 25\nmodel name\t: X\nstepping\t: 1\n", &s);
	CHECK_STR(s.sig.arch, "");
	parse("cpu family\t: 2x\nmodel\t\t: -1\n", &s);
	CHECK_STR(s.sig.arch, "");
	CHECK(s.sig.family == -1 && s.sig.model == -1);
	/* "hypervisor" only as a whole word of the flags */
	parse("flags\t\t: fpu not_hypervisor hypervisorx\n", &s);
	CHECK(s.hypervisor == 0);
	parse("flags\t\t: hypervisor\n", &s);
	CHECK(s.hypervisor == 1);
	{
		/* a flags line longer than any fixed buffer, the word at its end */
		char long_flags[1200];
		size_t n = (size_t)snprintf(long_flags, sizeof(long_flags), "flags\t\t:");

		while (n < 900)
			n += (size_t)snprintf(long_flags + n, sizeof(long_flags) - n, " avx512f");
		snprintf(long_flags + n, sizeof(long_flags) - n, " hypervisor\nmodel\t\t: 7\n");
		parse(long_flags, &s);
		CHECK(s.hypervisor == 1 && s.sig.model == 7);
	}
	parse("", &s);
	gb_cpu_sig_text(&s.sig, t, sizeof(t));
	CHECK_STR(t, "");
	j = gb_sysinfo_json(&s);
	CHECK(json_object_get(j, "cpu_signature") == NULL);
	json_decref(j);
	/* no file at all */
	memset(&s, 0, sizeof(s));
	gb_sysinfo_parse_cpuinfo(NULL, &s);
	CHECK_STR(s.sig.arch, "");
}

TEST(json_and_fingerprint)
{
	struct gb_sysinfo a, b;
	json_t *ja, *jb, *g;
	char fa[17], fb[17];

	parse(x86, &a);
	b = a;
	memset(&b.sig, 0, sizeof(b.sig));
	ja = gb_sysinfo_json(&a);
	jb = gb_sysinfo_json(&b);
	g = json_object_get(ja, "cpu_signature");
	CHECK_STR(json_string_value(json_object_get(g, "arch")), "x86");
	CHECK(json_integer_value(json_object_get(g, "family")) == 25);
	CHECK(json_integer_value(json_object_get(g, "model")) == 1);
	CHECK(json_object_get(jb, "cpu_signature") == NULL);
	/*
	 * The peak cache's fingerprint leaves the signature out: results written
	 * before it was recorded still find the ceilings of their machine (its
	 * caches, part of the fingerprint, already tell generations apart).
	 */
	gb_peak_fingerprint(ja, fa);
	gb_peak_fingerprint(jb, fb);
	CHECK_STR(fa, fb);
	json_decref(ja);
	json_decref(jb);
}

int main(void)
{
	RUN(x86_signature);
	RUN(arm_signature);
	RUN(no_signature_is_none);
	RUN(json_and_fingerprint);
	return unit_done();
}
