/*
 * Unit tests for lib/textlist.c: lines, JSON class names, and label files (text of
 * integers or names, a header line, .npy of integers and whole floats). Expected values
 * are written out by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"

static int labels_of(const char *text, li_textlist *classes, int64_t **out, int64_t *n,
		     li_err *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc = li_textlist_labels(f, classes, out, n, err);
	fclose(f);
	return rc;
}

static void test_lines(void)
{
	li_textlist l = {0};
	li_err err = {0};
	const char *text = "a b\r\n\"q\"\n\nlast";
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	CHECK_INT(li_textlist_read(f, &l, &err), 0, "read lines");
	fclose(f);
	CHECK_INT(l.n, 4, "four lines (an empty one kept)");
	CHECK(l.n == 4 && !strcmp(l.s[0], "a b") && !strcmp(l.s[1], "\"q\"") && !l.s[2][0] &&
	      !strcmp(l.s[3], "last"), "line contents");
	CHECK_INT(li_textlist_find(&l, "last"), 3, "find");
	CHECK_INT(li_textlist_find(&l, "nope"), -1, "find a missing one");
	li_textlist_release(&l);
	CHECK_INT(li_textlist_from_json("[\"zero\", \"\\u00e9t\\u00e9\"]", &l, &err), 0, "json");
	CHECK(l.n == 2 && !strcmp(l.s[1], "\xc3\xa9t\xc3\xa9"), "json utf-8 name");
	li_textlist_release(&l);
	CHECK(li_textlist_from_json("{\"a\": 1}", &l, &err) == LI_EDATA, "json object refused");
	li_err_clear(&err);
	CHECK(li_textlist_from_json("[1]", &l, &err) == LI_EDATA, "json number refused");
	li_textlist_release(&l);
}

static void test_labels(void)
{
	li_textlist classes = {0};
	li_err err = {0};
	int64_t *lab = NULL, n = 0;
	CHECK_INT(labels_of("3\n-1\n 7 \n", NULL, &lab, &n, &err), 0, "integer labels");
	CHECK(n == 3 && lab[0] == 3 && lab[1] == -1 && lab[2] == 7, "integer values");
	free(lab);
	CHECK_INT(labels_of("label\n1\n2\n", NULL, &lab, &n, &err), 0, "header skipped");
	CHECK(n == 2 && lab[0] == 1 && lab[1] == 2, "values after the header");
	free(lab);
	CHECK_INT(li_textlist_add(&classes, "cat", &err), 0, "add");
	CHECK_INT(labels_of("dog\n\"cat\"\ndog\n4\n", &classes, &lab, &n, &err), 0, "names");
	CHECK(n == 4 && lab[0] == 1 && lab[1] == 0 && lab[2] == 1 && lab[3] == 2, "name indices");
	CHECK(classes.n == 3 && !strcmp(classes.s[1], "dog") && !strcmp(classes.s[2], "4"),
	      "new names appended in order");
	free(lab);
	li_textlist_release(&classes);
	CHECK(labels_of("a\nb\n", NULL, &lab, &n, &err) == LI_EDATA &&
	      !strcmp(err.msg, "line 1: 'a' is not an integer"), "names need a class list: %s",
	      err.msg);
	li_err_clear(&err);
	CHECK(labels_of("", NULL, &lab, &n, &err) == LI_EDATA && !strcmp(err.msg, "empty file"),
	      "empty file");
	li_err_clear(&err);

	/* .npy: whole floats are labels, fractions are refused */
	static const char *const errs[] = {NULL, "label 1.5 at row 1 is not an integer"};
	for (int k = 0; k < 2; k++) {
		li_array a = {0};
		int64_t shape[1] = {3};
		CHECK_INT(li_array_alloc(&a, LI_DTYPE_F32, 1, shape, &err), 0, "alloc");
		float *v = a.data;
		v[0] = 2, v[1] = k ? 1.5f : 0, v[2] = 9;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		CHECK_INT(li_npy_save(f, &a, &err), 0, "save");
		fclose(f);
		f = fmemopen(buf, len, "r");
		int rc = li_textlist_labels(f, NULL, &lab, &n, &err);
		fclose(f);
		if (!errs[k])
			CHECK(rc == 0 && n == 3 && lab[0] == 2 && lab[1] == 0 && lab[2] == 9,
			      "npy float labels");
		else
			CHECK(rc == LI_EDATA && !strcmp(err.msg, errs[k]), "npy fraction: %s", err.msg);
		if (!rc)
			free(lab);
		li_err_clear(&err);
		free(buf);
		li_array_release(&a);
	}
}

int main(void)
{
	test_lines();
	test_labels();
	return check_done();
}
