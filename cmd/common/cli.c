/*
 * Shared command-line plumbing for the li-* programs (see cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *prog = "li";

/* A corrupted HDF5 file that crashes libhdf5 while the library reads it (see h5attr.h):
 * one line naming the file, exit 1. Runs in a signal handler: write(2) and _exit only. */
static void h5_crash(const char *path)
{
	const char *parts[] = {prog, ": error: ", path, ": corrupted HDF5 file\n"};
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		size_t n = strlen(parts[i]), done = 0;
		while (done < n) {
			ssize_t k = write(STDERR_FILENO, parts[i] + done, n - done);
			if (k <= 0)
				break;
			done += (size_t)k;
		}
	}
	_exit(EXIT_DATA);
}

void cli_init(const char *p)
{
	prog = p;
	li_h5_on_crash(h5_crash);
	opterr = 0; /* getopt's own messages lack "error:": cli_getopt prints ours */
}

const char *cli_prog(void)
{
	return prog;
}

/* Writes s with every control character escaped (a newline as \\n, ESC as \\x1b), so an
 * error stays one line and a name from an input cannot move the terminal's cursor. */
static void put_escaped(FILE *m, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			fputs("\\n", m);
		else if (c == '\t')
			fputs("\\t", m);
		else if (c == '\r')
			fputs("\\r", m);
		else if (c < 0x20 || c == 0x7f)
			fprintf(m, "\\x%02x", c);
		else
			fputc(c, m);
	}
}

/*
 * The one error printer: "li-NAME: error: FILE: what" (FILE left out when NULL), then
 * hint when given, as one line written at once. Nothing is cut: the line is built in
 * memory whatever its length.
 */
static void print_line(const char *file, const char *hint, const char *fmt, va_list ap)
{
	char *msg = NULL, *line = NULL;
	size_t len = 0;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	FILE *m = open_memstream(&line, &len);
	if (!m || !msg) {
		if (m)
			fclose(m);
		free(line);
		fprintf(stderr, "%s: error: %s%sout of memory\n", prog, file ? file : "",
			file ? ": " : "");
		free(msg);
		return;
	}
	fprintf(m, "%s: error: ", prog);
	if (file) {
		put_escaped(m, file);
		fputs(": ", m);
	}
	put_escaped(m, msg);
	if (hint)
		fputs(hint, m);
	fputc('\n', m);
	fclose(m);
	fwrite(line, 1, len, stderr);
	fflush(stderr);
	free(line);
	free(msg);
}

void cli_error(const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_line(file, NULL, fmt, ap);
	va_end(ap);
}

int cli_fail(const char *file, const li_err *err)
{
	/* LI_EEND: the stream ended before its first byte (lib/npy.c words it "empty
	 * file"); a code without a message gets the same words */
	const char *msg = err->msg[0] ? err->msg
			  : err->code == LI_EEND ? "empty file" : "failed (no reason given)";
	cli_error(file, "%s", msg);
	return cli_status(err);
}

