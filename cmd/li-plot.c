/*
 * li-plot: pictures with gnuplot. Four kinds, chosen by the first argument: a map of
 * 2-D coordinates colored by class, a grid of images, sequence curves, and the
 * latent-traversal mosaic. The picture's format follows -o's extension (.png .svg .pdf,
 * .txt for text) or --term; without either, a text picture goes to standard output.
 * The pictures, the reading of arrays as points, images or curves and the checks between
 * a picture's inputs are lib/plot.c's and lib/plot_inputs.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_TERM = CLI_OPT_FIRST_FREE, OPT_SIZE, OPT_TITLE, OPT_XRANGE, OPT_YRANGE, OPT_LABELS,
	OPT_CLASSES, OPT_MARK, OPT_MAP, OPT_SHAPE, OPT_GRID, OPT_TITLES, OPT_CHANNELS,
	OPT_COORDS, OPT_DATA, OPT_POINT_SIZE,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-plot map COORDS [--labels Y] [--classes NAMES] [--mark P.npy] [--map MAP.h5]\n"
		"       li-plot images OUT.npy [--shape H,W[,C]] [--grid RxC] [--titles FILE]\n"
		"       li-plot curves OUT.npy [--grid RxC] [--titles FILE] [--channels FILE]\n"
		"       li-plot mosaic --coords G.npy OUT.npy [--map MAP.h5] [--data COORDS]\n"
		"       (each with [-o PICTURE] [--term T] [--size WxH] [--title TEXT])\n"
		"\n"
		"Draw a picture with gnuplot. Arrays are .npy files ('-': standard input).\n"
		"  map      points of COORDS (N x 2) colored by class, with a legend of names;\n"
		"           marked points drawn on top; the map's quality in the title\n"
		"  images   each row of OUT.npy (N x H x W, N x H x W x 3, or N x H*W with\n"
		"           --shape) as an image (gray, or RGB when the last axis is 3)\n"
		"  curves   each row of OUT.npy (N x T x C or N x T) as a panel of C lines\n"
		"  mosaic   image i of OUT.npy drawn at grid point i of G.npy (see li-grid),\n"
		"           over the data's points and the map's extent\n"
		"\n"
		"options:\n"
		"  -o, --output FILE    the picture; its extension picks the format: .png,\n"
		"                       .svg, .pdf, .txt (text) [text on standard output]\n"
		"      --term T         png, svg, pdf or dumb (text), whatever the extension\n"
		"      --size WxH       pixels (text: characters) [800x600; text 79x24]\n"
		"      --title TEXT     title [map: the map's method and quality]\n"
		"      --xrange A:B     x axis range of map and mosaic [data + 5%%]\n"
		"      --yrange C:D     y axis range of map and mosaic [data + 5%%]\n"
		"      --point-size S   map point size [0.6; 0.25 past 10,000 points]\n"
		"      --labels Y       map: class per point: .npy of integers, or text with one\n"
		"                       integer or name per line\n"
		"      --classes NAMES  map: class names, one per line (index = line number)\n"
		"      --mark P.npy     map: points (K x 2) drawn on top as crosses\n"
		"      --map MAP.h5     map, mosaic: the fitted map (title, extent)\n"
		"      --shape H,W[,C]  images, mosaic: the per-row image shape\n"
		"      --grid RxC       images, curves: rows and columns of the layout [near square]\n"
		"      --titles FILE    images, curves: one title per row, one per line\n"
		"      --channels FILE  curves: channel names, one per line\n"
		"      --coords G.npy   mosaic: the grid point (N x 2) of each output\n"
		"      --data COORDS    mosaic: the data's 2-D points, drawn faintly underneath\n"
		"  -q, --quiet          no messages\n"
		"  -h, --help           show this help and exit\n"
		"      --version        show the version and exit\n"
		"\n"
		"The plot area of map and mosaic spans 10%%..80%% of the width (95%% without a\n"
		"legend) and 10%%..90%% of the height. gnuplot comes from the package gnuplot-nox.\n"
		"\n"
		"examples:\n"
		"  li-plot map xy.npy --labels y.npy --classes classes.txt -o map.png\n"
		"  li-plot images decoded.npy --shape 28,28 --grid 4x8 -o digits.png\n"
		"  li-grid --map map.h5 --margin 0.25 --n 9x9 -o g.npy\n"
		"  li-plot mosaic --map map.h5 --coords g.npy decoded.npy -o mosaic.png\n");
}

typedef struct args {
	li_plot_kind kind;
	const char *name, *input, *labels, *classes, *mark, *map_path, *titles, *channels;
	const char *coords;
	const char *data;
	int have_term, rows, cols, n_shape;
	int64_t shape[3];
	li_plot_opts o;
	li_map *map;           /* --map, loaded */
} args;

