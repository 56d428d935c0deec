/*
 * The gnuplot session (see gnuplot.h). The script is built with open_memstream, data
 * goes to files named data0.bin, data1.bin, ... in a mkdtemp folder, and gnuplot runs
 * through posix_spawnp with standard input from /dev/null and its standard output and
 * error captured in the folder, so a refused script is reported with gnuplot's words.
 *
 * Data is always passed as binary files (format='%float32' ...), never inline text:
 * 100,000 points cost 800 kB of memcpy instead of a million printf calls, and no data
 * value can be read as a command.
 */
#include "gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct li_gnuplot {
	char *dir;          /* the session folder */
	char *script_buf;   /* open_memstream's buffer */
	size_t script_len;
	FILE *script;       /* NULL after a failure to create it */
	int oom;            /* a script write failed */
	char **files;       /* data file paths */
	int n_files, m_files;
	char *out_path;     /* dir/out */
	li_gnuplot_window window;  /* where a live gnuplot shows it (window.title set) */
};

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

li_gnuplot *li_gnuplot_new(li_err *err)
{
	li_gnuplot *g = calloc(1, sizeof *g);
	if (!g) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	g->dir = join(tmp, "li-gnuplot.XXXXXX");
	if (!g->dir) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	if (!mkdtemp(g->dir)) {
		li_err_set(err, LI_EIO, "cannot make a temporary folder in '%s': %s", tmp,
			   strerror(errno));
		free(g->dir);
		g->dir = NULL;
		goto fail;
	}
	g->out_path = join(g->dir, "out");
	g->script = open_memstream(&g->script_buf, &g->script_len);
	if (!g->out_path || !g->script) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	return g;
fail:
	li_gnuplot_free(g);
	return NULL;
}

static void remove_file(const char *dir, const char *name)
{
	char *p = join(dir, name);
	if (p)
		unlink(p);
	free(p);
}

void li_gnuplot_free(li_gnuplot *g)
{
	if (!g)
		return;
	if (g->script)
		fclose(g->script);
	free(g->script_buf);
	for (int i = 0; i < g->n_files; i++) {
		unlink(g->files[i]);
		free(g->files[i]);
	}
	free(g->files);
	if (g->dir) {
		remove_file(g->dir, "out");
		remove_file(g->dir, "script.gp");
		remove_file(g->dir, "stdout");
		remove_file(g->dir, "stderr");
		rmdir(g->dir);
	}
	free(g->dir);
	free(g->out_path);
	free((char *)g->window.title);
	free(g);
}

void li_gnuplot_printf(li_gnuplot *g, const char *fmt, ...)
{
	va_list ap;
	if (!g->script)
		return;
	va_start(ap, fmt);
	if (vfprintf(g->script, fmt, ap) < 0)
		g->oom = 1;
	va_end(ap);
}

/*
 * The one quoting rule for gnuplot (scripts and the live session): a double-quoted
 * string in which every character that could mean something is written as an octal
 * escape: both quotes, the backslash, the backquote (command substitution) and '@'
 * (macros); control characters, which would end the command, become spaces. The
 * single-quoted form ('' for a quote) fails on text that begins with a quote: gnuplot
 * reads the leading '' as an empty string.
 */
int li_gnuplot_quote_to(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\'' || c == '"' || c == '\\' || c == '`' || c == '@')
			fprintf(f, "\\%03o", c);
		else
			fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
	return fputc('"', f) == EOF ? -1 : 0;
}

void li_gnuplot_quote(li_gnuplot *g, const char *s)
{
	if (g->script && li_gnuplot_quote_to(g->script, s))
		g->oom = 1;
}

const char *li_gnuplot_file(li_gnuplot *g, const char *name, li_err *err)
{
	if (g->n_files == g->m_files) {
		int m = g->m_files ? 2 * g->m_files : 8;
		char **f = realloc(g->files, (size_t)m * sizeof *f);
		if (!f) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			return NULL;
		}
		g->files = f;
		g->m_files = m;
	}
	char *path = join(g->dir, name);
	if (!path) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	return g->files[g->n_files++] = path;
}

const char *li_gnuplot_data(li_gnuplot *g, const void *data, size_t n, li_err *err)
{
	char name[32];
	snprintf(name, sizeof name, "data%d.bin", g->n_files);
	const char *path = li_gnuplot_file(g, name, err);
	if (!path)
		return NULL;
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f)) {
		int e = errno;
		li_err_set(err, LI_EIO, "cannot write the temporary file '%s': %s", path, strerror(e));
		return NULL;
	}
	return path;
}

