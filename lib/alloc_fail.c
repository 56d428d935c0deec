/*
 * The counting allocator behind lib/alloc_fail.h (see there). Compiled into every build,
 * used only by the check-alloc build, where the header redirects our allocations here.
 */
#define LI_ALLOC_FAIL_IMPL
#include "alloc_fail.h"

/* the check-alloc build force-includes the header before this file's first line */
#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef strndup
#undef asprintf

#include <stdint.h>

static long fail_at = -1;  /* -1: not read yet; 0: never fail */
static long n_allocs;
static const char *count_file;

static void write_count(void)
{
	FILE *f = fopen(count_file, "w");
	if (f) {
		fprintf(f, "%ld\n", n_allocs);
		fclose(f);
	}
}

/* 1 when this allocation is the one to fail. */
static int should_fail(void)
{
	if (fail_at < 0) {
		const char *s = getenv("LI_ALLOC_FAIL");
		fail_at = s ? strtol(s, NULL, 10) : 0;
		if (fail_at < 0)
			fail_at = 0;
		count_file = getenv("LI_ALLOC_COUNT_FILE");
		if (count_file)
			atexit(write_count);
	}
	long k = __atomic_add_fetch(&n_allocs, 1, __ATOMIC_RELAXED);
	return k == fail_at;
}

void *li_af_malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n);
}

void *li_af_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : calloc(n, size);
}

void *li_af_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : realloc(p, n);
}

char *li_af_strdup(const char *s)
{
	return should_fail() ? NULL : strdup(s);
}

char *li_af_strndup(const char *s, size_t n)
{
	return should_fail() ? NULL : strndup(s, n);
}

int li_af_asprintf(char **out, const char *fmt, ...)
{
	if (should_fail())
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(out, fmt, ap);
	va_end(ap);
	return rc;
}
