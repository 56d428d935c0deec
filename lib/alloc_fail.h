/*
 * Allocation-failure injection for `make check-alloc` (SQLite's and jq's malloc tests):
 * that build force-includes this header into every unit of lib/ and cmd/ (-include), so
 * each of our own malloc, calloc, realloc, strdup, strndup and asprintf goes through one
 * counting wrapper; libhdf5's, jansson's and OpenBLAS's own allocations do not, which
 * LD_PRELOAD could not tell apart. Normal builds never see this header.
 *
 * Environment of a program built so:
 *   LI_ALLOC_FAIL=N        the N-th allocation (1-based) returns NULL, only that one
 *   LI_ALLOC_COUNT_FILE=F  at exit, the number of allocations made is written to F
 * Run single-threaded (--threads 1) for a repeatable count.
 */
#ifndef LI_ALLOC_FAIL_H
#define LI_ALLOC_FAIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *li_af_malloc(size_t n);
void *li_af_calloc(size_t n, size_t size);
void *li_af_realloc(void *p, size_t n);
char *li_af_strdup(const char *s);
char *li_af_strndup(const char *s, size_t n);
int li_af_asprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifndef LI_ALLOC_FAIL_IMPL
#define malloc(n) li_af_malloc(n)
#define calloc(n, s) li_af_calloc(n, s)
#define realloc(p, n) li_af_realloc(p, n)
#define strdup(s) li_af_strdup(s)
#define strndup(s, n) li_af_strndup(s, n)
#define asprintf(...) li_af_asprintf(__VA_ARGS__)
#endif

#endif