const char *li_gnuplot_output_path(const li_gnuplot *g)
{
	return g->out_path;
}

int li_gnuplot_set_window(li_gnuplot *g, const li_gnuplot_window *w, li_err *err)
{
	char *t = strdup(w->title ? w->title : "gnuplot");
	if (!t)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	free((char *)g->window.title);
	g->window = *w;
	g->window.title = t;
	return 0;
}

const li_gnuplot_window *li_gnuplot_get_window(const li_gnuplot *g)
{
	return g->window.title ? &g->window : NULL;
}

int li_gnuplot_write_script(li_gnuplot *g, FILE *f, li_err *err)
{
	if (!g->script || g->oom || fflush(g->script) || ferror(g->script))
		return li_err_set(err, LI_ENOMEM, "out of memory building the gnuplot script");
	if (fwrite(g->script_buf, 1, g->script_len, f) != g->script_len)
		return li_err_set(err, LI_EIO, "cannot write to gnuplot: %s", strerror(errno));
	return 0;
}

/* The last non-empty line of gnuplot's standard error, without its "script" line N:
 * prefix, into buf. */
static void last_error_line(const char *path, char *buf, size_t n)
{
	char line[512];
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t' || *p == '^')
			p++;
		if (!*p)
			continue;
		char *q = strstr(p, "script.gp\" line ");
		if (q && (q = strchr(q + 16, ':')))
			p = q + 1 + (q[1] == ' ');
		size_t k = strlen(p);
		if (k >= n)
			k = n - 1;
		memcpy(buf, p, k);
		buf[k] = 0;
	}
	fclose(f);
}

static int copy_file(const char *path, FILE *out, li_err *err)
{
	char buf[1 << 16];
	size_t k;
	FILE *f = fopen(path, "rb");
	if (!f)
		return li_err_set(err, LI_EDATA, "gnuplot wrote no picture");
	while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
		if (fwrite(buf, 1, k, out) != k) {
			fclose(f);
			return li_err_set(err, LI_EIO, "write failed: %s", strerror(errno));
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return li_err_set(err, LI_EIO, "cannot read gnuplot's picture");
	return 0;
}

int li_gnuplot_run(li_gnuplot *g, FILE *out, li_err *err)
{
	int rc = LI_EIO;
	char *script = NULL, *so = NULL, *se = NULL;
	posix_spawn_file_actions_t fa;
	int have_fa = 0;
	if (!g->script || g->oom || fflush(g->script) || ferror(g->script))
		return li_err_set(err, LI_ENOMEM, "out of memory building the gnuplot script");
	script = join(g->dir, "script.gp");
	so = join(g->dir, "stdout");
	se = join(g->dir, "stderr");
	if (!script || !so || !se) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	FILE *f = fopen(script, "w");
	if (!f || fwrite(g->script_buf, 1, g->script_len, f) != g->script_len || fclose(f)) {
		rc = li_err_set(err, LI_EIO, "cannot write the gnuplot script: %s", strerror(errno));
		goto out;
	}
	const char *prog = getenv("LI_GNUPLOT");
	if (!prog || !*prog)
		prog = "gnuplot";
	char *argv[] = {(char *)prog, script, NULL};
	if (posix_spawn_file_actions_init(&fa)) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	have_fa = 1;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 1, so, O_WRONLY | O_CREAT | O_TRUNC, 0600) ||
	    posix_spawn_file_actions_addopen(&fa, 2, se, O_WRONLY | O_CREAT | O_TRUNC, 0600)) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	pid_t pid;
	int e = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	if (e == ENOENT) {
		rc = li_err_set(err, LI_EIO, "gnuplot not found; install the package 'gnuplot-nox' "
				"(or 'gnuplot')");
		goto out;
	}
	if (e) {
		rc = li_err_set(err, LI_EIO, "cannot run gnuplot: %s", strerror(e));
		goto out;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			rc = li_err_set(err, LI_EIO, "waiting for gnuplot: %s", strerror(errno));
			goto out;
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		char line[300];
		last_error_line(se, line, sizeof line);
		if (WIFSIGNALED(st))
			rc = li_err_set(err, LI_EDATA, "gnuplot died of signal %d", WTERMSIG(st));
		else if (line[0])
			rc = li_err_set(err, LI_EDATA, "gnuplot: %s", line);
		else
			rc = li_err_set(err, LI_EDATA, "gnuplot failed with status %d",
					WEXITSTATUS(st));
		goto out;
	}
	rc = out ? copy_file(g->out_path, out, err) : 0;
out:
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	free(script);
	free(so);
	free(se);
	return rc;
}
