/*
 * A live gnuplot session for interactive windows (li-inspect): gnuplot runs as a child
 * process for the session's whole life, reads commands from a pipe, and writes what it
 * prints (set print "-") and its messages back through another pipe. Mouse clicks and key
 * presses in a window come back as events: the session sends gnuplot `pause mouse` and
 * reads the MOUSE_* variables gnuplot prints after it.
 *
 * Nothing a user supplies may reach the command text except through li_gplive_quote().
 * The caller should ignore SIGPIPE: a gnuplot that died then shows as an error, not as a
 * killed program.
 *
 * Ownership: li_gplive_start returns a session for li_gplive_close(), which ends gnuplot
 * and removes the session's temporary folder.
 */
#ifndef LI_GNUPLOT_LIVE_H
#define LI_GNUPLOT_LIVE_H

#include <stddef.h>

#include "err.h"

typedef struct li_gplive li_gplive;

/* Starts gnuplot ("gnuplot" on PATH, or $LI_GNUPLOT) with a fresh temporary folder.
 * NULL with err set when it cannot be started. */
li_gplive *li_gplive_start(li_err *err);
/* Asks gnuplot to quit, waits for it, removes the folder. NULL allowed. */
void li_gplive_close(li_gplive *g);

/* The session's temporary folder (for data files the commands name). */
const char *li_gplive_dir(const li_gplive *g);

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

enum { LI_GPLIVE_CLICK = 1, LI_GPLIVE_KEY, LI_GPLIVE_CLOSE };

typedef struct li_gplive_event {
	int kind;          /* LI_GPLIVE_CLICK (left button), _KEY, _CLOSE (window closed) */
	int key;           /* the key's character for _KEY */
	double x, y;       /* the mouse's position in the plot's first axes (NaN: none) */
} li_gplive_event;

/*
 * Waits for a left click, a key press or the window closing in the current window.
 * Pan and zoom (right button, wheel) work meanwhile and are no events. 0, or negative
 * with err set when gnuplot has exited.
 */
int li_gplive_wait(li_gplive *g, li_gplive_event *ev, li_err *err) LI_RESULT_USED;

#endif
