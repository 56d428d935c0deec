/*
 * Unit tests of lib/labeled*.c through the library API: an append built in memory, read
 * back whole; label and class files parsed from strings. Shell tests (t07xx) cover the
 * program, concurrency and crashes.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "li.h"

/* A .npy stream in memory, opened as a reader. */
static li_npy_reader *npy_of(const li_array *a, FILE **f)
{
	li_err err = {0};
	*f = tmpfile();
	if (!*f || li_npy_save(*f, a, &err))
		return NULL;
	rewind(*f);
	return li_npy_open(*f, &err);
}

static FILE *text(const char *s)
{
	FILE *f = tmpfile();
	fputs(s, f);
	rewind(f);
	return f;
}

static void append_and_load(const char *dir)
{
	float x[6] = {1, 2, 3, 4, 5, 6};
	li_array a = {.dtype = LI_DTYPE_F32, .rank = 2, .shape = {3, 2}, .data = x};
	FILE *f;
	li_npy_reader *r = npy_of(&a, &f);
	CHECK(r != NULL, "samples stream");
	char *names[] = {"b", "a", "b"};
	int64_t si[] = {2};
	char *sn[] = {"c"};
	li_labeled_append_req q = {.samples = r, .n_labels = 3, .names = names, .n_set = 1,
				   .set_index = si, .set_name = sn, .source = "test"};
	li_err err = {0};
	long long gen = 0;
	CHECK_INT(li_labeled_append(dir, &q, &gen, &err), 0, "append");
	CHECK_INT(gen, 1, "first generation");
	li_npy_close(r);
	fclose(f);

	li_labeled *d = li_labeled_open(dir, &err);
	CHECK(d != NULL, "open: %s", err.msg);
	if (!d)
		return;
	const li_labeled_info *in = li_labeled_info_of(d);
	CHECK_INT(in->count, 3, "count");
	CHECK_INT(in->n_classes, 3, "classes");
	CHECK(!strcmp(in->classes[0], "b") && !strcmp(in->classes[1], "a") &&
	      !strcmp(in->classes[2], "c"), "class names in order of appearance");
	const int64_t *l = li_labeled_labels(d);
	CHECK(l[0] == 0 && l[1] == 1 && l[2] == 2, "labels with the hand correction");
	CHECK_INT(in->origin_dim, 0, "no origin");
	li_array s = {0};
	CHECK_INT(li_labeled_load_samples(d, &s, &err), 0, "load samples");
	CHECK(s.rank == 2 && s.shape[0] == 3 && s.shape[1] == 2 && !memcmp(s.data, x, sizeof x),
	      "samples read back");
	double p[3];
	li_labeled_probabilities(d, p);
	CHECK(isnan(p[0]) && isnan(p[2]), "no probabilities");
	li_array_release(&s);
	li_labeled_close(d);
}

static void label_files(void)
{
	int64_t *idx, n;
	char **names;
	li_err err = {0};
	FILE *f = text("3\n 1 \n0\r\n\n");
	CHECK_INT(li_labeled_read_labels(f, &idx, &names, &n, &err), 0, "integer labels");
	CHECK(n == 3 && idx && idx[0] == 3 && idx[1] == 1 && idx[2] == 0 && !names, "3 1 0");
	free(idx);
	fclose(f);
	f = text("label\n2\n5\n");
	CHECK_INT(li_labeled_read_labels(f, &idx, &names, &n, &err), 0, "csv with a header");
	CHECK(n == 2 && idx && idx[0] == 2 && idx[1] == 5, "header skipped");
	free(idx);
	fclose(f);
	f = text("cat\n\"not a \"\"number\"\"\"\n7\n");
	CHECK_INT(li_labeled_read_labels(f, &idx, &names, &n, &err), 0, "names");
	CHECK(n == 3 && names && !strcmp(names[1], "not a \"number\"") && !strcmp(names[2], "7"),
	      "names unquoted, numbers kept as names");
	li_labeled_free_names(names, n);
	fclose(f);
	f = text("1\n\n2\n");
	CHECK(li_labeled_read_labels(f, &idx, &names, &n, &err) == LI_EDATA, "blank line: %s", err.msg);
	fclose(f);
	li_err_clear(&err);
	f = text("");
	CHECK(li_labeled_read_labels(f, &idx, &names, &n, &err) == LI_EDATA, "empty: %s", err.msg);
	fclose(f);

	int nc;
	li_err_clear(&err);
	f = text("zero\none\n");
	CHECK_INT(li_labeled_read_classes(f, &names, &nc, &err), 0, "class file");
	CHECK(nc == 2 && !strcmp(names[1], "one"), "two classes");
	li_labeled_free_names(names, nc);
	fclose(f);
	f = text("a\n b\n");
	CHECK(li_labeled_read_classes(f, &names, &nc, &err) == LI_EDATA, "leading space: %s", err.msg);
	fclose(f);
}

int main(void)
{
	char dir[] = "/tmp/li-test-labeled.XXXXXX", path[64];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/ds", dir);
	append_and_load(path);
	label_files();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
