/*
 * The inspector's click as a library call, timed: opens a project (its cached
 * preparation, made on the first run), then for N points spread over the map's extent
 * (a fixed grid, so every run asks the same points) times li_inspect_eval: the map's
 * inverse, the model's tail, the probe, the output ready to send. Prints the median,
 * 90th percentile and mean in ms, and the median of each part over the same points
 * (inverse alone; the rest is the tail and the probe).
 *   click_bench PROJECT_DIR [N]
 * Not a test (tests assert no timings): scripts/bench/click.sh runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "li.h"

char *openblas_get_corename(void);

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* CPU time of the whole process (every thread): on a shared machine the wall time of a
 * click grows with the load, its CPU time much less */
static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: click_bench PROJECT_DIR [N]\n");
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 49;
	if (n < 1 || n > 10000)
		n = 49;
	li_err err = {0};
	li_project *p = li_project_load(argv[1], &err);
	if (!p) {
		fprintf(stderr, "click_bench: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	li_inspect_opts o = {0};
	li_inspect *ins = li_inspect_open(p, &o, &err);
	if (!ins) {
		fprintf(stderr, "click_bench: %s: %s\n", argv[1], err.msg);
		li_project_free(p);
		return 1;
	}
	const li_map *m = li_inspect_map(ins);
	const double *ext = li_map_extent(m);
	int64_t d = li_map_features(m);
	double *t = malloc(sizeof(double) * (size_t)n), *ti = malloc(sizeof(double) * (size_t)n);
	double *tc = malloc(sizeof(double) * (size_t)n);
	double *lat = malloc(sizeof(double) * (size_t)d);
	int side = 1;
	while (side * side < n)
		side++;
	int status = 0;
	li_inspect_point pt;
	/* one click first: lazy set-up (page faults, BLAS buffers) is not a click's cost */
	if (li_inspect_eval(ins, (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2, &pt, &err)) {
		fprintf(stderr, "click_bench: %s\n", err.msg);
		status = 1;
		goto out;
	}
	li_inspect_point_release(&pt);
	for (int i = 0; i < n; i++) {
		double fx = (i % side + 0.5) / side, fy = (i / side + 0.5) / side;
		double xy[2] = {ext[0] + fx * (ext[2] - ext[0]), ext[1] + fy * (ext[3] - ext[1])};
		double t0 = now_ms(), c0 = cpu_ms();
		if (li_inspect_eval(ins, xy[0], xy[1], &pt, &err)) {
			fprintf(stderr, "click_bench: %s\n", err.msg);
			status = 1;
			goto out;
		}
		t[i] = now_ms() - t0;
		tc[i] = cpu_ms() - c0;
		li_inspect_point_release(&pt);
		t0 = now_ms();
		if (li_map_inverse(m, xy, 1, lat, &err)) {
			fprintf(stderr, "click_bench: %s\n", err.msg);
			status = 1;
			goto out;
		}
		ti[i] = now_ms() - t0;
	}
	double mean = 0;
	for (int i = 0; i < n; i++)
		mean += t[i] / n;
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	qsort(ti, (size_t)n, sizeof *ti, cmp_d);
	qsort(tc, (size_t)n, sizeof *tc, cmp_d);
	printf("openblas core %s; ", openblas_get_corename());
	printf("clicks %d method %s rows %lld latent %lld: median %.2f ms, p90 %.2f ms, mean %.2f "
	       "ms; inverse alone median %.2f ms; CPU time median %.2f ms\n", n, li_map_method(m),
	       (long long)li_inspect_rows(ins), (long long)d, t[n / 2], t[(n * 9) / 10], mean,
	       ti[n / 2], tc[n / 2]);
out:
	free(t);
	free(ti);
	free(tc);
	free(lat);
	li_inspect_free(ins);
	li_project_free(p);
	return status;
}
