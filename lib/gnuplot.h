/*
 * Driving gnuplot: a session collects a script in memory and writes data into binary
 * files in its own temporary folder, then either runs gnuplot on the script once
 * (li_gnuplot_run: a picture file) or is shown in a window of a live gnuplot
 * (gnuplot_live.h li_gplive_show). plot.c's renderers draw into either. Nothing a user
 * supplies (file names, labels, titles) reaches the script except through
 * li_gnuplot_quote(), which makes it an inert string literal.
 *
 * The session owns its folder and everything in it: li_gnuplot_free() removes them.
 * A picture drawn to li_gnuplot_output_path() is copied to the caller's FILE by
 * li_gnuplot_run(), so the caller decides where it goes (atomically, to a pipe, ...).
 */
#ifndef LI_GNUPLOT_H
#define LI_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

typedef struct li_gnuplot li_gnuplot;

/* Makes a session with a fresh temporary folder (under $TMPDIR or /tmp). NULL on
 * failure with err set. Free with li_gnuplot_free(). */
li_gnuplot *li_gnuplot_new(li_err *err);
/* Removes the session's folder and frees it. NULL allowed. */
void li_gnuplot_free(li_gnuplot *g);

/* Appends printf-style text to the script. Never pass user text through fmt or %s:
 * use li_gnuplot_quote(). Out of memory is remembered and reported by li_gnuplot_run. */
void li_gnuplot_printf(li_gnuplot *g, const char *fmt, ...) LI_PRINTF(2, 3);
/* Appends s as an inert gnuplot string (see li_gnuplot_quote_to). */
void li_gnuplot_quote(li_gnuplot *g, const char *s);
/* Writes s to f as an inert double-quoted gnuplot string: quotes, backslash, backquote and
 * '@' as octal escapes, control characters as spaces; text beginning with a quote works.
 * The one quoting rule (gnuplot_live.c uses it too). 0, or -1 on a write error. */
int li_gnuplot_quote_to(FILE *f, const char *s);

/* Where a session shown in a live gnuplot draws: x11 window `number` at (x, y) on the
 * screen, with `title` in its title bar; with the mouse on when `mouse` is set (for
 * clicks, zoom and keys), else a window that only shows. */
typedef struct li_gnuplot_window {
	int number, x, y;
	const char *title;
	int mouse;
} li_gnuplot_window;
/* Makes the session draw into that window instead of a picture file (w is copied).
 * 0, or LI_ENOMEM with err set. */
int li_gnuplot_set_window(li_gnuplot *g, const li_gnuplot_window *w, li_err *err);
/* The window the session draws into; NULL when it draws a picture file. Borrowed. */
const li_gnuplot_window *li_gnuplot_get_window(const li_gnuplot *g);

/* Writes n bytes into a new data file of the session and returns its path (borrowed:
 * valid until li_gnuplot_free), or NULL with err set. */
const char *li_gnuplot_data(li_gnuplot *g, const void *data, size_t n, li_err *err);

/* A path for a file called name (a plain name) in the session folder, for someone else to
 * write (a picture gnuplot reads); removed with the folder. Borrowed: valid until
 * li_gnuplot_free. NULL with err set when out of memory. */
const char *li_gnuplot_file(li_gnuplot *g, const char *name, li_err *err);

/* The file a picture should be written to ("set output"), inside the session folder. */
const char *li_gnuplot_output_path(const li_gnuplot *g);

/*
 * Runs gnuplot (the program "gnuplot" on PATH, or $LI_GNUPLOT) on the script. On
 * success copies the output file to out (unless out is NULL) and returns 0. Fails with
 * LI_EIO when gnuplot is missing (naming the package to install) and LI_EDATA with
 * gnuplot's own last error line when it refuses the script.
 */
int li_gnuplot_run(li_gnuplot *g, FILE *out, li_err *err) LI_RESULT_USED;

/* Writes the script collected so far to f (for a live gnuplot). 0, or negative with err
 * set when building the script ran out of memory or writing failed. */
int li_gnuplot_write_script(li_gnuplot *g, FILE *f, li_err *err) LI_RESULT_USED;

#endif