/* The options after the picture's kind; usage errors end the program. */
static void parse_args(int argc, char **argv, args *a, cli_common *common)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{"term", required_argument, NULL, OPT_TERM},
		{"size", required_argument, NULL, OPT_SIZE},
		{"title", required_argument, NULL, OPT_TITLE},
		{"xrange", required_argument, NULL, OPT_XRANGE},
		{"yrange", required_argument, NULL, OPT_YRANGE},
		{"point-size", required_argument, NULL, OPT_POINT_SIZE},
		{"labels", required_argument, NULL, OPT_LABELS},
		{"classes", required_argument, NULL, OPT_CLASSES},
		{"mark", required_argument, NULL, OPT_MARK},
		{"map", required_argument, NULL, OPT_MAP},
		{"shape", required_argument, NULL, OPT_SHAPE},
		{"grid", required_argument, NULL, OPT_GRID},
		{"titles", required_argument, NULL, OPT_TITLES},
		{"channels", required_argument, NULL, OPT_CHANNELS},
		{"coords", required_argument, NULL, OPT_COORDS},
		{"data", required_argument, NULL, OPT_DATA},
		{0},
	};
	int c;
	int64_t d[3];
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
		if (cli_common_option(c, optarg, common, usage))
			continue;
		switch (c) {
		case OPT_TERM:
			if (li_plot_term_parse(optarg, &a->o.term))
				cli_usage_error("--term: '%s' is not png, svg, pdf or dumb", optarg);
			a->have_term = 1;
			break;
		case OPT_SIZE:
			if (cli_parse_dims(optarg, d, 3) != 2 || d[0] < 10 || d[1] < 5 || d[0] > 20000 ||
			    d[1] > 20000)
				cli_usage_error("--size: '%s' is not WxH (10x5 to 20000x20000)", optarg);
			a->o.width = (int)d[0];
			a->o.height = (int)d[1];
			break;
		case OPT_TITLE: a->o.title = optarg; break;
		case OPT_XRANGE:
			if (cli_parse_range(optarg, a->o.xrange, CLI_RANGE_ASCENDING))
				cli_usage_error("--xrange: '%s' is not A:B with A < B", optarg);
			a->o.has_xrange = 1;
			break;
		case OPT_YRANGE:
			if (cli_parse_range(optarg, a->o.yrange, CLI_RANGE_ASCENDING))
				cli_usage_error("--yrange: '%s' is not C:D with C < D", optarg);
			a->o.has_yrange = 1;
			break;
		case OPT_POINT_SIZE:
			if (cli_parse_double(optarg, &a->o.point_size) || a->o.point_size <= 0 ||
			    a->o.point_size > 100)
				cli_usage_error("--point-size: '%s' is not a size from 0 to 100", optarg);
			break;
		case OPT_LABELS: a->labels = optarg; break;
		case OPT_CLASSES: a->classes = optarg; break;
		case OPT_MARK: a->mark = optarg; break;
		case OPT_MAP: a->map_path = optarg; break;
		case OPT_SHAPE:
			a->n_shape = cli_parse_dims(optarg, a->shape, 3);
			if (a->n_shape < 2 || a->shape[0] < 1 || a->shape[1] < 1 ||
			    (a->n_shape == 3 && a->shape[2] != 1 && a->shape[2] != 3))
				cli_usage_error("--shape: '%s' is not H,W or H,W,C (C 1 or 3)", optarg);
			break;
		case OPT_GRID:
			if (cli_parse_dims(optarg, d, 3) != 2 || d[0] < 1 || d[1] < 1 || d[0] > 1000 ||
			    d[1] > 1000)
				cli_usage_error("--grid: '%s' is not RxC (1 to 1000 each)", optarg);
			a->rows = (int)d[0];
			a->cols = (int)d[1];
			break;
		case OPT_TITLES: a->titles = optarg; break;
		case OPT_CHANNELS: a->channels = optarg; break;
		case OPT_COORDS: a->coords = optarg; break;
		case OPT_DATA: a->data = optarg; break;
		}
	}
}

/* Loads a whole .npy file as float32 (as N x 2 points when n is given); prints the error
 * line on failure. */
static int load(const char *path, li_array *a, int64_t *n)
{
	li_err err = {0};
	FILE *f = cli_open_in(path);
	if (!f)
		return -1;
	int rc = li_npy_load(f, a, LI_DTYPE_F32, &err);
	cli_close_in(f);
	if (!rc && n)
		rc = li_plot_points_of(a, n, &err);
	if (rc)
		cli_fail(cli_name(path), &err);
	return rc ? -1 : 0;
}

