/*
 * The live gnuplot session (gnuplot_live.h). gnuplot's standard output and standard
 * error both come back through one pipe; the lines this file asks gnuplot to print carry
 * a marker ("LI-SYNC n", "LI-EVENT ...") and every other line is gnuplot talking (kept as
 * the last message, for the error when gnuplot exits, and the first since the last sync,
 * for li_gplive_said). gnuplot reading commands from a pipe reports a refused command
 * and goes on, so a caller checks li_gplive_said after a sync that matters.
 *
 * Events: `pause mouse button1,keypress,close` returns on a left click, a key or the
 * window closing (the right button's zoom and the wheel's pan keep working during the
 * pause). gnuplot then defines MOUSE_BUTTON for a click, MOUSE_KEY/MOUSE_CHAR for a key
 * and -1 in both when the window closed, and leaves the others undefined, hence the
 * exists() guards: a command using an undefined variable would end gnuplot.
 */
#include "gnuplot_live.h"
#include "gnuplot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

struct li_gplive {
	pid_t pid;
	FILE *to;          /* gnuplot's standard input */
	FILE *from;        /* its standard output and error */
	char dir[256];
	char last[512];    /* gnuplot's last message */
	char said[512];    /* its first message since the last sync began ("" if none) */
	int dead;
	unsigned sync;
};

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char p[512];
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir(dir);
}

li_gplive *li_gplive_start(li_err *err)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	li_gplive *g = calloc(1, sizeof *g);
	if (!g) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(g->dir, sizeof g->dir, "%s/li-gplive-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g->dir)) {
		li_err_set(err, LI_EIO, "cannot make a temporary folder: %s", strerror(errno));
		free(g);
		return NULL;
	}
	const char *prog = getenv("LI_GNUPLOT");
	if (!prog || !*prog)
		prog = "gnuplot";
	if (pipe(in) || pipe(out)) {
		li_err_set(err, LI_EIO, "cannot make a pipe: %s", strerror(errno));
		goto fail;
	}
	fflush(NULL);
	g->pid = fork();
	if (g->pid < 0) {
		li_err_set(err, LI_EIO, "cannot start gnuplot: %s", strerror(errno));
		goto fail;
	}
	if (g->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execlp(prog, prog, (char *)NULL);
		dprintf(1, "cannot run '%s' (install gnuplot-x11): %s\n", prog, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	g->to = fdopen(in[1], "w");
	g->from = fdopen(out[0], "r");
	if (!g->to || !g->from) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		li_gplive_close(g);
		return NULL;
	}
	li_gplive_printf(g, "set print '-'\n");
	return g;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	remove_dir(g->dir);
	free(g);
	return NULL;
}

void li_gplive_close(li_gplive *g)
{
	if (!g)
		return;
	if (g->to) {
		if (!g->dead)
			fputs("\nquit\n", g->to);
		fclose(g->to);
	}
	if (g->from)
		fclose(g->from);
	if (g->pid > 0)
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
	remove_dir(g->dir);
	free(g);
}

const char *li_gplive_dir(const li_gplive *g)
{
	return g->dir;
}

void li_gplive_printf(li_gplive *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(g->to, fmt, ap);
	va_end(ap);
}

void li_gplive_quote(li_gplive *g, const char *s)
{
	li_gnuplot_quote_to(g->to, s); /* the one rule (gnuplot.c); a write error shows later */
}

/* Reads lines until one starts with marker; its rest goes to buf. 0, or -1 at EOF. */
static int read_until(li_gplive *g, const char *marker, char *buf, size_t n, li_err *err)
{
	char line[1024];
	size_t ml = strlen(marker);
	while (fgets(line, sizeof line, g->from)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!strncmp(line, marker, ml)) {
			snprintf(buf, n, "%s", line + ml);
			return 0;
		}
		/* gnuplot's own words: keep the last one that says something */
		const char *p = line;
		while (*p == ' ' || *p == '^')
			p++;
		if (*p && strncmp(p, "gnuplot>", 8)) {
			snprintf(g->last, sizeof g->last, "%.500s", p);
			if (!g->said[0])
				snprintf(g->said, sizeof g->said, "%.500s", p);
		}
	}
	g->dead = 1;
	return li_err_set(err, LI_EDATA, "gnuplot ended: %s",
			  g->last[0] ? g->last : "without a message");
}

/* Writing failed: gnuplot has gone. Its last words are still in the pipe (a gnuplot that
 * could not be started says why there), so read them before reporting. */
static int broken(li_gplive *g, li_err *err)
{
	char line[1024];
	if (!g->dead)
		while (fgets(line, sizeof line, g->from)) {
			line[strcspn(line, "\r\n")] = 0;
			if (line[0] && strncmp(line, "LI-", 3))
				snprintf(g->last, sizeof g->last, "%.500s", line);
		}
	g->dead = 1;
	return li_err_set(err, LI_EIO, "gnuplot ended: %s", g->last[0] ? g->last : "broken pipe");
}

int li_gplive_sync(li_gplive *g, li_err *err)
{
	if (g->dead)
		return li_err_set(err, LI_EDATA, "gnuplot has ended: %s", g->last);
	char want[64], got[64];
	g->said[0] = 0;
	snprintf(want, sizeof want, "%u", ++g->sync);
	fprintf(g->to, "\nprint 'LI-SYNC %s'\n", want);
	if (fflush(g->to))
		return broken(g, err);
	do {
		if (read_until(g, "LI-SYNC ", got, sizeof got, err))
			return -1;
	} while (strcmp(got, want));
	return 0;
}

const char *li_gplive_said(const li_gplive *g)
{
	return g->said[0] ? g->said : NULL;
}

int li_gplive_wait(li_gplive *g, li_gplive_event *ev, li_err *err)
{
	if (li_gplive_sync(g, err))
		return -1;
	fputs("pause mouse button1,keypress,close\n"
	      "print sprintf('LI-EVENT %s %s %s %s', "
	      "exists('MOUSE_BUTTON') ? sprintf('%d', MOUSE_BUTTON) : 'n', "
	      "exists('MOUSE_KEY') ? sprintf('%d', MOUSE_KEY) : 'n', "
	      "exists('MOUSE_X') ? sprintf('%.17g', MOUSE_X) : 'nan', "
	      "exists('MOUSE_Y') ? sprintf('%.17g', MOUSE_Y) : 'nan')\n", g->to);
	if (fflush(g->to))
		return broken(g, err);
	char buf[256], b[32], k[32], x[64], y[64];
	if (read_until(g, "LI-EVENT ", buf, sizeof buf, err))
		return -1;
	if (sscanf(buf, "%31s %31s %63s %63s", b, k, x, y) != 4)
		return li_err_set(err, LI_EDATA, "gnuplot sent '%s'", buf);
	ev->x = strtod(x, NULL);
	ev->y = strtod(y, NULL);
	ev->key = 0;
	if (!strcmp(b, "-1") || !strcmp(k, "-1") || (!strcmp(b, "n") && !strcmp(k, "n"))) {
		ev->kind = LI_GPLIVE_CLOSE;
	} else if (strcmp(b, "n")) {
		ev->kind = LI_GPLIVE_CLICK;
	} else {
		ev->kind = LI_GPLIVE_KEY;
		ev->key = atoi(k);
	}
	return 0;
}
