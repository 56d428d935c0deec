/*
 * Layer conformance checker. Runs small layer graphs through the layer families
 * (li_layer_init, out_shape, forward) and compares with reference outputs computed by
 * others (TF.js, numpy from the Keras equations, real Keras fixtures):
 *
 *   test_layer_cases                      built-in hand-worked case (run by tests/run)
 *   test_layer_cases [--mutate] CASES.json ...
 *                                         oracle files written by scripts/tfjs/layer-oracle.js
 *                                         or the numpy generators in tests/conform
 *   test_layer_cases [--mutate] --kerasjs CASE_DIR ...
 *                                         keras-js fixture folders (layer.json + .npy)
 *   --rtol X                              relative tolerance (default 1e-5), for the
 *                                         fixtures whose README asks for another
 *
 * A case file: {"origin": "tfjs-layers 4.22.0", "cases": [{"name", "origin"?, "inputs":
 * [{"name", "shape", "data"}], "layers": [{"name", "class_name", "config", "inbound":
 * [names], "weights": [{"name", "shape", "data"}]}], "expected": {"shape", "data"}}]}.
 * Layers run in the listed order; the last one's output is compared with "expected"
 * within 1e-5 relative (1e-5 absolute below magnitude 1). A case with "error": "TEXT"
 * instead of "expected" is bad input: it passes when a layer refuses it with a message
 * that holds TEXT; one with "labels" and "min_correct" passes when the argmax of at
 * least min_correct output rows equals their label.
 *
 * --mutate perturbs one weight (the first of the last layer that has weights) and
 * reports "ok" only when the comparison then FAILS: proof that the check can fail.
 * Cases whose layers are not yet supported are reported as skipped, with the reason.
 * A layer whose config says "stateful": true (or whose wrapped layer's does) runs twice on
 * its input with its state carried (li_layer_carry_state), and the second output counts:
 * the keras-js stateful fixtures hold the second of two predict() calls.
 * Masks travel as the graph carries them: the output of a layer with a compute_mask hook
 * (Embedding mask_zero, Masking) carries its mask, which the next layer gets through
 * forward_masked when it has that hook (recurrent layers, Bidirectional).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "li.h"
#include "layer.h"

#define MAX_T 64
#define MAX_W 64 /* weights per layer (a Keras 1 Bidirectional LSTM has 24) */

typedef struct tensor {
	char name[160];
	li_shape shape;
	int64_t n;
	float *data;
	unsigned char *mask;  /* Keras mask, n * shape.dim[0], or NULL */
} tensor;

typedef struct run {
	tensor t[MAX_T];
	int n_t;
} run;

static int mutate;
static double rtol = 1e-5; /* --rtol: relative tolerance */
static int n_ok, n_bad, n_skip;

static void run_free(run *r)
{
	for (int i = 0; i < r->n_t; i++) {
		free(r->t[i].data);
		free(r->t[i].mask);
	}
	r->n_t = 0;
}

static tensor *find(run *r, const char *name)
{
	for (int i = r->n_t - 1; i >= 0; i--)
		if (!strcmp(r->t[i].name, name))
			return &r->t[i];
	return NULL;
}

/* {"shape": [...], "data": [...]} (or a bare shape + data pair) into an li_array. */
static int json_array_to(const json_t *v, li_array *a, li_err *err)
{
	const json_t *sh = json_object_get(v, "shape"), *d = json_object_get(v, "data");
	int64_t shape[LI_MAX_RANK];
	if (!json_is_array(sh) || !json_is_array(d) || json_array_size(sh) > LI_MAX_RANK)
		return li_err_set(err, LI_EDATA, "array needs 'shape' and 'data'");
	for (size_t i = 0; i < json_array_size(sh); i++)
		shape[i] = json_integer_value(json_array_get(sh, i));
	if (li_array_alloc(a, LI_DTYPE_F32, (int)json_array_size(sh), shape, err) < 0)
		return LI_EDATA;
	if ((size_t)li_array_count(a) != json_array_size(d))
		return li_err_set(err, LI_EDATA, "data has %zu values, shape needs %lld",
				  json_array_size(d), (long long)li_array_count(a));
	float *p = a->data;
	for (size_t i = 0; i < json_array_size(d); i++)
		p[i] = (float)json_number_value(json_array_get(d, i));
	return 0;
}