void cli_usage_error(const char *fmt, ...)
{
	char hint[128];
	snprintf(hint, sizeof hint, " (try '%s --help')", prog);
	va_list ap;
	va_start(ap, fmt);
	print_line(NULL, hint, fmt, ap);
	va_end(ap);
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

/* cli_parse_double of the text from s up to stop (strtod never reads a ':'): no copy, so
 * an option cannot fail for want of memory */
static int parse_double_to(const char *s, const char *stop, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (s == stop || end != stop || errno || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int cli_parse_range(const char *s, double r[2], int flags)
{
	const char *colon = strchr(s, ':');
	if (!colon || strchr(colon + 1, ':'))
		return -1;
	r[0] = -INFINITY;
	r[1] = INFINITY;
	int bad = (colon > s || !(flags & CLI_RANGE_OPEN)) && parse_double_to(s, colon, &r[0]);
	bad |= (colon[1] || !(flags & CLI_RANGE_OPEN)) && cli_parse_double(colon + 1, &r[1]);
	if (bad)
		return -1;
	if ((flags & CLI_RANGE_F32) && (fabs(r[0]) > FLT_MAX || fabs(r[1]) > FLT_MAX) &&
	    !(flags & CLI_RANGE_OPEN))
		return -1;
	if ((flags & CLI_RANGE_ASCENDING) ? !(r[0] < r[1])
	    : !(flags & CLI_RANGE_DESCENDING) && !(r[0] <= r[1]))
		return -1;
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
	case '?': /* a program that calls getopt_long itself; cli_getopt says more */
		cli_usage_error("an unknown option, or an option without its value");
	default:
		return 0;
	}
}

/* The usage error for the option getopt_long just refused (see cli_getopt). */
static void bad_option(int argc, char **argv, const char *shortopts,
		       const struct option *longopts)
{
	const char *a = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	if (!strncmp(a, "--", 2)) {
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		const struct option *hit = NULL;
		int matches = 0;
		for (const struct option *o = longopts; o && o->name; o++) {
			if (strncmp(o->name, name, n))
				continue;
			if (strlen(o->name) == n) { /* exact */
				hit = o;
				matches = 1;
				break;
			}
			hit = o;
			matches++;
		}
		/* a long option's own error (glibc sets optopt to its value): it fits */
		if (matches == 1 && (optopt == 0 || optopt == hit->val)) {
			if (eq && hit->has_arg == no_argument)
				cli_usage_error("option '--%s' takes no value", hit->name);
			cli_usage_error("option '--%s' needs a value", hit->name);
		}
		if (optopt == 0) {
			if (matches > 1)
				cli_usage_error("option '--%.*s' is ambiguous", (int)n, name);
			cli_usage_error("unknown option '--%.*s'", (int)n, name);
		}
	}
	if (optopt && optopt != ':' && strchr(shortopts, optopt))
		cli_usage_error("option '-%c' needs a value", optopt);
	cli_usage_error("unknown option '-%c'", optopt);
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	opterr = 0;
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?' || c == ':')
		bad_option(argc, argv, shortopts, longopts);
	return c;
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

static const char *refuse_tty = "refusing to write binary data to a terminal; use -o FILE or a pipe";

/* A temporary file named after base ("base.tmp.XXXXXX"), opened for writing; -1 on failure. */
static int make_tmp(const char *base, char **tmp)
{
	size_t n = strlen(base) + 16;
	*tmp = malloc(n);
	if (!*tmp)
		return -1;
	snprintf(*tmp, n, "%s.tmp.XXXXXX", base);
	int fd = mkstemp(*tmp);
	if (fd < 0) {
		int e = errno;
		free(*tmp);
		*tmp = NULL;
		errno = e;
		return -1;
	}
	/* mkstemp makes the file 0600; an output is an ordinary file */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	return fd;
}

/*
 * Everything cli_out_open and cli_out_open_name share: classifies the target (standard
 * output, a directory, a device or FIFO, a regular file or a new name) and makes the
 * temporary file. by_name: the library writes the file by its name (HDF5, .mat), so a
 * non-regular target gets a private temporary file too, copied to it at commit.
 */
static int out_open(cli_out *o, const char *path, int binary, int by_name)
{
	memset(o, 0, sizeof *o);
	o->by_name = by_name;
	int fd = -1;
	if (!path || !strcmp(path, "-")) {
		o->name = "<stdout>";
		if (binary && isatty(STDOUT_FILENO)) {
			cli_error(NULL, "%s", refuse_tty);
			return -1;
		}
		if (!by_name) {
			o->f = stdout;
			return 0;
		}
		o->through = 1;
	} else {
		o->name = path;
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			cli_error(path, "is a directory");
			return -1;
		}
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			/* a device or FIFO: written through; a temporary file renamed over it
			 * would replace the node itself */
			if (binary && S_ISCHR(st.st_mode) && isatty_path(path)) {
				cli_error(NULL, "%s", refuse_tty);
				return -1;
			}
			o->through = 1;
			if (!by_name) {
				o->f = fopen(path, "wb");
				if (!o->f) {
					cli_error(path, "cannot open: %s", strerror(errno));
					return -1;
				}
				return 0;
			}
		}
	}
	if (o->through) {
		/* a private file the library can write by name, copied over at commit */
		const char *dir = getenv("TMPDIR");
		char base[4096];
		snprintf(base, sizeof base, "%s/li-out", dir && *dir ? dir : "/tmp");
		fd = make_tmp(base, &o->tmp);
	} else {
		o->path = strdup(path);
		/* beside the target, so that rename() is atomic */
		fd = o->path ? make_tmp(path, &o->tmp) : -1;
	}
	if (fd < 0) {
		cli_error(o->name, "cannot create: %s", o->path || o->through ? strerror(errno)
							: "out of memory");
		goto fail;
	}
	if (by_name) {
		close(fd);
		return 0;
	}
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		cli_error(o->name, "cannot create: %s", strerror(errno));
		close(fd);
		goto fail;
	}
	return 0;
fail:
	if (o->tmp)
		unlink(o->tmp);
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof *o);
	return -1;
}

FILE *cli_out_open(cli_out *o, const char *path, int binary)
{
	return out_open(o, path, binary, 0) ? NULL : o->f;
}

const char *cli_out_open_name(cli_out *o, const char *path)
{
	return out_open(o, path, 1, 1) ? NULL : o->tmp;
}

/* Copies the finished temporary file to the target named by o (standard output, a FIFO or
 * a device). 0, or -1 with errno set. */
static int copy_through(const cli_out *o)
{
	FILE *in = fopen(o->tmp, "rb"), *out = NULL;
	int rc = -1;
	if (!in)
		return -1;
	out = o->path ? NULL : !strcmp(o->name, "<stdout>") ? stdout : fopen(o->name, "wb");
	if (!out)
		goto done;
	char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			goto done;
	rc = ferror(in) || fflush(out) != 0 ? -1 : 0;
done:
	if (out && out != stdout && fclose(out) != 0)
		rc = -1;
	fclose(in);
	return rc;
}

