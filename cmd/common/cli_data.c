/*
 * Data-set and preprocessing options shared by the programs that read data (see
 * cli_data.h).
 */
#include "cli_data.h"

#include <stdlib.h>
#include <string.h>

void cli_data_init(li_data_opts *o)
{
	li_data_opts_init(o);
}

int cli_data_option(int c, const char *arg, li_data_opts *o)
{
	long v;
	switch (c) {
	case CLI_DATA_FORMAT:
		if (li_format_parse(arg, &o->format))
			cli_usage_error("--format: unknown format '%s'", arg);
		return 1;
	case CLI_DATA_VAR: o->var = arg; return 1;
	case CLI_DATA_COLS: o->cols = arg; return 1;
	case CLI_DATA_LABEL_COL: o->label_col = arg; return 1;
	case CLI_DATA_HEADER: o->header = 1; return 1;
	case CLI_DATA_NO_HEADER: o->header = 0; return 1;
	case CLI_DATA_CLASSES: o->classes = arg; return 1;
	case CLI_DATA_SAMPLE_AXIS:
		if (cli_parse_long(arg, -LI_MAX_RANK, LI_MAX_RANK - 1, &v))
			cli_usage_error("--sample-axis: not an axis: '%s'", arg);
		o->sample_axis = (int)v;
		return 1;
	case CLI_DATA_SCALE:
		if (cli_parse_double(arg, &o->pre.scale))
			cli_usage_error("--scale: not a number: '%s'", arg);
		return 1;
	case CLI_DATA_OFFSET:
		if (cli_parse_double(arg, &o->pre.offset))
			cli_usage_error("--offset: not a number: '%s'", arg);
		return 1;
	case CLI_DATA_RESHAPE: {
		/* like cli_parse_dims, but one entry may be -1 */
		int n = 0;
		const char *s = arg;
		while (*s) {
			char *end;
			long long d = strtoll(s, &end, 10);
			if (end == s || (*end && *end != ',') || d < -1 || d == 0 ||
			    n == LI_MAX_RANK - 1)
				cli_usage_error("--reshape: bad dimensions '%s'", arg);
			o->pre.reshape[n++] = d;
			s = *end ? end + 1 : end;
		}
		int free_dims = 0;
		for (int i = 0; i < n; i++)
			free_dims += o->pre.reshape[i] == -1;
		if (n == 0 || free_dims > 1)
			cli_usage_error("--reshape: bad dimensions '%s'", arg);
		o->pre.reshape_rank = n;
		return 1;
	}
	default:
		return 0;
	}
}

li_data *cli_data_open(const char *path, const li_data_opts *o, int *status)
{
	li_err err = {0};
	li_data *d = li_data_open(path, o, &err);
	if (!d) {
		cli_fail(cli_name(path), &err);
		*status = err.code == LI_EUSAGE ? EXIT_USAGE : EXIT_DATA;
	}
	return d;
}
