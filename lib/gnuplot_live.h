/*
 * A live gnuplot session for interactive windows (li-inspect): gnuplot runs as a child
 * process for the session's whole life, reads commands from a pipe, and writes what it
 * prints (set print "-") and its messages back through another pipe. Pictures are
 * gnuplot.h sessions drawn for a window (li_gnuplot_set_window, plot.c's renderers) and
 * shown with li_gplive_show. Mouse clicks, chosen keys and the window closing come back
 * as events, every one of them, in order (li_gplive_listen, li_gplive_wait).
 *
 * Nothing a user supplies may reach the command text except through li_gplive_quote().
 * The caller should ignore SIGPIPE: a gnuplot that died then shows as an error, not as a
 * killed program.
 *
 * Ownership: li_gplive_start returns a session for li_gplive_close(), which ends gnuplot
 * and frees the picture it shows.
 */
#ifndef LI_GNUPLOT_LIVE_H
#define LI_GNUPLOT_LIVE_H

#include <stddef.h>

#include "err.h"

typedef struct li_gplive li_gplive;
struct li_gnuplot;

/* Starts gnuplot ("gnuplot" on PATH, or $LI_GNUPLOT). NULL with err set when it cannot
 * be started. */
li_gplive *li_gplive_start(li_err *err);
/* Asks gnuplot to quit, waits for it, frees the picture shown. NULL allowed. */
void li_gplive_close(li_gplive *g);

/* Sends printf-style command text (never user text through fmt or %s). */
void li_gplive_printf(li_gplive *g, const char *fmt, ...) LI_PRINTF(2, 3);
/* Sends s as an inert gnuplot string, by the one rule of li_gnuplot_quote_to (gnuplot.h). */
void li_gplive_quote(li_gplive *g, const char *s);

/*
 * Waits until gnuplot has executed everything sent so far. 0, or negative with err set
 * to gnuplot's last message when it has exited or writing to it failed. A refused
 * command does not end gnuplot: see li_gplive_said.
 */
int li_gplive_sync(li_gplive *g, li_err *err) LI_RESULT_USED;

/* The first thing gnuplot said (an error, a warning: "line 0: unknown or ambiguous
 * terminal type ...", "gnuplot: unable to open display ':7'") while executing what the
 * last li_gplive_sync waited for; NULL when it said nothing. Borrowed until the next
 * call on g. */
const char *li_gplive_said(const li_gplive *g);

/*
 * Shows a picture (a gnuplot.h session whose commands plot.c drew, usually for a window)
 * from a clean state (reset) and waits until gnuplot has drawn it, as li_gplive_sync.
 * Takes picture, even on failure: it stays alive while it is shown, since gnuplot reads
 * its data files again when the user zooms, and is freed when the next one is shown.
 */
int li_gplive_show(li_gplive *g, struct li_gnuplot *picture, li_err *err) LI_RESULT_USED;

/* The axis ranges of the last plot as the user left them (zoomed, panned): x min, x max,
 * y min, y max. 0; 1 when nothing was plotted yet; negative with err set. */
int li_gplive_ranges(li_gplive *g, double r[4], li_err *err) LI_RESULT_USED;

enum { LI_GPLIVE_CLICK = 1, LI_GPLIVE_KEY, LI_GPLIVE_CLOSE };

typedef struct li_gplive_event {
	int kind;          /* LI_GPLIVE_CLICK (left button), _KEY, _CLOSE (window closed) */
	int key;           /* the key's character for _KEY */
	double x, y;       /* a click's position in the plot's first axes (NaN: none) */
} li_gplive_event;

/*
 * From now on, gnuplot reports every left click in its window, every press of one of
 * keys (letters and digits; they lose gnuplot's own meaning) and the window closing, the
 * moment it handles them: also while it draws or we compute, so none is lost and
 * li_gplive_wait returns them in order. Pan and zoom (right button, wheel) and gnuplot's
 * other keys keep working and are no events. 0, or LI_EUSAGE for another key.
 */
int li_gplive_listen(li_gplive *g, const char *keys, li_err *err) LI_RESULT_USED;

/* The next event (see li_gplive_listen), waiting for one. 0, or negative with err set
 * when gnuplot has exited. */
int li_gplive_wait(li_gplive *g, li_gplive_event *ev, li_err *err) LI_RESULT_USED;

#endif
