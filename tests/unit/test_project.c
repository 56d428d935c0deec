/*
 * lib/project.c (manifests) and li_inspect_ascii: a full manifest with every key read
 * back field by field, paths resolved against the folder (absolute ones kept), defaults
 * for a minimal manifest, and a table of bad manifests with the message each must give.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "li.h"
#include "inspect.h"
#include "project.h"

static char dir[64];

static void write_manifest(const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/project.json", dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static void full(void)
{
	char want[160];
	li_err err = {0};
	write_manifest("{\"model\": \"m.h5\", \"data\": \"x.npy\", \"labels\": \"y.npy\","
		       " \"classes\": \"c.txt\", \"validation\": {\"data\": \"vx.npy\", \"labels\": \"/abs/vy.npy\"},"
		       " \"preprocess\": {\"scale\": 0.5, \"offset\": -1, \"reshape\": [4, -1]},"
		       " \"at\": 3, \"method\": \"umap\","
		       " \"render\": {\"kind\": \"curves\", \"channels\": [\"ax\", \"ay\"]},"
		       " \"labeled\": \"picked\"}");
	li_project *p = li_project_load(dir, &err);
	CHECK(p != NULL, "full manifest loads (%s)", err.msg);
	if (!p)
		return;
	snprintf(want, sizeof want, "%s/m.h5", dir);
	CHECK(streq(p->model, want), "model resolved: %s", p->model);
	snprintf(want, sizeof want, "%s/picked", dir);
	CHECK(streq(p->labeled, want), "labeled resolved: %s", p->labeled);
	CHECK(streq(p->val_labels, "/abs/vy.npy"), "absolute path kept: %s", p->val_labels);
	CHECK(streq(p->at, "3"), "integer at becomes \"3\": %s", p->at);
	CHECK(streq(p->method, "umap"), "method");
	CHECK(p->has_preprocess && p->pre.scale == 0.5 && p->pre.offset == -1, "scale, offset");
	CHECK_INT(p->pre.reshape_rank, 2, "reshape rank");
	CHECK_INT(p->pre.reshape[1], -1, "reshape -1 kept");
	CHECK_INT(p->render, LI_RENDER_CURVES, "render kind");
	CHECK(p->n_channels == 2 && streq(p->channels[1], "ay"), "channels");
	li_project_free(p);
}

static void minimal(void)
{
	char want[160];
	li_err err = {0};
	write_manifest("{\"model\": \"m.h5\", \"data\": \"x.npy\"}");
	li_project *p = li_project_load(dir, &err);
	CHECK(p != NULL, "minimal manifest loads (%s)", err.msg);
	if (!p)
		return;
	snprintf(want, sizeof want, "%s/labeled", dir);
	CHECK(streq(p->labeled, want), "labeled defaults to DIR/labeled: %s", p->labeled);
	CHECK(!p->labels && !p->classes && !p->at && !p->method && !p->has_preprocess,
	      "absent keys are NULL");
	CHECK_INT(p->render, LI_RENDER_NUMBERS, "render defaults to numbers");
	CHECK(p->pre.scale == 1 && p->pre.offset == 0, "preprocess defaults");
	li_project_free(p);
}

static const struct {
	const char *json, *msg;
} bad[] = {
	{"{\"model\": \"m.h5\"}", "'data' is missing"},
	{"{\"model\": \"\", \"data\": \"x\"}", "'model' is not a file name"},
	{"{\"model\": \"m\", \"data\": \"x\", \"at\": 1.5}", "'at' is not a non-empty string"},
	{"{\"model\": \"m\", \"data\": \"x\", \"validation\": 3}", "'validation' is not an object"},
	{"{\"model\": \"m\", \"data\": \"x\", \"preprocess\": {\"reshape\": [2, -1, -1]}}",
	 "'preprocess.reshape[2]' is not a positive size"},
	{"{\"model\": \"m\", \"data\": \"x\", \"render\": {\"kind\": \"image\", \"shape\": [28]}}",
	 "'render.shape' needs a height and a width"},
	{"{\"model\": \"m\", \"data\": \"x\", \"render\": {\"kind\": \"curves\", \"channels\": [1]}}",
	 "'render.channels[0]' is not a string"},
	{"{\"model\": \"m\", \"data\": \"x\", \"render\": []}", "'render' is not an object"},
	{"{\"model\": \"m\", \"model\": \"n\", \"data\": \"x\"}", NULL},  /* duplicate key: bad JSON */
	{"\"text\"", NULL},
};

static void bad_manifests(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		li_err err = {0};
		write_manifest(bad[i].json);
		li_project *p = li_project_load(dir, &err);
		CHECK(p == NULL && err.code == LI_EDATA, "bad manifest %zu refused", i);
		if (bad[i].msg)
			CHECK(!strcmp(err.msg, bad[i].msg), "message: got '%s', expected '%s'", err.msg,
			      bad[i].msg);
		li_project_free(p);
	}
	li_err err = {0};
	char nowhere[160];
	snprintf(nowhere, sizeof nowhere, "%s/none", dir);
	CHECK(li_project_load(nowhere, &err) == NULL && err.code == LI_EIO &&
	      !strcmp(err.msg, "cannot read: No such file or directory"),
	      "missing project.json: %s", err.msg);
}

static void ascii(void)
{
	/* 2 x 3, values 0..5: levels round(v / 5 * 9) = 0, 2, 4, 5, 7, 9 */
	const float img[6] = {0, 1, 2, 3, 4, 5};
	char *s = li_inspect_ascii(img, 2, 3, 1);
	CHECK(s && !strcmp(s, " :=\n+#@\n"), "ascii picture: got '%s'", s ? s : "(null)");
	free(s);
	const float flat[2] = {7, 7};
	s = li_inspect_ascii(flat, 1, 2, 1);
	CHECK(s && !strcmp(s, "  \n"), "a flat image is blank: '%s'", s ? s : "(null)");
	free(s);
	CHECK(li_inspect_ascii(img, 0, 3, 1) == NULL, "no rows: NULL");
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/li-test-project-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	full();
	minimal();
	bad_manifests();
	ascii();
	char path[128];
	snprintf(path, sizeof path, "%s/project.json", dir);
	unlink(path);
	rmdir(dir);
	return check_done();
}
