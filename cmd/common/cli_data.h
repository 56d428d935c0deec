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

#define CLI_DATA_LONGOPTS \
	{"format", required_argument, NULL, CLI_DATA_FORMAT}, \
	{"var", required_argument, NULL, CLI_DATA_VAR}, \
	{"cols", required_argument, NULL, CLI_DATA_COLS}, \
	{"label-col", required_argument, NULL, CLI_DATA_LABEL_COL}, \
	{"header", no_argument, NULL, CLI_DATA_HEADER}, \
	{"no-header", no_argument, NULL, CLI_DATA_NO_HEADER}, \
	{"sample-axis", required_argument, NULL, CLI_DATA_SAMPLE_AXIS}, \
	{"classes", required_argument, NULL, CLI_DATA_CLASSES}
#define CLI_PREPROCESS_LONGOPTS \
	{"scale", required_argument, NULL, CLI_DATA_SCALE}, \
	{"offset", required_argument, NULL, CLI_DATA_OFFSET}, \
	{"reshape", required_argument, NULL, CLI_DATA_RESHAPE}

/* The usage lines for the options above, for a program's --help. */
#define CLI_DATA_USAGE \
	"      --format FMT   input format: npy, json, mat, csv, tsv, idx, folder\n" \
	"                     [by extension, then by content]\n" \
	"      --var NAME     .json member or .mat variable [the only numeric one]\n" \
	"      --cols LIST    csv columns: names, 0-based indices, ranges a-b [all]\n" \
	"      --label-col C  csv column holding labels (name or index) [none]\n" \
	"      --header, --no-header  csv: the first row is (not) a header [detect]\n" \
	"      --sample-axis K  .json/.mat: axis that indexes samples; -1 last [0]\n" \
	"      --classes FILE class names, one a line, for string labels\n" \
	"                     [order of first appearance]\n"
#define CLI_PREPROCESS_USAGE \
	"      --scale S      multiply by S after conversion to float [1]\n" \
	"      --offset O     then add O [0]\n" \
	"      --reshape D1,D2,...  per-row shape (one entry may be -1) [as read]\n"

/* Initialises o with the defaults. */
void cli_data_init(li_data_opts *o);
/* Handles a data or preprocessing option: 1 when c was one (exits 2 on a bad value),
 * 0 otherwise. */
int cli_data_option(int c, const char *arg, li_data_opts *o);
/* Opens a data set, printing the error line on failure (NULL then; *status gets the
 * exit status). */
li_data *cli_data_open(const char *path, const li_data_opts *o, int *status);

#endif
