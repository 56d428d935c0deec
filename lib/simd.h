/*
 * Dispatch for lib/'s own vector loops (GCC vector extensions), on what the CPU has.
 * LI_TARGET_CLONES before a function compiles it twice on x86-64 with GCC, for AVX2 and
 * for the x86-64 baseline (SSE2), and the loader picks the copy the CPU can run (an
 * ifunc resolver reading CPUID): never an instruction the CPU lacks. Elsewhere (arm64,
 * clang) it is empty and the vector extensions compile to the target's own SIMD (NEON on
 * arm64) or to scalar code. The clones must do the same IEEE operations (no FMA) where a
 * caller promises the same bytes on every machine.
 */
#ifndef LI_SIMD_H
#define LI_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LI_TARGET_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LI_TARGET_CLONES
#endif

#endif