static void parse_origin(const char *s, li_origin *o)
{
	memset(o, 0, sizeof *o);
	o->keras_major = 2;
	if (!s)
		return;
	snprintf(o->version, sizeof o->version, "%s", s);
	if (!strncmp(s, "tfjs", 4)) {
		o->tfjs = 1;
		return;
	}
	sscanf(s, "%d.%d.%d", &o->keras_major, &o->keras_minor, &o->keras_patch);
}

/* Adds a tensor from an array (takes its data). */
static int add_tensor(run *r, const char *name, li_array *a, li_err *err)
{
	if (r->n_t == MAX_T || a->rank < 1)
		return li_err_set(err, LI_EDATA, "too many tensors or rank 0 input");
	tensor *t = &r->t[r->n_t++];
	snprintf(t->name, sizeof t->name, "%s", name);
	t->n = a->shape[0];
	t->shape.rank = a->rank - 1;
	for (int i = 1; i < a->rank; i++)
		t->shape.dim[i - 1] = a->shape[i];
	t->data = a->data;
	t->mask = NULL;
	a->data = NULL;
	return 0;
}

static int forward(const li_layer *l, int64_t n, int n_in, const li_shape *shapes,
		   const float *const *in, const unsigned char *mask, const li_shape *out,
		   float *y, li_err *err)
{
	if (mask && l->hooks && l->hooks->forward_masked)
		return l->hooks->forward_masked(l, n, n_in, shapes, in, mask, out, y, err);
	return l->ops->forward(l, n, n_in, shapes, in, out, y, err);
}

static int stateful(const json_t *config)
{
	const json_t *inner = json_object_get(json_object_get(config, "layer"), "config");
	return json_is_true(json_object_get(config, "stateful")) ||
	       json_is_true(json_object_get(inner, "stateful"));
}

/* Runs one layer on named inputs; adds its output tensor. */
static int run_layer(run *r, const char *cls, const char *name, const json_t *config,
		     const char *const *inbound, int n_in, const li_weight *w, int n_w,
		     const li_origin *o, li_err *err)
{
	li_layer l;
	const float *in[16];
	li_shape shapes[16], out;
	if (n_in > 16)
		return li_err_set(err, LI_EDATA, "too many inputs");
	for (int i = 0; i < n_in; i++) {
		tensor *t = find(r, inbound[i]);
		if (!t)
			return li_err_set(err, LI_EDATA, "no tensor '%s'", inbound[i]);
		in[i] = t->data;
		shapes[i] = t->shape;
	}
	int64_t n = n_in ? find(r, inbound[0])->n : 0;
	if (li_layer_init(&l, cls, name, config, w, n_w, o, err) < 0)
		return LI_EDATA;
	int rc = l.ops->out_shape(&l, n_in, shapes, &out, err);
	int64_t m = rc < 0 ? 0 : li_shape_elems(&out);
	float *y = NULL;
	unsigned char *omask = NULL;
	/* the mask of the first input reaches a layer that consumes masks */
	const unsigned char *mask = n_in ? find(r, inbound[0])->mask : NULL;
	if (rc == 0 && m < 0)
		rc = li_err_set(err, LI_EDATA, "layer '%s': output shape not known", name);
	if (rc == 0) {
		y = malloc((size_t)(n * m + 1) * sizeof *y);
		rc = y ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
	}
	/* A Keras stateful layer (config "stateful": true, or its wrapped layer's): the
	 * fixtures hold the second of two calls on the same input, the state carried. */
	if (rc == 0 && stateful(config)) {
		rc = li_layer_carry_state(&l, 1, err);
		if (rc == 0)
			rc = forward(&l, n, n_in, shapes, in, mask, &out, y, err);
	}
	if (rc == 0)
		rc = forward(&l, n, n_in, shapes, in, mask, &out, y, err);
	/* a layer that makes a mask: the output tensor carries it, as the graph does */
	if (rc == 0 && l.hooks && l.hooks->compute_mask && n_in == 1 && shapes[0].rank >= 1) {
		omask = malloc((size_t)(n * shapes[0].dim[0] + 1));
		rc = omask ? l.hooks->compute_mask(&l, n, &shapes[0], in[0], omask, err)
			   : li_err_set(err, LI_ENOMEM, "out of memory");
		if (rc == 1) {
			free(omask);
			omask = NULL;
			rc = 0;
		}
	}
	if (rc == 0 && r->n_t < MAX_T) {
		tensor *t = &r->t[r->n_t++];
		snprintf(t->name, sizeof t->name, "%s", name);
		t->shape = out;
		t->n = n;
		t->data = y;
		t->mask = omask;
		y = NULL;
		omask = NULL;
	}
	free(y);
	free(omask);
	li_layer_release(&l);
	return rc;
}

