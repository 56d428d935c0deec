/*
 * li-layers: the table of a model's layers (rows as --at addresses them): index, name,
 * class, output shape, parameters, and whether the model can be cut after the row (the
 * crossing tensors when not); a summary line; --json for machines.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum { OPT_JSON = CLI_OPT_FIRST_FREE, OPT_CONFIG };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-layers [options] MODEL\n"
		"\n"
		"List the layers of a Keras .h5 or .keras model or a TF.js model.json: index, name, class,\n"
		"output shape (per sample), parameters, and whether the model can be split after\n"
		"the layer (else which tensors cross that cut). Each model input comes first as\n"
		"an InputLayer row. Indices and names are what --at takes in li-embed,\n"
		"li-propagate and li-split. Layers this build cannot run are listed (shapes\n"
		"after them may be unknown) with a note on standard error.\n"
		"\n"
		"options:\n"
		"      --json         machine-readable output\n"
"      --config FILE  the JSON architecture of a weights-only .h5\n"
		"  -q, --quiet        no notes about layers this build cannot run\n"
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-layers model.h5\n"
		"  li-layers --json web/model.json | jq '.layers[] | select(.split) | .name'\n");
}

static json_t *shape_json(const li_shape *s)
{
	if (s->rank < 0)
		return json_null();
	json_t *a = json_array();
	for (int i = 0; a && i < s->rank; i++)
		json_array_append_new(a, s->dim[i] < 0 ? json_null() : json_integer(s->dim[i]));
	return a;
}

static void summary(const li_model *m, FILE *f)
{
	const li_origin *o = li_model_origin(m);
	fprintf(f, "inputs:");
	for (int k = 0; k < li_model_n_inputs(m); k++)
		fprintf(f, " %s", li_model_row_name(m, li_model_input_row(m, k)));
	fprintf(f, "; outputs:");
	for (int k = 0; k < li_model_n_outputs(m); k++)
		fprintf(f, " %s", li_model_row_name(m, li_model_output_row(m, k)));
	fprintf(f, "; parameters: %lld; keras %s", (long long)li_model_params(m),
		o->version[0] ? o->version : "1.x (no keras_version)");
	if (li_model_backend(m))
		fprintf(f, " (%s)", li_model_backend(m));
	fprintf(f, "; format %s\n", li_model_format(m));
}

/* Each row's crossing tensors (li_model_crossing), computed for every row before anything
 * is printed, so that running out of memory half way is an error, not a wrong table. */
typedef struct crossings {
	int max;      /* tensors kept per row */
	int *n;       /* per row: how many cross (may exceed max) */
	int *rows;    /* per row: max entries */
} crossings;

static int crossings_get(const li_model *m, crossings *c)
{
	int n = li_model_rows(m);
	c->max = 64;
	c->n = malloc(sizeof(int) * (size_t)(n ? n : 1));
	c->rows = malloc(sizeof(int) * (size_t)(n ? n : 1) * (size_t)c->max);
	if (!c->n || !c->rows)
		return -1;
	for (int i = 0; i < n; i++)
		if ((c->n[i] = li_model_crossing(m, i, c->rows + (size_t)i * c->max, c->max)) < 0)
			return -1;
	return 0;
}

static int is_split(const crossings *c, int i)
{
	return c->n[i] == 1 && c->rows[(size_t)i * c->max] == i;
}

