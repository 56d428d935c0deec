/*
 * OpenBLAS thread count and the slow-kernel note (see blasinfo.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cblas.h>

#include "blasinfo.h"

void li_blas_set_threads(int n)
{
	if (n > 0)
		openblas_set_num_threads(n);
}

int li_cpu_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	if (!flags || !n)
		return 0;
	for (const char *p = flags; (p = strstr(p, flag)) != NULL; p += n) {
		int starts = p == flags || p[-1] == ' ' || p[-1] == '\t';
		int ends = p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n';
		if (starts && ends)
			return 1;
	}
	return 0;
}

/* OpenBLAS' x86-64 kernels without AVX (its names, as openblas_get_corename gives them) */
static int generic_core(const char *core)
{
	static const char *const names[] = {
		"generic", "unknown", "katmai", "coppermine", "northwood", "prescott", "banias",
		"core2", "penryn", "dunnington", "nehalem", "atom", "opteron", "opteron_sse3",
		"barcelona", "bobcat",
	};
	if (!core || !*core)
		return 1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(core, names[i]))
			return 1;
	return 0;
}

const char *li_blas_suggest(const char *core, const char *flags, const char *coretype_env)
{
	if (coretype_env && *coretype_env)
		return NULL;
	if (!generic_core(core))
		return NULL;
	if (li_cpu_flag(flags, "avx512f"))
		return "SkylakeX";
	if (li_cpu_flag(flags, "avx2") && li_cpu_flag(flags, "fma"))
		return "Haswell";
	return NULL;
}

/* the "flags" line of /proc/cpuinfo (first processor) into buf, or 0 */
static int cpu_flags(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return 0;
	int found = 0;
	while (!found && fgets(buf, (int)size, f))
		if (!strncmp(buf, "flags", 5) && strchr(buf, ':'))
			found = 1;
	fclose(f);
	if (found)
		memmove(buf, strchr(buf, ':') + 1, strlen(strchr(buf, ':') + 1) + 1);
	return found;
}

const char *li_blas_suggestion(void)
{
	char flags[4096];
	if (!cpu_flags(flags, sizeof flags))
		return NULL;
	return li_blas_suggest(openblas_get_corename(), flags, getenv("OPENBLAS_CORETYPE"));
}

const char *li_blas_note(char *buf, size_t size)
{
	const char *s = li_blas_suggestion();
	if (!s)
		return NULL;
	const char *core = openblas_get_corename();
	snprintf(buf, size, "OpenBLAS runs its generic '%s' kernels on this CPU, which has %s; "
		 "OPENBLAS_CORETYPE=%s makes it faster", core && *core ? core : "unknown",
		 strcmp(s, "SkylakeX") ? "AVX2" : "AVX-512", s);
	return buf;
}
