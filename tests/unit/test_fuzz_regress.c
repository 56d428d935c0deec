/*
 * Runs every kept fuzz input (tests/fuzz/regress/NAME-WHAT, and the seeds in
 * tests/fuzz/seeds/NAME/) through the fuzz targets' own code, built normally (and under
 * ASan/UBSan by `make asan`), so an input that once crashed a parser stays fixed.
 * NAME (npy, csv, json, idx, keras3) picks the target. Needs LI_TOP (tests/run sets it).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define LLVMFuzzerTestOneInput fuzz_npy_one
#include "../fuzz/fuzz_npy.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_csv_one
#include "../fuzz/fuzz_csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_json_one
#include "../fuzz/fuzz_json.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_idx_one
#include "../fuzz/fuzz_idx.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_keras3_one
#include "../fuzz/fuzz_keras3.c"
#undef LLVMFuzzerTestOneInput

static const struct {
	const char *name;
	int (*run)(const unsigned char *, size_t);
} targets[] = {
	{"npy", fuzz_npy_one}, {"csv", fuzz_csv_one}, {"json", fuzz_json_one}, {"idx", fuzz_idx_one},
	{"keras3", fuzz_keras3_one},
};

static int run_file(const char *path, const char *target)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t m = 1 << 16, n = 0, k;
	unsigned char *buf = malloc(m);
	while (buf && (k = fread(buf + n, 1, m - n, f)) > 0) {
		n += k;
		if (n == m) {
			unsigned char *p = realloc(buf, m *= 2);
			if (!p)
				break;
			buf = p;
		}
	}
	fclose(f);
	int rc = -1;
	for (size_t i = 0; buf && i < sizeof targets / sizeof *targets; i++)
		if (!strcmp(target, targets[i].name))
			rc = targets[i].run(buf, n);
	free(buf);
	return rc;
}

static int run_dir(const char *dir, const char *fixed_target)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int count = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char target[16] = "", path[4096];
		if (fixed_target)
			snprintf(target, sizeof target, "%s", fixed_target);
		else
			sscanf(e->d_name, "%15[a-z]", target);
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		CHECK(run_file(path, target) == 0, "%s survives fuzz_%s", path, target);
		count++;
	}
	closedir(d);
	return count;
}

int main(void)
{
	const char *top = getenv("LI_TOP");
	if (!top)
		top = ".";
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/fuzz/regress", top);
	int n = run_dir(dir, NULL);
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
		snprintf(dir, sizeof dir, "%s/tests/fuzz/seeds/%s", top, targets[i].name);
		n += run_dir(dir, targets[i].name);
	}
	CHECK(n > 0, "found %d kept inputs under %s/tests/fuzz", n, top);
	return check_done();
}