/* Compares the output with the expected array; fills why on a mismatch. */
static int compare(const tensor *t, const li_array *e, char *why, size_t nw)
{
	if (e->rank != t->shape.rank + 1 || e->shape[0] != t->n) {
		snprintf(why, nw, "output rank/batch differ from expected");
		return -1;
	}
	for (int i = 0; i < t->shape.rank; i++)
		if (e->shape[i + 1] != t->shape.dim[i]) {
			char a[200];
			li_shape_format(e->rank, e->shape, a, sizeof a);
			snprintf(why, nw, "output shape differs from expected %s", a);
			return -1;
		}
	const float *x = t->data, *y = e->data;
	int64_t c = li_array_count(e), worst = -1;
	double wd = 0;
	for (int64_t i = 0; i < c; i++) {
		double d = fabs((double)x[i] - y[i]), lim = rtol * fmax(1.0, fabs(y[i]));
		if (!(d <= lim) && (worst < 0 || d > wd))
			worst = i, wd = isnan(d) ? INFINITY : d;
	}
	if (worst >= 0) {
		snprintf(why, nw, "element %lld: got %.9g, expected %.9g", (long long)worst,
			 x[worst], y[worst]);
		return -1;
	}
	return 0;
}

/* Classification cases: the argmax of each output row must equal its label on at least
 * min rows. */
static int argmax_check(const tensor *t, const json_t *labels, int64_t min, char *why, size_t nw)
{
	int64_t m = li_shape_elems(&t->shape), hits = 0;
	if ((int64_t)json_array_size(labels) != t->n || m < 1) {
		snprintf(why, nw, "%zu labels for %lld rows", json_array_size(labels), (long long)t->n);
		return -1;
	}
	for (int64_t i = 0; i < t->n; i++) {
		const float *y = t->data + i * m;
		int64_t best = 0;
		for (int64_t j = 1; j < m; j++)
			if (y[j] > y[best])
				best = j;
		hits += best == json_integer_value(json_array_get(labels, (size_t)i));
	}
	if (hits >= min)
		return 0;
	snprintf(why, nw, "argmax equals the label on %lld of %lld rows, needs %lld",
		 (long long)hits, (long long)t->n, (long long)min);
	return -1;
}

static void report(const char *name, int rc, const li_err *err, const char *why)
{
	if (rc == 1) {
		printf("ok - %s # skip %s\n", name, err->msg);
		n_skip++;
	} else if (mutate) {
		if (rc < 0 && why[0]) {
			printf("ok - %s fails once a weight is perturbed (%s)\n", name, why);
			n_ok++;
		} else {
			printf("not ok - %s still passes (or errs) with a perturbed weight %s\n", name,
			       err->msg);
			n_bad++;
		}
	} else if (rc == 0) {
		printf("ok - %s\n", name);
		n_ok++;
	} else {
		printf("not ok - %s: %s\n", name, why[0] ? why : err->msg);
		n_bad++;
	}
}

/* 1: skip (layer not yet supported) with the reason in err. */
static int skip_reason(li_err *err)
{
	return strstr(err->msg, "not yet supported") ? 1 : -1;
}

