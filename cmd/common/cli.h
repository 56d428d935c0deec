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

/* getopt_long with our error line: an unknown option, an ambiguous abbreviation, a missing
 * or unwanted value prints "li-NAME: error: ... (try 'li-NAME --help')" and exits 2.
 * Returns what getopt_long returns otherwise. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Handles --rows/--shard into sel (exits 2 on a bad value). 1 when c was one, else 0. */
int cli_rows_option(int c, const char *arg, li_rowsel *sel);

/* "li-NAME: error: FILE: message" on stderr, one line (FILE omitted when NULL). Control
 * characters of FILE and message (newlines, terminal escapes) are printed escaped, and
 * nothing is cut however long the line. The only error printer of cmd/. */
void cli_error(const char *file, const char *fmt, ...) LI_PRINTF(2, 3);
/* Prints err's message as cli_error does (LI_EEND without a message: "empty file") and
 * returns the exit status for it (cli_status). */
int cli_fail(const char *file, const li_err *err);
/* Prints a usage error, "li-NAME: error: what (try 'li-NAME --help')" on one line, then
 * exits with status 2. */
void cli_usage_error(const char *fmt, ...) LI_PRINTF(1, 2) __attribute__((noreturn));
/* Exit status for an li_err code: 2 for LI_EUSAGE, 1 otherwise. */
int cli_status(const li_err *err);

/* Checked number parsing: the whole string, within [lo, hi]. 0 or -1. */
int cli_parse_long(const char *s, long lo, long hi, long *out);
int cli_parse_double(const char *s, double *out);
/*
 * The one rule for ranges "A:B" (--x, --xrange, --expect-range ...): two numbers joined by
 * a colon, A <= B; flags loosen or tighten it per option:
 *   CLI_RANGE_OPEN        an end may be left out: "A:", ":B", ":" (then -inf / +inf)
 *   CLI_RANGE_ASCENDING   A < B strictly (a plot axis needs a width)
 *   CLI_RANGE_DESCENDING  A > B allowed too (a grid axis that runs backwards)
 *   CLI_RANGE_F32         both ends within float32 (|A|, |B| <= 3.4e38): the values are
 *                         written as float32, where a larger one would become infinity
 * 0, or -1 when s breaks the rule.
 */
enum { CLI_RANGE_OPEN = 1, CLI_RANGE_ASCENDING = 2, CLI_RANGE_DESCENDING = 4,
       CLI_RANGE_F32 = 8 };
int cli_parse_range(const char *s, double r[2], int flags);
/* Parses "3,28,28" into dims; returns the count or -1. */
int cli_parse_dims(const char *s, int64_t *dims, int max);

/* Opens path for reading ("-" or NULL: standard input). On failure prints the error line
 * and returns NULL. A directory is refused. */
FILE *cli_open_in(const char *path);
/* Closes what cli_open_in opened (not standard input). */
void cli_close_in(FILE *f);
/* The name to print for an input path. */
const char *cli_name(const char *path);

/*
 * The one output writer. A regular file (or a new name) is written to a temporary file
 * beside it and renamed into place at commit, so a failure leaves the old file as it was.
 * Standard output, a FIFO or a device is written through: never renamed over or unlinked.
 */
typedef struct cli_out {
	FILE *f;
	char *path;        /* the final name of a renamed output; NULL when written through */
	char *tmp;         /* the temporary file until commit */
	const char *name;  /* the name for messages ("<stdout>" for standard output) */
	int through;       /* standard output, a FIFO or a device */
	int by_name;       /* opened by cli_out_open_name */
} cli_out;

/* Opens the output: standard output for NULL or "-", else a temporary file beside path (or
 * path itself for a FIFO or device). binary: refuse a terminal. Prints the error line and
 * returns NULL on failure. */
FILE *cli_out_open(cli_out *o, const char *path, int binary);
/* For a library that writes its file by name (HDF5, .mat): returns the name of a private
 * temporary file to write (beside path for a regular target; in $TMPDIR for standard
 * output, a FIFO or a device, whose bytes are copied there at commit). Prints the error
 * line and returns NULL on failure. */
const char *cli_out_open_name(cli_out *o, const char *path);
/* Flushes, closes and renames (or copies) into place. Prints the error line naming the file
 * on failure. 0 or -1. Releases o either way. */
int cli_out_commit(cli_out *o);
/* Commits n outputs together: all of them, or (when one fails) none, the old files kept.
 * Prints the error line. 0 or -1. Releases every o[i] either way. */
int cli_out_commit_all(cli_out *o, int n);
/* Removes the temporary file (after a failure). Safe to call after commit or twice. */
void cli_out_abort(cli_out *o);
/* 1 when a and b name the same existing file (or the same string), else 0 ("-" never). */
int cli_same_file(const char *a, const char *b);

/* Checks and closes standard output at the end of main (a full disk is not success).
 * Returns status, or 1 when closing failed. */
int cli_finish(int status);

/* Progress on stderr, only when stderr is a terminal and not quiet: "\rwhat: done/total". */
void cli_progress(const cli_common *c, const char *what, int64_t done, int64_t total);
void cli_progress_end(const cli_common *c);
/* cli_progress as a library progress callback (li_progress, progress.h) for the
 * program's cli_common; no callback where nothing would show (quiet, or stderr not a
 * terminal), so the library skips work done only for the report (t-SNE's KL divergence
 * every 50 iterations). */
li_progress cli_progress_for(const cli_common *c);

#endif
