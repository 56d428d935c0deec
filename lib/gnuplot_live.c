/*
 * The live gnuplot session (gnuplot_live.h). gnuplot's standard output and standard
 * error both come back through one pipe; the lines this file asks gnuplot to print carry
 * a marker ("LI-SYNC n", "LI-EVENT ...", "LI-RANGE ...") and every other line is gnuplot
 * talking (kept as the last message, for the error when gnuplot exits, and the first
 * since the last sync, for li_gplive_said). gnuplot reading commands from a pipe reports
 * a refused command and goes on, so a caller checks li_gplive_said after a sync that
 * matters.
 *
 * Events. `pause mouse` loses clicks, for two reasons in gnuplot's mouse.c: a click
 * gnuplot handles while it is not paused (while it draws, or while we compute the answer
 * to the previous click and have not sent the next pause) runs Button1's binding, by
 * default none, and is gone; and a click in a window that is not gnuplot's current one
 * (the map, while an output window was drawn) arrives as an "old" event, which gnuplot
 * ignores. So events come from bindings instead (`bind Button1`, `bind Close`, keys):
 * gnuplot runs them whenever it handles the event, and it handles the X events queued
 * while it was busy, in order, as soon as it waits for input again; each prints an
 * "LI-EVENT" line, which waits in the pipe until li_gplive_wait reads it (lines read
 * while waiting for something else are queued here). A caller that draws in a second
 * window keeps it in a second session, so that the window with the bindings stays the
 * current one.
 */
#include "gnuplot_live.h"
#include "gnuplot.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct li_gplive {
	pid_t pid;
	FILE *to;          /* gnuplot's standard input */
	FILE *from;        /* its standard output and error */
	char last[512];    /* gnuplot's last message */
	char said[512];    /* its first message since the last sync began ("" if none) */
	int dead;
	unsigned sync;
	li_gnuplot *shown; /* the picture in the window */
	char *term;        /* the terminal line in force */
	li_gplive_event *queue;  /* events read while waiting for something else */
	int q_first, n_queue, m_queue;
};

