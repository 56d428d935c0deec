/*
 * Shared command-line plumbing for the li-* programs (see cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *prog = "li";

void cli_init(const char *p)
{
	prog = p;
}

const char *cli_prog(void)
{
	return prog;
}

void cli_error(const char *file, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: error: ", prog);
	if (file)
		fprintf(stderr, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: error: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry '%s --help'\n", prog);
	exit(EXIT_USAGE);
}

int cli_status(const li_err *err)
{
	return err->code == LI_EUSAGE ? EXIT_USAGE : EXIT_DATA;
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int cli_parse_dims(const char *s, int64_t *dims, int max)
{
	int n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || v < 0 || n == max)
			return -1;
		dims[n++] = v;
		if (*end == ',' || *end == 'x')
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	return n ? n : -1;
}

int cli_common_option(int c, const char *arg, cli_common *common, void (*usage)(FILE *))
{
	long v;
	switch (c) {
	case 'o':
		common->output = arg;
		return 1;
	case 'q':
		common->quiet = 1;
		return 1;
	case 'h':
		usage(stdout);
		exit(cli_finish(0));
	case CLI_OPT_VERSION:
		printf("%s (Latent Inspector) %s\n", prog, LI_VERSION);
		exit(cli_finish(0));
	case CLI_OPT_SEED: {
		char *end;
		errno = 0;
		unsigned long long s = strtoull(arg, &end, 10);
		if (!*arg || *end || errno || *arg == '-')
			cli_usage_error("--seed: '%s' is not a non-negative integer", arg);
		common->seed = s;
		return 1;
	}
	case CLI_OPT_THREADS:
		if (cli_parse_long(arg, 1, 1024, &v))
			cli_usage_error("--threads: '%s' is not a count from 1 to 1024", arg);
		common->threads = (int)v;
		return 1;
	case '?':
		fprintf(stderr, "try '%s --help'\n", prog);
		exit(EXIT_USAGE);
	default:
		return 0;
	}
}

int cli_rows_option(int c, const char *arg, li_rowsel *sel)
{
	li_err err = {0};
	if (c == CLI_OPT_ROWS) {
		if (sel->kind == 2 || li_rowsel_parse_rows(sel, arg, &err))
			cli_usage_error("%s", err.code ? err.msg : "--rows and --shard exclude each other");
		return 1;
	}
	if (c == CLI_OPT_SHARD) {
		if (sel->kind == 1 || li_rowsel_parse_shard(sel, arg, &err))
			cli_usage_error("%s", err.code ? err.msg : "--rows and --shard exclude each other");
		return 1;
	}
	return 0;
}

const char *cli_name(const char *path)
{
	return !path || !strcmp(path, "-") ? "<stdin>" : path;
}

FILE *cli_open_in(const char *path)
{
	if (!path || !strcmp(path, "-"))
		return stdin;
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_error(path, "%s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		cli_error(path, "is a directory");
		fclose(f);
		return NULL;
	}
	return f;
}

void cli_close_in(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

static int isatty_path(const char *path)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK);
	int tty = fd >= 0 && isatty(fd);
	if (fd >= 0)
		close(fd);
	return tty;
}

FILE *cli_out_open(cli_out *o, const char *path, int binary)
{
	memset(o, 0, sizeof *o);
	if (!path || !strcmp(path, "-")) {
		if (binary && isatty(STDOUT_FILENO)) {
			cli_error(NULL, "refusing to write binary data to a terminal; use -o FILE or a pipe");
			return NULL;
		}
		o->f = stdout;
		return o->f;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		cli_error(path, "is a directory");
		return NULL;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a device or pipe (/dev/stderr, a FIFO): write to it; renaming a temporary
		 * file over it would replace the device node itself */
		if (binary && S_ISCHR(st.st_mode) && isatty_path(path)) {
			cli_error(NULL, "refusing to write binary data to a terminal; use -o FILE or a pipe");
			return NULL;
		}
		o->f = fopen(path, "wb");
		if (!o->f)
			cli_error(path, "cannot open: %s", strerror(errno));
		return o->f;
	}
	size_t n = strlen(path) + 32;
	o->path = strdup(path);
	o->tmp = malloc(n);
	if (!o->path || !o->tmp) {
		cli_error(path, "out of memory");
		goto fail;
	}
	/* the temporary name sits in the target's directory, so rename() is atomic */
	snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		cli_error(path, "cannot create: %s", strerror(errno));
		goto fail;
	}
	fchmod(fd, 0644 & ~0022);
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		close(fd);
		unlink(o->tmp);
		cli_error(path, "cannot create: %s", strerror(errno));
		goto fail;
	}
	return o->f;
fail:
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof *o);
	return NULL;
}

int cli_out_commit(cli_out *o)
{
	if (!o->f)
		return -1;
	if (!o->path) { /* standard output (closed by cli_finish) or a device written directly */
		int rc = fflush(o->f) == 0 && !ferror(o->f) ? 0 : -1;
		if (o->f != stdout && fclose(o->f) != 0)
			rc = -1;
		if (rc)
			cli_error(o->f == stdout ? "<stdout>" : NULL, "write error: %s", strerror(errno));
		o->f = NULL;
		return rc;
	}
	int bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
	bad |= fclose(o->f) != 0;
	o->f = NULL;
	if (bad || rename(o->tmp, o->path) != 0) {
		cli_error(o->path, "write error: %s", strerror(errno));
		unlink(o->tmp);
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return -1;
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return 0;
}

void cli_out_abort(cli_out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

int cli_finish(int status)
{
	if (fclose(stdout) != 0 && status == 0) {
		fprintf(stderr, "%s: error: <stdout>: write error: %s\n", prog, strerror(errno));
		return EXIT_DATA;
	}
	return status;
}

/* the stage on the progress line now (its text up to a comma), "" when none */
static char progress_stage[128];

void cli_progress(const cli_common *c, const char *what, int64_t done, int64_t total)
{
	if (c->quiet || !isatty(STDERR_FILENO))
		return;
	/* a new stage starts a new line, so the stages stay on the screen as a log; updates
	 * of one stage overwrite its line (the terminal clears the rest of it) */
	size_t len = strcspn(what, ",");
	if (len >= sizeof progress_stage)
		len = sizeof progress_stage - 1;
	if (progress_stage[0] && (strncmp(progress_stage, what, len) || progress_stage[len]))
		fputc('\n', stderr);
	memcpy(progress_stage, what, len);
	progress_stage[len] = 0;
	if (done < 0)
		fprintf(stderr, "\r%s ...\033[K", what);
	else if (total > 0)
		fprintf(stderr, "\r%s: %lld/%lld\033[K", what, (long long)done, (long long)total);
	else
		fprintf(stderr, "\r%s: %lld\033[K", what, (long long)done);
}

void cli_progress_cb(void *ctx, const char *stage, int64_t done, int64_t total)
{
	cli_progress(ctx, stage, done, total);
}

void cli_progress_end(const cli_common *c)
{
	if (!c->quiet && isatty(STDERR_FILENO) && progress_stage[0])
		fputc('\n', stderr);
	progress_stage[0] = 0;
}
