/*
 * What every program in cmd/ shares: the common options spelled one way, the one-line
 * error format and exit codes, input opening ("-" is standard input), atomic output
 * (a temporary file in the target directory, renamed on success), refusing binary on a
 * terminal, and progress lines shown only on a terminal. Only cmd/ uses this.
 */
#ifndef LI_CLI_H
#define LI_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "li.h"

enum { EXIT_DATA = 1, EXIT_USAGE = 2 };

/* Long-option values for the common options that have no short letter. */
enum { CLI_OPT_SEED = 1000, CLI_OPT_THREADS, CLI_OPT_VERSION, CLI_OPT_ROWS, CLI_OPT_SHARD,
       CLI_OPT_FIRST_FREE };

/* --rows A:B and --shard I/N, for programs that read rows (see lib/rows.h). */
#define CLI_ROWS_LONGOPTS \
	{"rows", required_argument, NULL, CLI_OPT_ROWS}, \
	{"shard", required_argument, NULL, CLI_OPT_SHARD}
#define CLI_ROWS_HELP \
	"      --rows A:B     only rows A to B-1 (0-based; negative from the end) [all]\n" \
	"      --shard I/N    only the I-th of N near-equal contiguous parts (0-based)\n"

#define CLI_COMMON_LONGOPTS \
	{"output", required_argument, NULL, 'o'}, \
	{"seed", required_argument, NULL, CLI_OPT_SEED}, \
	{"threads", required_argument, NULL, CLI_OPT_THREADS}, \
	{"quiet", no_argument, NULL, 'q'}, \
	{"help", no_argument, NULL, 'h'}, \
	{"version", no_argument, NULL, CLI_OPT_VERSION}
#define CLI_COMMON_SHORTOPTS "o:qh"

typedef struct cli_common {
	const char *output;  /* -o; NULL or "-" means standard output */
	uint64_t seed;       /* --seed [0] */
	int threads;         /* --threads; 0 means the default */
	int quiet;           /* -q */
} cli_common;

/* Sets the program name used in messages (call first in main). */
void cli_init(const char *prog);
/* The program name, e.g. "li-info". */
const char *cli_prog(void);

/* Handles a common option. Returns 1 when c was one (exits for --help/--version, and with
 * status 2 for a bad value), 0 when it is the program's own. */
int cli_common_option(int c, const char *arg, cli_common *common, void (*usage)(FILE *));

/* Handles --rows/--shard into sel (exits 2 on a bad value). 1 when c was one, else 0. */
int cli_rows_option(int c, const char *arg, li_rowsel *sel);

/* "li-NAME: error: FILE: message" on stderr (FILE omitted when NULL). */
void cli_error(const char *file, const char *fmt, ...) LI_PRINTF(2, 3);
/* Prints a usage error and "try 'li-NAME --help'", then exits with status 2. */
void cli_usage_error(const char *fmt, ...) LI_PRINTF(1, 2) __attribute__((noreturn));
/* Exit status for an li_err code: 2 for LI_EUSAGE, 1 otherwise. */
int cli_status(const li_err *err);

/* Checked number parsing: the whole string, within [lo, hi]. 0 or -1. */
int cli_parse_long(const char *s, long lo, long hi, long *out);
int cli_parse_double(const char *s, double *out);
/* Parses "3,28,28" into dims; returns the count or -1. */
int cli_parse_dims(const char *s, int64_t *dims, int max);

/* Opens path for reading ("-" or NULL: standard input). On failure prints the error line
 * and returns NULL. A directory is refused. */
FILE *cli_open_in(const char *path);
/* Closes what cli_open_in opened (not standard input). */
void cli_close_in(FILE *f);
/* The name to print for an input path. */
const char *cli_name(const char *path);

typedef struct cli_out {
	FILE *f;
	char *path;   /* the final name; NULL for standard output */
	char *tmp;    /* the temporary name until commit */
} cli_out;

/* Opens the output: standard output for NULL or "-", else a temporary file beside path.
 * binary: refuse a terminal. Prints the error line and returns NULL on failure. */
FILE *cli_out_open(cli_out *o, const char *path, int binary);
/* Flushes, closes and renames into place. Prints the error line on failure. 0 or -1. */
int cli_out_commit(cli_out *o);
/* Removes the temporary file (after a failure). Safe to call after commit or twice. */
void cli_out_abort(cli_out *o);

/* Checks and closes standard output at the end of main (a full disk is not success).
 * Returns status, or 1 when closing failed. */
int cli_finish(int status);

/* Progress on stderr, only when stderr is a terminal and not quiet: "\rwhat: done/total". */
void cli_progress(const cli_common *c, const char *what, int64_t done, int64_t total);
void cli_progress_end(const cli_common *c);
/* cli_progress as a library progress callback (li_progress, progress.h); ctx: the
 * program's cli_common. */
void cli_progress_cb(void *ctx, const char *stage, int64_t done, int64_t total);

#endif
