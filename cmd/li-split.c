/*
 * li-split: cut a model after a layer into a head (the input up to that layer) and a
 * tail (the rest, from a new input of that layer's output shape), each written as a
 * Keras whole-model .h5 file or a Keras 3 .keras zip (lib/modelsave.h), in the input's
 * format unless --format or the output names say otherwise. A cut that is not a split point is
 * refused with the tensors that cross it; nothing is written then.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "climodel.h"

enum { OPT_AT = CLI_OPT_FIRST_FREE, OPT_HEAD, OPT_TAIL, OPT_CONFIG, OPT_FORMAT };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-split [options] MODEL --at LAYER\n"
		"\n"
		"Cut a Keras .h5 or .keras model or a TF.js model.json after LAYER (a name or a\n"
		"0-based index as li-layers prints it) into two Keras models: the head, from the\n"
		"model's inputs to LAYER's output, and the tail, from a new input of LAYER's\n"
		"output shape to the model's outputs. li-propagate TAIL on li-embed HEAD's\n"
		"output gives the model's output. LAYER must be a split point (li-layers says\n"
		"'yes'): a cut inside a residual unit or across a U-Net's skip connections is\n"
		"refused, naming the tensors that cross it, and nothing is written.\n"
		"\n"
		"options:\n"
		"      --at LAYER     the head ends with LAYER (required)\n"
		"      --head FILE    write the head here [MODEL's stem + .head.h5 (.head.keras\n"
		"                     for a .keras MODEL), beside MODEL]\n"
		"      --tail FILE    write the tail here [MODEL's stem + .tail.h5 / .tail.keras]\n"
		"      --format F     h5 or keras: the parts' format [the input's (a .keras zip\n"
		"                     gives .keras parts, any other model .h5), unless a --head /\n"
		"                     --tail name ends in .h5 or .keras]\n"
		"      --config FILE  the JSON architecture of a weights-only .h5\n"
		"  -q, --quiet        no notes\n"
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"example:\n"
		"  li-split model.keras --at dense   # model.head.keras, model.tail.keras\n");
}

/* MODEL's path without its extension (.h5, .hdf5, .keras, .json) plus suffix. */
static char *beside(const char *model, const char *suffix)
{
	size_t n = strlen(model), k = n;
	const char *dot = strrchr(model, '.'), *slash = strrchr(model, '/');
	static const char *ext[] = {".h5", ".hdf5", ".keras", ".json"};
	for (size_t i = 0; dot && (!slash || dot > slash) && i < sizeof ext / sizeof *ext; i++)
		if (!strcmp(dot, ext[i]))
			k = (size_t)(dot - model);
	char *s = malloc(k + strlen(suffix) + 1);
	if (s) {
		memcpy(s, model, k);
		strcpy(s + k, suffix);
	}
	return s;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{"at", required_argument, NULL, OPT_AT},
		{"head", required_argument, NULL, OPT_HEAD},
		{"tail", required_argument, NULL, OPT_TAIL},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"format", required_argument, NULL, OPT_FORMAT},
		{0},
	};
	cli_common common = {0};
	const char *at = NULL, *head = NULL, *tail = NULL, *config = NULL;
	int format = -1;
	int c;
	cli_init("li-split");
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
		if (cli_common_option(c, optarg, &common, usage))
			continue;
		if (c == OPT_AT)
			at = optarg;
		else if (c == OPT_HEAD)
			head = optarg;
		else if (c == OPT_TAIL)
			tail = optarg;
		else if (c == OPT_CONFIG)
			config = optarg;
		else if (c == OPT_FORMAT) {
			if (!strcmp(optarg, "h5"))
				format = LI_SAVE_H5;
			else if (!strcmp(optarg, "keras"))
				format = LI_SAVE_KERAS;
			else
				cli_usage_error("--format: 'h5' or 'keras', not '%s'", optarg);
		}
		else
			cli_usage_error("unknown option");
	}
	if (argc - optind != 1)
		cli_usage_error("give one MODEL");
	if (!at)
		cli_usage_error("give the layer to cut after with --at");
	if (common.output)
		cli_usage_error("-o is not used; name the parts with --head and --tail");
	const char *path = argv[optind];
	int status = EXIT_DATA;
	li_err err = {0};
	char *hpath = NULL, *tpath = NULL;
	li_model *m = cm_load(path, config);
	if (!m)
		goto done;
	/* the input's format by default (known from its content), unless told */
	int in_fmt = !strcmp(li_model_format(m), "keras-zip") ? LI_SAVE_KERAS : LI_SAVE_H5;
	int dflt = format >= 0 ? format : in_fmt;
	hpath = head ? strdup(head) : beside(path, dflt == LI_SAVE_KERAS ? ".head.keras" : ".head.h5");
	tpath = tail ? strdup(tail) : beside(path, dflt == LI_SAVE_KERAS ? ".tail.keras" : ".tail.h5");
	if (!hpath || !tpath) {
		cli_error(NULL, "out of memory");
		goto done;
	}
	if (cli_same_file(hpath, tpath)) {
		li_model_free(m);
		cli_usage_error("the head and the tail would be the same file '%s'", hpath);
	}
	int hfmt = format >= 0 ? format : li_model_save_format(hpath, in_fmt);
	int tfmt = format >= 0 ? format : li_model_save_format(tpath, in_fmt);
	int row = li_model_find(m, at);
	if (row < 0) {
		li_model_free(m);
		free(hpath);
		free(tpath);
		cli_usage_error("--at: no layer '%s' (li-layers lists them)", at);
	}
	int split = li_model_split_point(m, row, &err);
	if (split < 0) {
		cli_fail(path, &err);
		goto done;
	}
	if (!split) {
		char buf[1024];
		li_model_crossing_str(m, row, buf, sizeof buf);
		cli_error(path, "cannot cut after '%s': %s also cross the cut (not a split point; "
			  "li-layers lists the split points)", li_model_row_name(m, row), buf);
		goto done;
	}
	/* both parts are written to temporary files, then renamed together: both, or neither
	 * and the old files stay; a FIFO or device is written through */
	cli_out outs[2] = {{0}};
	const char *htmp = cli_out_open_name(&outs[0], hpath);
	const char *ttmp = htmp ? cli_out_open_name(&outs[1], tpath) : NULL;
	if (!htmp || !ttmp) {
		cli_out_abort(&outs[0]);
		goto done;
	}
	const char *failed = li_model_save_part_as(m, LI_PART_HEAD, row, htmp, hfmt, &err) ? hpath
			     : li_model_save_part_as(m, LI_PART_TAIL, row, ttmp, tfmt, &err) ? tpath : NULL;
	if (failed) {
		cli_fail(failed, &err);
		cli_out_abort(&outs[0]);
		cli_out_abort(&outs[1]);
		goto done;
	}
	if (cli_out_commit_all(outs, 2))
		goto done;
	status = 0;
done:
	li_model_free(m);
	free(hpath);
	free(tpath);
	return cli_finish(status);
}