/* Closes o's stream (if any): 0, or -1 with errno set when a write failed. */
static int out_close(cli_out *o)
{
	if (!o->f)
		return 0;
	int bad = ferror(o->f) || fflush(o->f) != 0;
	if (!bad && o->path && fsync(fileno(o->f)) != 0)
		bad = 1;
	int e = errno;
	if (o->f != stdout && fclose(o->f) != 0) {
		e = errno;
		bad = 1;
	}
	o->f = NULL;
	if (bad && !e)
		e = EIO;
	errno = e;
	return bad ? -1 : 0;
}

static void out_free(cli_out *o)
{
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

/* Finishes o up to (not including) the rename; prints the error line on failure. */
static int out_finish(cli_out *o)
{
	if (out_close(o) != 0 || (o->through && o->tmp && copy_through(o) != 0)) {
		cli_error(o->name, "write error: %s", strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

int cli_out_commit(cli_out *o)
{
	if (!o->name)
		return -1;
	int rc = out_finish(o);
	if (rc == 0 && o->path && rename(o->tmp, o->path) != 0) {
		cli_error(o->name, "cannot rename into place: %s", strerror(errno));
		rc = -1;
	}
	if (rc == 0 && o->path) {
		free(o->tmp);
		o->tmp = NULL;
	}
	out_free(o);
	return rc;
}

int cli_out_commit_all(cli_out *o, int n)
{
	int rc = 0, i;
	for (i = 0; i < n && rc == 0; i++)
		rc = out_finish(&o[i]);
	/*
	 * Now the renames, each after a hard link keeps the old file (a backup beside it):
	 * when one fails, the ones already renamed are rolled back, so the old files stay.
	 * Targets written through (standard output, FIFOs, devices) cannot be rolled back;
	 * they were written above.
	 */
	char **bak = calloc((size_t)n, sizeof *bak);
	if (!bak && rc == 0) {
		cli_error(NULL, "out of memory");
		rc = -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (!o[i].path)
			continue;
		struct stat st;
		if (lstat(o[i].path, &st) == 0) {
			int fd = make_tmp(o[i].path, &bak[i]);
			if (fd >= 0) {
				close(fd);
				unlink(bak[i]);
			}
			if (fd < 0 || link(o[i].path, bak[i]) != 0) {
				cli_error(o[i].name, "cannot keep the old file: %s", strerror(errno));
				free(bak[i]);
				bak[i] = NULL;
				rc = -1;
				break;
			}
		}
		if (rename(o[i].tmp, o[i].path) != 0) {
			cli_error(o[i].name, "cannot rename into place: %s", strerror(errno));
			rc = -1;
			break;
		}
		free(o[i].tmp);
		o[i].tmp = NULL;
	}
	if (rc) { /* roll back what was renamed (i is the one that failed) */
		for (int j = i - 1; j >= 0; j--) {
			if (!o[j].path || o[j].tmp)
				continue;
			if (bak && bak[j])
				rename(bak[j], o[j].path);
			else
				unlink(o[j].path);
		}
	}
	for (i = 0; i < n; i++) {
		if (bak && bak[i]) {
			unlink(bak[i]);
			free(bak[i]);
		}
		out_free(&o[i]);
	}
	free(bak);
	return rc;
}

void cli_out_abort(cli_out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	out_free(o);
}

/* The canonical name of path, existing or not: its folder resolved, then its own name;
 * NULL when the folder does not exist. Caller frees. */
static char *canon(const char *path)
{
	char *r = realpath(path, NULL);
	if (r)
		return r;
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path + (slash == path))) : strdup(".");
	char *rdir = dir ? realpath(dir, NULL) : NULL;
	free(dir);
	if (!rdir)
		return NULL;
	if (asprintf(&r, "%s/%s", rdir, slash ? slash + 1 : path) < 0)
		r = NULL;
	free(rdir);
	return r;
}

int cli_same_file(const char *a, const char *b)
{
	if (!a || !b || !strcmp(a, "-") || !strcmp(b, "-"))
		return 0;
	if (!strcmp(a, b))
		return 1;
	struct stat sa, sb;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	char *ca = canon(a), *cb = canon(b);
	int same = ca && cb && !strcmp(ca, cb);
	free(ca);
	free(cb);
	return same;
}

int cli_finish(int status)
{
	if (fclose(stdout) != 0 && status == 0) {
		cli_error("<stdout>", "write error: %s", strerror(errno));
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

static void progress_cb(void *ctx, const char *stage, int64_t done, int64_t total)
{
	cli_progress(ctx, stage, done, total);
}

li_progress cli_progress_for(const cli_common *c)
{
	if (c->quiet || !isatty(STDERR_FILENO))
		return (li_progress){NULL, NULL};
	return (li_progress){progress_cb, (void *)c};
}

void cli_progress_end(const cli_common *c)
{
	if (!c->quiet && isatty(STDERR_FILENO) && progress_stage[0])
		fputc('\n', stderr);
	progress_stage[0] = 0;
}
