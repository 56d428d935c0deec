/*
 * li-inspect's window: the map with the marks (inspect_marks.h) in a gnuplot x11 window
 * that reports clicks and keys, and the output at the last probed point in a second
 * window, both drawn by plot.c's renderers (plot_internal.h) in live gnuplot sessions
 * (gnuplot_live.h). The output window has a gnuplot of its own so that the map stays
 * gnuplot's current window, whose clicks are never lost (see gnuplot_live.c).
 *
 * Ownership: li_inspect_window_open borrows the marks for the window's life;
 * li_inspect_window_close ends both gnuplots.
 */
#ifndef LI_INSPECT_WINDOW_H
#define LI_INSPECT_WINDOW_H

#include "gnuplot_live.h"
#include "inspect_marks.h"

typedef struct li_inspect_window li_inspect_window;

/* The keys that are events (the rest keep gnuplot's meaning, as 'a': the whole map). */
#define LI_INSPECT_WINDOW_KEYS "lsuq"

/*
 * Opens the map window, w x h pixels, over the map's extent plus 5% and draws it with the
 * marks. NULL with err set when gnuplot cannot start or cannot open the window (no x11
 * terminal, no display), saying so.
 */
li_inspect_window *li_inspect_window_open(li_inspect_marks *mk, int w, int h, li_err *err);
void li_inspect_window_close(li_inspect_window *win);

/* The next click, key of LI_INSPECT_WINDOW_KEYS or closing of the map window, in order.
 * 0, or negative with err set when gnuplot has ended. */
int li_inspect_window_wait(li_inspect_window *win, li_gplive_event *ev, li_err *err)
	LI_RESULT_USED;

/* Draws mark i's output in the output window, titled with its number and label (the
 * project's render kind; kind command runs the project's render command). 0, or
 * negative with err set; the map window is not affected. */
int li_inspect_window_output(li_inspect_window *win, int i, li_err *err) LI_RESULT_USED;

/* Redraws the map with the marks as they are now, keeping the user's zoom. 0; 1 with err
 * set to what gnuplot said when it refused something; negative with err set when gnuplot
 * has ended. */
int li_inspect_window_redraw(li_inspect_window *win, li_err *err) LI_RESULT_USED;

#endif