static int print_json(const li_model *m, const crossings *cx)
{
	const li_origin *o = li_model_origin(m);
	json_t *j = json_object(), *layers = json_array(), *ins = json_array(),
	       *outs = json_array();
	for (int k = 0; k < li_model_n_inputs(m); k++)
		json_array_append_new(ins, json_string(li_model_row_name(m, li_model_input_row(m, k))));
	for (int k = 0; k < li_model_n_outputs(m); k++)
		json_array_append_new(outs,
				      json_string(li_model_row_name(m, li_model_output_row(m, k))));
	for (int i = 0; i < li_model_rows(m); i++) {
		json_t *l = json_object(), *from = json_array(), *cr = json_array();
		const int *in;
		int n_in = li_model_row_inputs(m, i, &in);
		for (int k = 0; k < n_in; k++)
			json_array_append_new(from, json_string(li_model_row_name(m, in[k])));
		const int *cross = cx->rows + (size_t)i * cx->max;
		for (int k = 0; k < cx->n[i] && k < cx->max; k++)
			json_array_append_new(cr, json_string(li_model_row_name(m, cross[k])));
		json_object_set_new(l, "index", json_integer(i));
		json_object_set_new(l, "name", json_string(li_model_row_name(m, i)));
		json_object_set_new(l, "class", json_string(li_model_row_class(m, i)));
		json_object_set_new(l, "shape", shape_json(li_model_row_shape(m, i)));
		json_object_set_new(l, "params", json_integer(li_model_row_params(m, i)));
		json_object_set_new(l, "inputs", from);
		json_object_set_new(l, "split", json_boolean(is_split(cx, i)));
		json_object_set_new(l, "crossing", cr);
		const char *why = li_model_row_problem(m, i);
		json_object_set_new(l, "runnable", json_boolean(why == NULL));
		if (why)
			json_object_set_new(l, "problem", json_string(why));
		json_array_append_new(layers, l);
	}
	json_object_set_new(j, "format", json_string(li_model_format(m)));
	json_object_set_new(j, "keras_version", o->version[0] ? json_string(o->version) :
			    json_null());
	json_object_set_new(j, "backend", li_model_backend(m) ?
			    json_string(li_model_backend(m)) : json_null());
	json_object_set_new(j, "inputs", ins);
	json_object_set_new(j, "outputs", outs);
	json_object_set_new(j, "params", json_integer(li_model_params(m)));
	json_object_set_new(j, "layers", layers);
	int rc = json_dumpf(j, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
	return rc;
}

static void print_table(const li_model *m, const crossings *cx)
{
	int n = li_model_rows(m);
	int wn = 4, wc = 5, ws = 12;
	char buf[512];
	for (int i = 0; i < n; i++) {
		int a = (int)strlen(li_model_row_name(m, i)), b = (int)strlen(li_model_row_class(m, i));
		li_shape_str(li_model_row_shape(m, i), buf, sizeof buf);
		int c = (int)strlen(buf);
		wn = a > wn ? a : wn;
		wc = b > wc ? b : wc;
		ws = c > ws ? c : ws;
	}
	printf("%5s  %-*s  %-*s  %-*s  %10s  %s\n", "index", wn, "name", wc, "class", ws,
	       "output shape", "params", "split");
	for (int i = 0; i < n; i++) {
		li_shape_str(li_model_row_shape(m, i), buf, sizeof buf);
		printf("%5d  %-*s  %-*s  %-*s  %10lld  ", i, wn, li_model_row_name(m, i), wc,
		       li_model_row_class(m, i), ws, buf, (long long)li_model_row_params(m, i));
		int k = cx->n[i], n_cross_max = cx->max;
		const int *cross = cx->rows + (size_t)i * cx->max;
		if (is_split(cx, i)) {
			printf("yes\n");
			continue;
		}
		printf("no (");
		for (int c = 0, first = 1; c < k && c < n_cross_max; c++) {
			if (cross[c] == i)
				continue;
			printf("%s%s", first ? "" : ", ", li_model_row_name(m, cross[c]));
			first = 0;
		}
		printf("%s)\n", k > n_cross_max ? ", ..." : "");
	}
	summary(m, stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"config", required_argument, NULL, OPT_CONFIG},
		{0},
	};
	cli_common common = {0};
	int c, json = 0;
	const char *config = NULL;
	cli_init("li-layers");
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (cli_common_option(c, optarg, &common, usage))
			continue;
		if (c == OPT_JSON)
			json = 1;
		else if (c == OPT_CONFIG)
			config = optarg;
		else
			cli_usage_error("unknown option");
	}
	if (argc - optind != 1)
		cli_usage_error("give one MODEL");
	const char *path = argv[optind];
	li_err err = {0};
	int status = EXIT_DATA;
	crossings cx = {0};
	li_model *m = li_model_load(path, config, &err);
	if (!m) {
		cli_error(path, "%s", err.msg);
		goto done;
	}
	if (crossings_get(m, &cx)) {
		cli_error(path, "out of memory");
		goto done;
	}
	if (json)
		print_json(m, &cx);
	else
		print_table(m, &cx);
	for (int i = 0; i < li_model_rows(m) && !common.quiet; i++)
		if (li_model_row_problem(m, i))
			fprintf(stderr, "li-layers: note: %s\n", li_model_row_problem(m, i));
	status = 0;
done:
	free(cx.n);
	free(cx.rows);
	li_model_free(m);
	return cli_finish(status);
}