/* Weights of one JSON layer (the arrays are owned by w[i].a). */
static int json_weights(const json_t *layer, li_weight *w, int *n_w, li_err *err)
{
	const json_t *ws = json_object_get(layer, "weights");
	*n_w = 0;
	for (size_t i = 0; json_is_array(ws) && i < json_array_size(ws) && i < MAX_W; i++) {
		const json_t *x = json_array_get(ws, i);
		w[i].name = json_string_value(json_object_get(x, "name"));
		if (json_array_to(x, &w[i].a, err) < 0)
			return LI_EDATA;
		*n_w = (int)i + 1;
	}
	return 0;
}

static void perturb(li_weight *w, int n_w)
{
	if (n_w == 0)
		return;
	float *p = w[0].a.data;
	/* alternate signs, so that neither a scale nor a shift can hide the change */
	for (int64_t i = 0; i < li_array_count(&w[0].a); i++)
		p[i] += (i % 2 ? -0.05f : 0.05f) * (1.0f + fabsf(p[i]));
}

static void json_case(const json_t *c, const char *file_origin)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const json_t *ins = json_object_get(c, "inputs"), *layers = json_object_get(c, "layers");
	const char *os = json_string_value(json_object_get(c, "origin"));
	li_origin o;
	li_err err;
	run r = { .n_t = 0 };
	li_array exp = { 0 };
	char why[300] = "";
	int rc = 0;
	li_err_clear(&err);
	parse_origin(os ? os : file_origin, &o);
	if (!name)
		name = "?";
	for (size_t i = 0; rc == 0 && i < json_array_size(ins); i++) {
		const json_t *x = json_array_get(ins, i);
		li_array a = { 0 };
		rc = json_array_to(x, &a, &err);
		if (rc == 0)
			rc = add_tensor(&r, json_string_value(json_object_get(x, "name")), &a, &err);
		li_array_release(&a);
	}
	/* the last layer with weights is the one --mutate perturbs */
	int last_w = -1;
	for (size_t i = 0; i < json_array_size(layers); i++)
		if (json_array_size(json_object_get(json_array_get(layers, i), "weights")))
			last_w = (int)i;
	for (size_t i = 0; rc == 0 && i < json_array_size(layers); i++) {
		const json_t *L = json_array_get(layers, i), *inb = json_object_get(L, "inbound");
		const char *inbound[16];
		int n_in = 0, n_w = 0;
		li_weight w[MAX_W];
		memset(w, 0, sizeof w);
		for (size_t k = 0; k < json_array_size(inb) && k < 16; k++)
			inbound[n_in++] = json_string_value(json_array_get(inb, k));
		rc = json_weights(L, w, &n_w, &err);
		if (rc == 0 && mutate && (int)i == last_w)
			perturb(w, n_w);
		if (rc == 0)
			rc = run_layer(&r, json_string_value(json_object_get(L, "class_name")),
				       json_string_value(json_object_get(L, "name")),
				       json_object_get(L, "config"), inbound, n_in, w, n_w, &o, &err);
		for (int k = 0; k < n_w; k++)
			li_array_release(&w[k].a);
		if (rc < 0)
			rc = skip_reason(&err);
	}
	/* a bad-input case: the run must fail with a message holding "error" */
	const char *want_err = json_string_value(json_object_get(c, "error"));
	if (want_err) {
		if (mutate) {
			li_err_set(&err, LI_EDATA, "a bad-input case");
			rc = 1;
		} else if (rc == 0 || !strstr(err.msg, want_err)) {
			snprintf(why, sizeof why, "expected an error with '%.60s', got %.200s", want_err,
				 rc == 0 ? "success" : err.msg);
			rc = -1;
		} else {
			rc = 0;
		}
		report(name, rc, &err, why);
		run_free(&r);
		return;
	}
	if (rc == 0 && mutate && last_w < 0)
		rc = li_err_set(&err, LI_EDATA, "no weights to perturb") ? 1 : 1;
	const json_t *labels = json_object_get(c, "labels");
	if (rc == 0 && labels)
		rc = argmax_check(&r.t[r.n_t - 1], labels,
				  json_integer_value(json_object_get(c, "min_correct")), why, sizeof why);
	else if (rc == 0)
		rc = json_array_to(json_object_get(c, "expected"), &exp, &err);
	if (rc == 0 && !labels)
		rc = compare(&r.t[r.n_t - 1], &exp, why, sizeof why);
	report(name, rc, &err, why);
	li_array_release(&exp);
	run_free(&r);
}

