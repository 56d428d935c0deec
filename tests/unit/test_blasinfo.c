/*
 * Unit tests for lib/blasinfo.c: which OPENBLAS_CORETYPE the programs suggest, from the
 * kernel OpenBLAS picked, the CPU's /proc/cpuinfo flags and the environment. The flag
 * lines are cut from real /proc/cpuinfo lines (the words that matter kept, in their
 * order): an AMD EPYC 7763 (Zen 3: AVX2 and FMA, no AVX-512), an AMD EPYC 9004 (Zen 4:
 * AVX-512), an Intel Xeon E5-2670 (Sandy Bridge: AVX only) and a Xeon X5650 (Westmere:
 * SSE4.2 only). The rule: a suggestion only where OpenBLAS fell back to a pre-AVX kernel,
 * only a kernel the flags show, never when OPENBLAS_CORETYPE is set.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"
#include "blasinfo.h"

static const char zen3[] = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat "
	"pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm "
	"constant_tsc rep_good nopl xtopology nonstop_tsc cpuid extd_apicid aperfmperf pni "
	"pclmulqdq monitor ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx "
	"f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse "
	"3dnowprefetch osvw ibs skinit wdt tce topoext perfctr_core bmi1 avx2 smep bmi2 erms "
	"invpcid cqm rdt_a rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves "
	"clzero irperf xsaveerptr rdpru wbnoinvd arat npt lbrv svm_lock nrip_save vaes "
	"vpclmulqdq rdpid overflow_recov succor smca\n";
static const char zen4[] = "fpu vme de pse tsc msr pae mce cx8 apic sse sse2 ht syscall nx "
	"lm pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand "
	"bmi1 avx2 smep bmi2 erms invpcid avx512f avx512dq rdseed adx smap avx512ifma "
	"clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt avx512_bf16 avx512vbmi "
	"avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq rdpid";
static const char sandybridge[] = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca "
	"cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb "
	"rdtscp lm constant_tsc pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cx16 "
	"xtpr pdcm pcid dca sse4_1 sse4_2 x2apic popcnt tsc_deadline_timer aes xsave avx "
	"lahf_lm epb pti tpr_shadow vnmi flexpriority ept vpid xsaveopt dtherm ida arat pln pts";
static const char westmere[] = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov "
	"pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm "
	"constant_tsc arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc pni pclmulqdq "
	"dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cx16 xtpr pdcm pcid dca sse4_1 sse4_2 "
	"popcnt aes lahf_lm epb pti tpr_shadow vnmi flexpriority ept vpid dtherm ida arat";

/* "got" as a string for the messages */
static const char *s(const char *p)
{
	return p ? p : "(none)";
}

#define SUGGEST(core, flags, env, want, what) do { \
	const char *g_ = li_blas_suggest(core, flags, env), *w_ = (want); \
	CHECK(g_ == w_ || (g_ && w_ && !strcmp(g_, w_)), "%s: got %s, expected %s", what, s(g_), \
	      s(w_)); \
} while (0)

int main(void)
{
	/* a generic kernel on a CPU with fast ones: the fastest kernel the flags show */
	SUGGEST("Prescott", zen4, NULL, "SkylakeX", "Prescott on AVX-512: SkylakeX");
	SUGGEST("Prescott", zen3, NULL, "Haswell", "Prescott on AVX2 without AVX-512: Haswell, never SkylakeX");
	SUGGEST("CORE2", zen3, NULL, "Haswell", "Core2 (any case) on AVX2: Haswell");
	SUGGEST("Nehalem", zen3, NULL, "Haswell", "Nehalem on AVX2: Haswell");
	SUGGEST("generic", zen4, NULL, "SkylakeX", "'generic' on AVX-512");
	SUGGEST("unknown", zen3, NULL, "Haswell", "'unknown' on AVX2");
	SUGGEST(NULL, zen3, NULL, "Haswell", "no core name counts as generic");
	SUGGEST("", zen4, NULL, "SkylakeX", "an empty core name counts as generic");

	/* the CPU has nothing faster: no note */
	SUGGEST("Prescott", sandybridge, NULL, NULL, "AVX without AVX2 (Sandy Bridge): none");
	SUGGEST("Prescott", westmere, NULL, NULL, "SSE4.2 only (Westmere): none");
	SUGGEST("Prescott", "avx2 sse4_2", NULL, NULL, "AVX2 without FMA: none (Haswell's kernels use FMA)");
	SUGGEST("Prescott", "", NULL, NULL, "no flags: none");
	SUGGEST("Prescott", NULL, NULL, NULL, "flags unknown: none");

	/* OpenBLAS picked a specific kernel: no note, even where a faster one exists */
	SUGGEST("Haswell", zen4, NULL, NULL, "Haswell on AVX-512: none");
	SUGGEST("Zen", zen3, NULL, NULL, "Zen: none");
	SUGGEST("SkylakeX", zen4, NULL, NULL, "SkylakeX: none");
	SUGGEST("Cooperlake", zen4, NULL, NULL, "Cooperlake: none");
	SUGGEST("Sandybridge", sandybridge, NULL, NULL, "Sandybridge: none");

	/* OPENBLAS_CORETYPE set: the user chose */
	SUGGEST("Prescott", zen4, "Prescott", NULL, "OPENBLAS_CORETYPE=Prescott set: none");
	SUGGEST("Prescott", zen3, "Haswell", NULL, "OPENBLAS_CORETYPE=Haswell set: none");
	SUGGEST("Prescott", zen4, "", "SkylakeX", "an empty OPENBLAS_CORETYPE counts as unset");

	/* flags are whole words */
	CHECK_INT(li_cpu_flag(zen4, "avx512f"), 1, "avx512f in the Zen 4 flags");
	CHECK_INT(li_cpu_flag(zen3, "avx512f"), 0, "no avx512f in the Zen 3 flags");
	CHECK_INT(li_cpu_flag("avx512fp16 avx512_fp16 xavx512f", "avx512f"), 0,
		  "avx512fp16, avx512_fp16, xavx512f are not avx512f");
	CHECK_INT(li_cpu_flag("avx2", "avx2"), 1, "the only word");
	CHECK_INT(li_cpu_flag("fma avx2\n", "avx2"), 1, "the last word, before the newline");
	CHECK_INT(li_cpu_flag("fma\tavx2 sse", "avx2"), 1, "after a tab");
	CHECK_INT(li_cpu_flag("avx2x avx2", "avx2"), 1, "after a longer word that starts with it");
	CHECK_INT(li_cpu_flag("avx", "avx2"), 0, "a shorter word is not it");
	CHECK_INT(li_cpu_flag("", "avx2"), 0, "empty flags");

	/* this process: OPENBLAS_CORETYPE set means no suggestion and no note */
	char buf[256];
	setenv("OPENBLAS_CORETYPE", "Haswell", 1);
	CHECK(li_blas_suggestion() == NULL, "OPENBLAS_CORETYPE in the environment: no suggestion");
	CHECK(li_blas_note(buf, sizeof buf) == NULL, "OPENBLAS_CORETYPE in the environment: no note");
	return check_done();
}