static int read_list(const char *path, li_textlist *l)
{
	li_err err = {0};
	FILE *f = cli_open_in(path);
	if (!f)
		return -1;
	int rc = li_textlist_read(f, l, &err);
	cli_close_in(f);
	if (rc)
		cli_fail(cli_name(path), &err);
	return rc ? -1 : 0;
}

/* The map's labels (one per point, classes of the class list when one is given) into
 * *lab; names given in the labels file extend classes. 0, or -1 after the error line. */
static int read_labels(const char *path, li_textlist *classes, int strict, int64_t n,
		       int64_t **lab)
{
	li_err err = {0};
	int64_t n_lab = 0;
	FILE *f = cli_open_in(path);
	if (!f)
		return -1;
	int e = li_textlist_labels(f, classes, lab, &n_lab, &err);
	cli_close_in(f);
	if (e || li_plot_labels_check(*lab, n_lab, n, strict ? classes->n : -1, &err))
		return cli_fail(cli_name(path), &err), -1;
	return 0;
}

/* Reads the inputs of a->kind and draws the picture to out (lib/plot_inputs.c). 0, or -1
 * after the error line. */
static int draw(const args *a, FILE *out)
{
	li_err err = {0};
	li_plot_inputs p = {.shape = a->shape, .n_shape = a->n_shape, .rows = a->rows,
			    .cols = a->cols, .map = a->map};
	int rc = -1, bad, is_map = a->kind == LI_PLOT_KIND_MAP;
	if (load(a->input, &p.in, is_map ? &p.n : NULL) ||
	    (a->classes && read_list(a->classes, &p.classes)) ||
	    (a->labels && read_labels(a->labels, &p.classes, a->classes != NULL, p.n, &p.labels)) ||
	    (a->mark && load(a->mark, &p.marks, &p.n_marks)) ||
	    (a->titles && !is_map && read_list(a->titles, &p.titles)) ||
	    (a->channels && a->kind == LI_PLOT_KIND_CURVES && read_list(a->channels, &p.channels)) ||
	    (a->coords && load(a->coords, &p.grid, &p.n_grid)) ||
	    (a->data && load(a->data, &p.data, &p.n_data)))
		goto out;
	if ((rc = li_plot_draw(a->kind, &a->o, &p, out, &bad, &err)))
		cli_fail(bad == LI_PLOT_BAD_INPUT  ? cli_name(a->input)
			 : bad == LI_PLOT_BAD_GRID ? cli_name(a->coords)
						   : NULL, &err);
out:
	li_plot_inputs_release(&p);
	return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
	args a = {0};
	cli_common common = {0};
	li_err err = {0};
	cli_out out = {0};
	cli_init("li-plot");
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
			 !strcmp(argv[1], "--version"))) {
		parse_args(argc, argv, &a, &common);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-')
		cli_usage_error("which picture? map, images, curves or mosaic");
	a.name = argv[1];
	if (li_plot_kind_parse(a.name, &a.kind))
		cli_usage_error("unknown picture '%s' (map, images, curves, mosaic)", a.name);
	parse_args(argc - 1, argv + 1, &a, &common);
	optind++;
	if (argc - optind > 1)
		cli_usage_error("%s takes one input", a.name);
	a.input = optind < argc ? argv[optind] : "-";
	int is_map = a.kind == LI_PLOT_KIND_MAP, is_mosaic = a.kind == LI_PLOT_KIND_MOSAIC;
	if (!is_map && (a.labels || a.classes || a.mark))
		cli_usage_error("--labels, --classes and --mark belong to map");
	if (is_mosaic && !a.coords)
		cli_usage_error("mosaic needs --coords G.npy");
	if (!is_mosaic && (a.coords || a.data))
		cli_usage_error("--coords and --data belong to mosaic");
	if (a.map_path && !is_map && !is_mosaic)
		cli_usage_error("--map belongs to map and mosaic");
	if (common.output && strcmp(common.output, "-") && !a.have_term &&
	    li_plot_term_for_path(common.output, &a.o.term))
		cli_usage_error("%s: unknown picture format; name it .png, .svg, .pdf or .txt, "
				"or give --term", common.output);
	if ((!common.output || !strcmp(common.output, "-")) && !a.have_term)
		a.o.term = LI_PLOT_DUMB;

	int status = EXIT_DATA;
	if (a.map_path && !(a.map = li_map_load_info(a.map_path, &err))) {
		cli_fail(a.map_path, &err);
		goto done;
	}
	if (!cli_out_open(&out, common.output, li_plot_term_binary(a.o.term)))
		goto done;
	if (draw(&a, out.f) || cli_out_commit(&out))
		goto done;
	status = 0;
done:
	cli_out_abort(&out);
	li_map_free(a.map);
	return cli_finish(status);
}