li_gplive *li_gplive_start(li_err *err)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	li_gplive *g = calloc(1, sizeof *g);
	if (!g) {
		li_err_set(err, LI_ENOMEM, "out of memory");
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
	li_gnuplot_free(g->shown);
	free(g->term);
	free(g->queue);
	free(g);
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

/* "click X Y", "key N", "close" (what the bindings print) into ev. 0 or -1. */
static int parse_event(const char *s, li_gplive_event *ev)
{
	char x[64], y[64];
	ev->key = 0;
	ev->x = ev->y = NAN;
	if (sscanf(s, "click %63s %63s", x, y) == 2) {
		ev->kind = LI_GPLIVE_CLICK;
		ev->x = strtod(x, NULL);
		ev->y = strtod(y, NULL);
	} else if (sscanf(s, "key %d", &ev->key) == 1) {
		ev->kind = LI_GPLIVE_KEY;
	} else if (!strcmp(s, "close")) {
		ev->kind = LI_GPLIVE_CLOSE;
	} else {
		return -1;
	}
	return 0;
}

static int enqueue(li_gplive *g, const li_gplive_event *ev, li_err *err)
{
	if (g->q_first + g->n_queue == g->m_queue) {
		if (g->q_first) { /* room at the front: move the waiting ones there */
			memmove(g->queue, g->queue + g->q_first, sizeof *g->queue * (size_t)g->n_queue);
			g->q_first = 0;
		} else {
			int m = g->m_queue ? 2 * g->m_queue : 16;
			li_gplive_event *q = realloc(g->queue, sizeof *q * (size_t)m);
			if (!q)
				return li_err_set(err, LI_ENOMEM, "out of memory");
			g->queue = q;
			g->m_queue = m;
		}
	}
	g->queue[g->q_first + g->n_queue++] = *ev;
	return 0;
}

/* Reads lines until one starts with marker; its rest goes to buf. Events on the way are
 * queued. 0, or negative with err set at EOF. */
static int read_until(li_gplive *g, const char *marker, char *buf, size_t n, li_err *err)
{
	char line[1024];
	size_t ml = strlen(marker);
	li_gplive_event ev;
	while (fgets(line, sizeof line, g->from)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!strncmp(line, marker, ml)) {
			snprintf(buf, n, "%s", line + ml);
			return 0;
		}
		if (!strncmp(line, "LI-EVENT ", 9) && !parse_event(line + 9, &ev)) {
			if (enqueue(g, &ev, err))
				return -1;
			continue;
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

/*
 * Sends a picture's script as one command line. gnuplot handles the X events waiting for
 * it between the characters it reads, so a click handled between two lines of a picture
 * would meet a half-made state (the axes just reset); within one line it is handled
 * before the line runs, against the picture the user saw. The terminal line is left out
 * when it is the one already in force (reset keeps it): setting it again would restart
 * the window's font query, during which gnuplot handles events in the middle of a plot.
 */
static int send_picture(li_gplive *g, li_gnuplot *picture, li_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	int rc = li_gnuplot_write_script(picture, f, err);
	if (fclose(f) && !rc)
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
	if (rc) {
		free(text);
		return rc;
	}
	const char *p = text;
	size_t first = strcspn(text, "\n");
	if (!strncmp(text, "set terminal ", 13)) {
		if (g->term && strlen(g->term) == first && !strncmp(g->term, text, first)) {
			p += first + (text[first] == '\n');
		} else {
			free(g->term);
			if (!(g->term = strndup(text, first))) {
				free(text);
				return li_err_set(err, LI_ENOMEM, "out of memory");
			}
		}
	}
	fputs("reset; set print '-'; ", g->to);
	for (; *p; p++) {
		if (*p == '\\' && p[1] == '\n') /* a continued line */
			fputc(' ', g->to), p++;
		else if (*p == '\n')
			fputs("; ", g->to);
		else
			fputc(*p, g->to);
	}
	fputc('\n', g->to);
	free(text);
	return 0;
}

int li_gplive_show(li_gplive *g, li_gnuplot *picture, li_err *err)
{
	if (g->dead) {
		li_gnuplot_free(picture);
		return li_err_set(err, LI_EDATA, "gnuplot has ended: %s", g->last);
	}
	if (send_picture(g, picture, err)) {
		li_gnuplot_free(picture);
		return -1;
	}
	int rc = li_gplive_sync(g, err);
	/* only now is the old picture's data no longer read */
	li_gnuplot_free(g->shown);
	g->shown = picture;
	return rc;
}

int li_gplive_ranges(li_gplive *g, double r[4], li_err *err)
{
	char buf[300];
	if (g->dead)
		return li_err_set(err, LI_EDATA, "gnuplot has ended: %s", g->last);
	fputs("print exists('GPVAL_X_MIN') ? sprintf('LI-RANGE %.17g %.17g %.17g %.17g', "
	      "GPVAL_X_MIN, GPVAL_X_MAX, GPVAL_Y_MIN, GPVAL_Y_MAX) : 'LI-RANGE none'\n", g->to);
	if (fflush(g->to))
		return broken(g, err);
	if (read_until(g, "LI-RANGE ", buf, sizeof buf, err))
		return -1;
	return sscanf(buf, "%lf %lf %lf %lf", &r[0], &r[1], &r[2], &r[3]) == 4 ? 0 : 1;
}

int li_gplive_listen(li_gplive *g, const char *keys, li_err *err)
{
	for (const char *k = keys; *k; k++)
		if (!isalnum((unsigned char)*k))
			return li_err_set(err, LI_EUSAGE, "key '%c' cannot be an event", *k);
	fputs("bind 'Button1' 'print sprintf(\"LI-EVENT click %.17g %.17g\", MOUSE_X, MOUSE_Y)'\n"
	      "bind 'Close' 'print \"LI-EVENT close\"'\n", g->to);
	for (const char *k = keys; *k; k++)
		fprintf(g->to, "bind '%c' 'print \"LI-EVENT key %d\"'\n", *k, *k);
	return 0;
}

int li_gplive_wait(li_gplive *g, li_gplive_event *ev, li_err *err)
{
	char buf[256];
	if (g->n_queue) {
		*ev = g->queue[g->q_first++];
		if (!--g->n_queue)
			g->q_first = 0;
		return 0;
	}
	if (g->dead)
		return li_err_set(err, LI_EDATA, "gnuplot has ended: %s", g->last);
	if (fflush(g->to))
		return broken(g, err);
	for (;;) {
		if (read_until(g, "LI-EVENT ", buf, sizeof buf, err))
			return -1;
		if (!parse_event(buf, ev))
			return 0;
	}
}
