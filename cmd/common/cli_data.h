/*
 * The data-set options every program that reads data spells the same way (--format,
 * --var, --cols, --label-col, --header/--no-header, --sample-axis, --classes) and the
 * preprocessing options (--scale, --offset, --reshape), filled into an li_data_opts.
 * Only cmd/ uses this. Put CLI_DATA_LONGOPTS (and CLI_PREPROCESS_LONGOPTS where a
 * program preprocesses) in the getopt_long table and hand each option to
 * cli_data_option before the program's own.
 */
#ifndef LI_CLI_DATA_H
#define LI_CLI_DATA_H

#include "cli.h"

enum {
	CLI_DATA_FORMAT = CLI_OPT_FIRST_FREE + 500, CLI_DATA_VAR, CLI_DATA_COLS,
	CLI_DATA_LABEL_COL, CLI_DATA_HEADER, CLI_DATA_NO_HEADER, CLI_DATA_SAMPLE_AXIS,
	CLI_DATA_CLASSES, CLI_DATA_SCALE, CLI_DATA_OFFSET, CLI_DATA_RESHAPE,
};

/*
 * Each option once, its getopt_long entry beside its usage lines:
 * X(name, has_arg, value, usage), rows joined by SEP. CLI_DATA_LONGOPTS and
 * CLI_PREPROCESS_LONGOPTS make the table entries (comma-separated, no trailing comma),
 * CLI_DATA_USAGE and CLI_PREPROCESS_USAGE the usage lines for a program's --help.
 */
#define CLI_DATA_OPTIONS(X, SEP) \
	X("format", required_argument, CLI_DATA_FORMAT, \
	  "      --format FMT   input format: npy, json, mat, csv, tsv, idx, folder\n" \
	  "                     [by extension, then by content]\n") SEP \
	X("var", required_argument, CLI_DATA_VAR, \
	  "      --var NAME     .json member or .mat variable [the only numeric one]\n") SEP \
	X("cols", required_argument, CLI_DATA_COLS, \
	  "      --cols LIST    csv columns: names, 0-based indices, ranges a-b [all]\n") SEP \
	X("label-col", required_argument, CLI_DATA_LABEL_COL, \
	  "      --label-col C  csv column holding labels (name or index) [none]\n") SEP \
	X("header", no_argument, CLI_DATA_HEADER, \
	  "      --header, --no-header  csv: the first row is (not) a header [detect]\n") SEP \
	X("no-header", no_argument, CLI_DATA_NO_HEADER, "") SEP \
	X("sample-axis", required_argument, CLI_DATA_SAMPLE_AXIS, \
	  "      --sample-axis K  .json/.mat: axis that indexes samples; -1 last [0]\n") SEP \
	X("classes", required_argument, CLI_DATA_CLASSES, \
	  "      --classes FILE class names, one a line, for string labels\n" \
	  "                     [order of first appearance]\n")
#define CLI_PREPROCESS_OPTIONS(X, SEP) \
	X("scale", required_argument, CLI_DATA_SCALE, \
	  "      --scale S      multiply by S after conversion to float [1]\n") SEP \
	X("offset", required_argument, CLI_DATA_OFFSET, \
	  "      --offset O     then add O [0]\n") SEP \
	X("reshape", required_argument, CLI_DATA_RESHAPE, \
	  "      --reshape D1,D2,...  per-row shape (one entry may be -1) [as read]\n")

#define CLI_OPTION_ENTRY_(name, has_arg, value, usage) {name, has_arg, NULL, value}
#define CLI_OPTION_USAGE_(name, has_arg, value, usage) usage
#define CLI_COMMA_ ,
#define CLI_DATA_LONGOPTS CLI_DATA_OPTIONS(CLI_OPTION_ENTRY_, CLI_COMMA_)
#define CLI_PREPROCESS_LONGOPTS CLI_PREPROCESS_OPTIONS(CLI_OPTION_ENTRY_, CLI_COMMA_)
#define CLI_DATA_USAGE CLI_DATA_OPTIONS(CLI_OPTION_USAGE_, )
#define CLI_PREPROCESS_USAGE CLI_PREPROCESS_OPTIONS(CLI_OPTION_USAGE_, )

/* Initialises o with the defaults. */
void cli_data_init(li_data_opts *o);
/* Handles a data or preprocessing option: 1 when c was one (exits 2 on a bad value),
 * 0 otherwise. */
int cli_data_option(int c, const char *arg, li_data_opts *o);
/* Opens a data set, printing the error line on failure (NULL then; *status gets the
 * exit status). */
li_data *cli_data_open(const char *path, const li_data_opts *o, int *status);

#endif
