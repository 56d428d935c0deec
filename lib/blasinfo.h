/*
 * OpenBLAS settings the programs expose: the thread count (--threads) and a check for
 * the generic fallback kernels OpenBLAS 0.3.21 picks on CPUs it does not recognise (much
 * slower; OPENBLAS_CORETYPE=SkylakeX or Haswell in the environment fixes it).
 */
#ifndef LI_BLASINFO_H
#define LI_BLASINFO_H

/* Sets OpenBLAS' thread count (n <= 0: leave the default). */
void li_blas_set_threads(int n);
/* The core name when OpenBLAS runs generic kernels ("Prescott", "generic", "unknown"),
 * else NULL. Borrowed. */
const char *li_blas_slow_core(void);

#endif