static void json_file(const char *path)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root) {
		printf("not ok - %s: %s (line %d)\n", path, je.text, je.line);
		n_bad++;
		return;
	}
	const json_t *cases = json_object_get(root, "cases");
	const char *origin = json_string_value(json_object_get(root, "origin"));
	for (size_t i = 0; i < json_array_size(cases); i++)
		json_case(json_array_get(cases, i), origin);
	if (!json_array_size(cases)) {
		printf("not ok - %s: no cases\n", path);
		n_bad++;
	}
	json_decref(root);
}

static int load_npy(const char *path, li_array *a, li_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return li_err_set(err, LI_EIO, "cannot open '%s'", path);
	int rc = li_npy_load(f, a, LI_DTYPE_F32, err);
	fclose(f);
	if (rc < 0)
		li_err_prefix(err, "%s", path);
	return rc;
}

/*
 * A keras-js fixture folder: layer.json's "model" lists the layers with their inbound
 * names and weight files; inputs are input.npy (one input) or input_K.npy.
 */
static void kerasjs_case(const char *dir)
{
	char path[4096], why[300] = "";
	const char *name = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	li_err err;
	li_origin o;
	run r = { .n_t = 0 };
	li_array exp = { 0 };
	json_error_t je;
	int rc = 0;
	li_err_clear(&err);
	snprintf(path, sizeof path, "%s/layer.json", dir);
	json_t *root = json_load_file(path, 0, &je), *single = NULL;
	const json_t *model = json_object_get(root, "model");
	if (root && !model) {
		/* a one-layer fixture without a model section: the layer reads input.npy */
		single = json_pack("{s:[s], s:[s], s:[{s:s, s:O?, s:O?, s:[s], s:O?, s:O?}]}",
				   "inputs", "input", "outputs", "layer", "layers", "name", "layer",
				   "class_name", json_object_get(root, "class_name"), "config",
				   json_object_get(root, "config"), "inbound", "input", "weights",
				   json_object_get(root, "weights"), "weight_names",
				   json_object_get(root, "weight_names"));
		model = single;
	}
	const json_t *inputs = json_object_get(model, "inputs"), *layers = json_object_get(model, "layers");
	const char *ver = json_string_value(json_object_get(root, "keras_version"));
	parse_origin(ver, &o);
	if (!root || !json_is_array(layers) || !json_is_array(inputs)) {
		rc = li_err_set(&err, LI_EDATA, "%s: no model section", path);
		goto out;
	}
	for (size_t i = 0; rc == 0 && i < json_array_size(inputs); i++) {
		li_array a = { 0 };
		if (json_array_size(inputs) == 1)
			snprintf(path, sizeof path, "%s/input.npy", dir);
		else
			snprintf(path, sizeof path, "%s/input_%zu.npy", dir, i);
		rc = load_npy(path, &a, &err);
		if (rc == 0)
			rc = add_tensor(&r, json_string_value(json_array_get(inputs, i)), &a, &err);
		li_array_release(&a);
	}
	int last_w = -1;
	for (size_t i = 0; i < json_array_size(layers); i++)
		if (json_array_size(json_object_get(json_array_get(layers, i), "weights")))
			last_w = (int)i;
	for (size_t i = 0; rc == 0 && i < json_array_size(layers); i++) {
		const json_t *L = json_array_get(layers, i);
		const char *cls = json_string_value(json_object_get(L, "class_name"));
		if (cls && !strcmp(cls, "InputLayer"))
			continue;
		const json_t *inb = json_object_get(L, "inbound"), *wf = json_object_get(L, "weights"),
			     *wn = json_object_get(L, "weight_names");
		const char *inbound[16];
		li_weight w[MAX_W];
		int n_in = 0, n_w = 0;
		memset(w, 0, sizeof w);
		for (size_t k = 0; k < json_array_size(inb) && k < 16; k++)
			inbound[n_in++] = json_string_value(json_array_get(inb, k));
		for (size_t k = 0; rc == 0 && k < json_array_size(wf) && k < MAX_W; k++) {
			snprintf(path, sizeof path, "%s/%s", dir, json_string_value(json_array_get(wf, k)));
			w[k].name = json_string_value(json_array_get(wn, k));
			rc = load_npy(path, &w[k].a, &err);
			n_w = (int)k + 1;
		}
		if (rc == 0 && mutate && (int)i == last_w)
			perturb(w, n_w);
		if (rc == 0)
			rc = run_layer(&r, cls, json_string_value(json_object_get(L, "name")),
				       json_object_get(L, "config"), inbound, n_in, w, n_w, &o, &err);
		for (int k = 0; k < n_w; k++)
			li_array_release(&w[k].a);
		if (rc < 0)
			rc = skip_reason(&err);
	}
	if (rc == 0 && mutate && last_w < 0)
		rc = li_err_set(&err, LI_EDATA, "no weights to perturb") ? 1 : 1;
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/expected.npy", dir);
		rc = load_npy(path, &exp, &err);
	}
	if (rc == 0) {
		const char *outname = json_string_value(json_array_get(json_object_get(model, "outputs"), 0));
		tensor *t = outname ? find(&r, outname) : NULL;
		rc = t ? compare(t, &exp, why, sizeof why)
		       : li_err_set(&err, LI_EDATA, "no output tensor");
	}
