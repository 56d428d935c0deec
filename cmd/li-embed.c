/*
 * li-embed: push a data set through a model, or through the part of it up to a layer
 * (--at), and write the activations as .npy. Rows stream through in batches, so memory
 * does not grow with the row count.
 */
#include <stdlib.h>
#include <string.h>

#include "climodel.h"

enum { OPT_AT = CLI_OPT_FIRST_FREE, OPT_BATCH, OPT_SCALE, OPT_OFFSET, OPT_RESHAPE, OPT_CONFIG };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-embed [options] MODEL [DATA...] [-o OUT]\n"
		"\n"
		"Run DATA through MODEL (a Keras .h5 or a TF.js model.json) up to layer --at, or\n"
		"to its output, and write the activations (float32 .npy, one row per sample).\n"
		"DATA is a .npy file ('-' or none: standard input); a model with several inputs\n"
		"takes one DATA per input, in the order li-layers lists them.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE    write here, atomically [standard output]\n"
		"      --at LAYER       stop after this layer: a name or an index as li-layers\n"
		"                       prints it [the model's output]\n"
		"      --batch N        rows per batch [256]\n"
		"      --scale S        multiply the data by S (after conversion to float32) [1]\n"
		"      --offset O       then add O [0]\n"
		"      --reshape D,...  per-row shape of the data [automatic when the element\n"
		"                       count equals the model input's, e.g. 784 -> 28,28,1]\n"
		"      --config FILE    the JSON architecture of a weights-only .h5\n"
		"      --threads N      OpenBLAS threads [OpenBLAS' default]\n"
		"  -q, --quiet          no progress or notes\n"
		"  -h, --help           show this help and exit\n"
		"      --version        show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-embed model.h5 x.npy --at dense_1 -o latent.npy\n"
		"  li-embed --scale 0.00392156862745098 cnn.h5 mnist.npy --at 5 > z.npy\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{"at", required_argument, NULL, OPT_AT},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"scale", required_argument, NULL, OPT_SCALE},
		{"offset", required_argument, NULL, OPT_OFFSET},
		{"reshape", required_argument, NULL, OPT_RESHAPE},
		{"config", required_argument, NULL, OPT_CONFIG},
		{0},
	};
	cli_common common = {0};
	cm_prep prep = {.scale = 1.0, .offset = 0.0, .batch = 256};
	const char *at = NULL, *config = NULL;
	long v;
	int c;
	cli_init("li-embed");
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (cli_common_option(c, optarg, &common, usage))
			continue;
		switch (c) {
		case OPT_AT: at = optarg; break;
		case OPT_CONFIG: config = optarg; break;
		case OPT_BATCH:
			if (cli_parse_long(optarg, 1, 1L << 24, &v))
				cli_usage_error("--batch: give a number of rows from 1");
			prep.batch = v;
			break;
		case OPT_SCALE:
			if (cli_parse_double(optarg, &prep.scale))
				cli_usage_error("--scale: not a number: '%s'", optarg);
			break;
		case OPT_OFFSET:
			if (cli_parse_double(optarg, &prep.offset))
				cli_usage_error("--offset: not a number: '%s'", optarg);
			break;
		case OPT_RESHAPE:
			prep.reshape_rank = cli_parse_dims(optarg, prep.reshape, LI_MAX_RANK);
			if (prep.reshape_rank <= 0)
				cli_usage_error("--reshape: give dimensions like 28,28,1");
			break;
		default:
			cli_usage_error("unknown option");
		}
	}
	if (optind >= argc)
		cli_usage_error("give a MODEL");
	const char *path = argv[optind++];
	int status = EXIT_DATA;
	li_model *m = cm_load(path, config);
	if (!m)
		return cli_finish(status);
	int n_in = li_model_n_inputs(m);
	int n_data = argc - optind;
	if (n_data > n_in || (n_data < n_in && !(n_in == 1 && n_data == 0))) {
		li_model_free(m);
		cli_usage_error("the model takes %d input%s, %d given", n_in, n_in == 1 ? "" : "s",
				n_data);
	}
	int want;
	if (at) {
		want = cm_row(m, at);
	} else if (li_model_n_outputs(m) == 1) {
		want = li_model_output_row(m, 0);
	} else {
		li_model_free(m);
		cli_usage_error("the model has several outputs; choose a layer with --at");
	}
	int *feed = malloc(sizeof(int) * (size_t)n_in);
	const char **paths = calloc((size_t)n_in, sizeof *paths);
	if (!feed || !paths) {
		cli_error(NULL, "out of memory");
	} else {
		for (int k = 0; k < n_in; k++) {
			feed[k] = li_model_input_row(m, k);
			paths[k] = k < n_data ? argv[optind + k] : "-";
		}
		cm_blas(&common);
		cm_sink sink = {CM_SINK_ARRAY, common.output};
		status = cm_stream(m, path, n_in, feed, paths, 1, &want, &sink, &prep, &common);
	}
	free(feed);
	free(paths);
	li_model_free(m);
	return cli_finish(status);
}
