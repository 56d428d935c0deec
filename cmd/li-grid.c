/*
 * li-grid: the coordinates of a regular grid over a 2-D map, as float32 rows (x, y),
 * for li-invert sweeps and li-plot mosaics. The axis ranges come from --x/--y or from a
 * map file's extent widened by --margin, which reaches past the data for
 * out-of-bounds probing. Points run x fastest, then y, both ascending, as
 * numpy.meshgrid(linspace(a, b, nx), linspace(c, d, ny)) flattened row by row.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_X = CLI_OPT_FIRST_FREE, OPT_Y, OPT_N, OPT_MAP, OPT_MARGIN };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-grid --x A:B --y C:D [--n NXxNY] [-o OUT]\n"
		"       li-grid --map MAP.h5 [--margin M] [--n NXxNY] [-o OUT]\n"
		"\n"
		"Write the points of a regular grid as a .npy array of NX*NY rows (x, y),\n"
		"float32: x varies fastest, both axes ascend, the ends included.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE  write here, atomically [standard output]\n"
		"      --x A:B        x from A to B [the map's extent]\n"
		"      --y C:D        y from C to D [the map's extent]\n"
		"      --n NXxNY      points per axis; one number for both [10x10]\n"
		"      --map MAP.h5   take the ranges from the map's extent (li-reduce --save)\n"
		"      --margin M     widen the map's extent by M times its width on each side,\n"
		"                     to reach past the data [0]\n"
		"  -q, --quiet        no messages\n"
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-grid --x -2:2 --y -1:1 --n 5x3 -o g.npy\n"
		"  li-grid --map map.h5 --margin 0.25 --n 15x15 | li-invert map.h5 > latent.npy\n");
}

/* numpy.linspace(a, b, n)[j], computed as numpy does: j * step + a, the end exact. */
static double linspace(double a, double b, int64_t n, int64_t j)
{
	if (n > 1 && j == n - 1)
		return b;
	double step = n > 1 ? (b - a) / (double)(n - 1) : 0;
	return (double)j * step + a;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{"x", required_argument, NULL, OPT_X},
		{"y", required_argument, NULL, OPT_Y},
		{"n", required_argument, NULL, OPT_N},
		{"map", required_argument, NULL, OPT_MAP},
		{"margin", required_argument, NULL, OPT_MARGIN},
		{0},
	};
	cli_common common = {0};
	double xr[2], yr[2], margin = 0;
	int have_x = 0, have_y = 0, have_margin = 0, c;
	int64_t n[2] = {10, 10};
	const char *map = NULL;
	cli_init("li-grid");
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
		if (cli_common_option(c, optarg, &common, usage))
			continue;
		switch (c) {
		case OPT_X:
			if (cli_parse_range(optarg, xr, CLI_RANGE_DESCENDING | CLI_RANGE_F32))
				cli_usage_error("--x: '%s' is not A:B (float32 numbers)", optarg);
			have_x = 1;
			break;
		case OPT_Y:
			if (cli_parse_range(optarg, yr, CLI_RANGE_DESCENDING | CLI_RANGE_F32))
				cli_usage_error("--y: '%s' is not C:D (float32 numbers)", optarg);
			have_y = 1;
			break;
		case OPT_N: {
			int k = cli_parse_dims(optarg, n, 2);
			if (k == 1)
				n[1] = n[0];
			if (k < 1 || n[0] < 1 || n[1] < 1 || n[0] > 100000 || n[1] > 100000 ||
			    n[0] * n[1] > 100000000)
				cli_usage_error("--n: '%s' is not NXxNY (1 to 100000 each, "
						"100000000 points at most)", optarg);
			break;
		}
		case OPT_MAP: map = optarg; break;
		case OPT_MARGIN:
			if (cli_parse_double(optarg, &margin) || margin < 0 || margin > 1000)
				cli_usage_error("--margin: '%s' is not a number from 0 to 1000", optarg);
			have_margin = 1;
			break;
		}
	}
	if (optind < argc)
		cli_usage_error("no file arguments; the map goes with --map");
	if (!map && (!have_x || !have_y))
		cli_usage_error("give --x and --y, or --map");
	if (!map && have_margin)
		cli_usage_error("--margin widens a map's extent; give --map");

	int status = EXIT_DATA;
	li_err err = {0};
	cli_out out = {0};
	li_npy_writer *w = NULL;
	float *row = NULL;
	if (map) {
		li_map *m = li_map_load_info(map, &err);
		if (!m) {
			cli_fail(map, &err);
			goto done;
		}
		int dims = li_map_dims(m);
		if (dims != 2) {
			li_map_free(m);
			cli_error(map, "the map has %d dimensions; li-grid makes 2-D grids", dims);
			goto done;
		}
		const double *e = li_map_extent(m); /* min x, min y, max x, max y */
		double w0 = e[2] - e[0], w1 = e[3] - e[1];
		if (!have_x)
			xr[0] = e[0] - margin * w0, xr[1] = e[2] + margin * w0;
		if (!have_y)
			yr[0] = e[1] - margin * w1, yr[1] = e[3] + margin * w1;
		li_map_free(m);
		/* a huge extent widened by the margin can leave float32 */
		for (int i = 0; i < 2; i++)
			if (!(fabs(xr[i]) <= FLT_MAX && fabs(yr[i]) <= FLT_MAX)) {
				cli_error(map, "the extent widened by --margin leaves float32; "
					  "give --x and --y");
				goto done;
			}
	}
	if (!cli_out_open(&out, common.output, 1))
		goto done;
	int64_t shape[2] = {n[0] * n[1], 2};
	w = li_npy_writer_open(out.f, LI_DTYPE_F32, 2, shape, &err);
	row = malloc((size_t)n[0] * 2 * sizeof *row);
	if (!w) {
		cli_fail(cli_name(common.output), &err);
		goto done;
	}
	if (!row) {
		cli_error(cli_name(common.output), "out of memory");
		goto done;
	}
	for (int64_t j = 0; j < n[1]; j++) {
		float y = (float)linspace(yr[0], yr[1], n[1], j);
		for (int64_t i = 0; i < n[0]; i++) {
			row[2 * i] = (float)linspace(xr[0], xr[1], n[0], i);
			row[2 * i + 1] = y;
		}
		if (li_npy_write_rows(w, row, n[0], &err)) {
			cli_fail(cli_name(common.output), &err);
			goto done;
		}
	}
	int rc = li_npy_writer_close(w, &err);
	w = NULL;
	if (rc) {
		cli_fail(cli_name(common.output), &err);
		goto done;
	}
	if (cli_out_commit(&out))
		goto done;
	status = 0;
done:
	free(row);
	li_npy_writer_free(w);
	cli_out_abort(&out);
	return cli_finish(status);
}