out:
	report(name, rc, &err, why);
	li_array_release(&exp);
	run_free(&r);
	json_decref(single);
	json_decref(root);
}

/* Dense 2 -> 2 with relu, worked by hand: x = [1, 2], W = [[1, -1], [0.5, 2]], b = [0, -1]
 * gives xW + b = [1 + 1, -1 + 4] + [0, -1] = [2, 2]; x = [-1, 0] gives [-1, 1] + [0, -1]
 * = [-1, 0] -> relu [0, 0]. */
static const char builtin[] =
	"{\"origin\": \"2.4.0\", \"cases\": [{\"name\": \"builtin dense relu (by hand)\","
	"\"inputs\": [{\"name\": \"x\", \"shape\": [2, 2], \"data\": [1, 2, -1, 0]}],"
	"\"layers\": [{\"name\": \"d\", \"class_name\": \"Dense\", \"inbound\": [\"x\"],"
	"\"config\": {\"units\": 2, \"activation\": \"relu\"},"
	"\"weights\": [{\"name\": \"kernel\", \"shape\": [2, 2], \"data\": [1, -1, 0.5, 2]},"
	"{\"name\": \"bias\", \"shape\": [2], \"data\": [0, -1]}]}],"
	"\"expected\": {\"shape\": [2, 2], \"data\": [2, 2, 0, 0]}}]}";

int main(int argc, char **argv)
{
	int kerasjs = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--mutate"))
			mutate = 1;
		else if (!strcmp(argv[i], "--kerasjs"))
			kerasjs = 1;
		else if (!strcmp(argv[i], "--rtol") && i + 1 < argc)
			rtol = atof(argv[++i]);
	}
	if (i == argc) {
		json_t *root = json_loads(builtin, 0, NULL);
		json_case(json_array_get(json_object_get(root, "cases"), 0),
			  json_string_value(json_object_get(root, "origin")));
		json_decref(root);
	}
	for (; i < argc; i++) {
		if (kerasjs)
			kerasjs_case(argv[i]);
		else
			json_file(argv[i]);
	}
	fprintf(stderr, "%d ok, %d failed, %d skipped\n", n_ok, n_bad, n_skip);
	return n_bad ? 1 : 0;
}
