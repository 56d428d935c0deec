/*
 * OpenBLAS thread count and core detection (see blasinfo.h).
 */
#include <string.h>
#include <strings.h>

#include <cblas.h>

#include "blasinfo.h"

void li_blas_set_threads(int n)
{
	if (n > 0)
		openblas_set_num_threads(n);
}

const char *li_blas_slow_core(void)
{
	const char *c = openblas_get_corename();
	if (!c || !*c)
		return "unknown";
	if (!strcasecmp(c, "prescott") || !strcasecmp(c, "generic") || !strcasecmp(c, "unknown") ||
	    !strcasecmp(c, "core2") || !strcasecmp(c, "katmai") || !strcasecmp(c, "coppermine"))
		return c;
	return NULL;
}
