/*
 * OpenBLAS settings the programs expose: the thread count (--threads), and a note when
 * OpenBLAS runs slow generic kernels on a CPU that has fast ones. OpenBLAS 0.3.21 picks
 * its kernels by CPUID and falls back to generic SSE kernels ("Prescott", ...) on CPUs it
 * does not recognise; OPENBLAS_CORETYPE in the environment overrides the pick. Naming a
 * kernel the CPU cannot run (SkylakeX without AVX-512) kills the program with SIGILL, so
 * a suggestion is made only from what the CPU's flags show, and never when
 * OPENBLAS_CORETYPE is already set: the user chose.
 */
#ifndef LI_BLASINFO_H
#define LI_BLASINFO_H

#include <stddef.h>

/* Sets OpenBLAS' thread count (n <= 0: leave the default). */
void li_blas_set_threads(int n);

/*
 * The OPENBLAS_CORETYPE to suggest, or NULL (the rule, without reading anything):
 * NULL when coretype_env is non-NULL and non-empty (the user chose), or when `core` (what
 * OpenBLAS picked) is not a generic pre-AVX kernel; else "SkylakeX" when `flags` (the
 * words of /proc/cpuinfo's "flags" line) hold avx512f, "Haswell" when they hold avx2 and
 * fma, NULL otherwise. A NULL or empty core counts as generic. Static string.
 */
const char *li_blas_suggest(const char *core, const char *flags, const char *coretype_env);

/* 1 when `flags` (space-separated words) holds the word `flag`, else 0. */
int li_cpu_flag(const char *flags, const char *flag);

/*
 * For this process: li_blas_suggest applied to openblas_get_corename(), the "flags" line
 * of /proc/cpuinfo and getenv("OPENBLAS_CORETYPE"); NULL also where /proc/cpuinfo cannot
 * be read (no suggestion without the flags). Static string.
 */
const char *li_blas_suggestion(void);

/*
 * The note for this process: with a suggestion (li_blas_suggestion) it writes "OpenBLAS runs its generic 'CORE' kernels on this CPU, which has AVX-512;
 * OPENBLAS_CORETYPE=SkylakeX makes it faster" into buf and returns buf; else NULL.
 */
const char *li_blas_note(char *buf, size_t size);

#endif
