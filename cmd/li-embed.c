/*
 * li-embed: push a data set through a model, or through the part of it up to a layer
 * (--at), and write the activations as .npy. Rows stream through in batches, so memory
 * does not grow with the row count.
 */
#include <stdlib.h>
#include <string.h>

#include "climodel.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-embed [options] MODEL [DATA...] [-o OUT]\n"
		"\n"
		"Run DATA through MODEL (a Keras .h5 or .keras, or a TF.js model.json) up to layer --at, or\n"
		"to its output, and write the activations (float32 .npy, one row per sample).\n"
		"DATA is a data set in any format li-convert reads (.npy, .csv, .json, .mat, IDX,\n"
		"a labeled data-set folder; '-' or none: standard input); a model with several\n"
		"inputs takes one DATA per input, in the order li-layers lists them.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE    write here, atomically [standard output]\n"
		"      --at LAYER       stop after this layer: a name or an index as li-layers\n"
		"                       prints it [the model's output]\n"
		CM_USAGE
		"\n"
		"examples:\n"
		"  li-embed model.h5 x.npy --at dense_1 -o latent.npy\n"
		"  li-embed --scale 0.00392156862745098 cnn.h5 train-images-idx3-ubyte.gz --at 5 > z.npy\n"
		"  li-embed --shard 0/4 model.h5 x.npy -o part0.npy   # li-cat part*.npy: all rows\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, CM_LONGOPTS,
		{0},
	};
	cli_common common = {0};
	cm_prep prep;
	int c;
	cli_init("li-embed");
	cm_prep_init(&prep);
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1)
		if (!cli_common_option(c, optarg, &common, usage) && !cm_option(c, optarg, &prep))
			cli_usage_error("unknown option");
	if (optind >= argc)
		cli_usage_error("give a MODEL");
	const char *path = argv[optind++];
	int status = EXIT_DATA;
	li_model *m = cm_load(path, prep.config);
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
	if (prep.at) {
		want = cm_row(m, prep.at);
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
