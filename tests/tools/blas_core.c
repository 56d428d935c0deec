/*
 * For scripts/bench: prints the kernel OpenBLAS picked on this CPU, a space, and the
 * OPENBLAS_CORETYPE this CPU could run instead ("-" when none: OpenBLAS picked a
 * specific kernel, the CPU has neither AVX2 nor AVX-512, or OPENBLAS_CORETYPE is already
 * set). The rule is lib/blasinfo.h's, the one behind the programs' note.
 *
 *   blas_core        e.g. "Prescott SkylakeX" or "Haswell -"
 */
#include <stdio.h>

#include <cblas.h>

#include "blasinfo.h"

int main(void)
{
	const char *core = openblas_get_corename(), *s = li_blas_suggestion();
	printf("%s %s\n", core && *core ? core : "unknown", s ? s : "-");
	return 0;
}
