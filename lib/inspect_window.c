/*
 * li-inspect's window (inspect_window.h): two live gnuplots, one for the map (the events'
 * window) and one for the output at the last probed point, each picture drawn by
 * plot.c's renderers into a session made for its window.
 */
#include "inspect_window.h"

#include <stdlib.h>
#include <string.h>

#include "gnuplot.h"
#include "inspect_internal.h"
#include "plot_internal.h"

struct li_inspect_window {
	li_inspect_marks *mk;
	li_gplive *map, *out;   /* out: started again after a failure */
	int w, h;
	double range[4];        /* the map's extent plus 5%: x min, x max, y min, y max */
};

/* A picture for x11 window number at (x, y), titled title; window 0 (the map) has the
 * mouse. NULL with err set. */
static li_gnuplot *picture(int number, int x, int y, const char *title, li_err *err)
{
	li_gnuplot_window where = {number, x, y, title, number == 0};
	li_gnuplot *g = li_gnuplot_new(err);
	if (g && li_gnuplot_set_window(g, &where, err)) {
		li_gnuplot_free(g);
		return NULL;
	}
	return g;
}

/* Draws the map with the marks over the ranges the user left (the extent + 5% at
 * first). As li_gplive_show. */
static int draw_map(li_inspect_window *win, li_err *err)
{
	const li_inspect_marks *mk = win->mk;
	li_inspect *ins = mk->ins;
	double r[4];
	memcpy(r, win->range, sizeof r);
	if (li_gplive_ranges(win->map, r, err) < 0)
		return -1;
	char title[300];
	li_map_summary(li_inspect_map(ins), title, sizeof title);
	li_plot_opts o = {.width = win->w, .height = win->h, .title = title,
			  .has_xrange = 1, .has_yrange = 1, .xrange = {r[0], r[1]},
			  .yrange = {r[2], r[3]}};
	char *const *names;
	int nc = li_inspect_classes(ins, &names);
	float *marks = malloc(sizeof *marks * 2 * (size_t)(mk->n ? mk->n : 1));
	li_gnuplot *g = marks ? picture(0, 0, 0, "li-inspect: map", err) : NULL;
	if (!g) {
		free(marks);
		return marks ? -1 : li_err_set(err, LI_ENOMEM, "out of memory");
	}
	for (int i = 0; i < mk->n; i++) {
		marks[2 * i] = (float)mk->pt[i].x;
		marks[2 * i + 1] = (float)mk->pt[i].y;
	}
	li_plot_points d = {.xy = li_inspect_xy(ins), .n = li_inspect_rows(ins),
			    .cls = li_inspect_labels(ins), .names = (const char *const *)names,
			    .n_names = nc, .marks = marks, .n_marks = mk->n,
			    .mark_numbers = mk->num, .marks_title = "probed"};
	int rc = li_plot_draw_map(g, &o, &d, err);
	free(marks);
	if (rc) {
		li_gnuplot_free(g);
		return rc;
	}
	return li_gplive_show(win->map, g, err);
}

li_inspect_window *li_inspect_window_open(li_inspect_marks *mk, int w, int h, li_err *err)
{
	li_inspect_window *win = calloc(1, sizeof *win);
	if (!win) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	win->mk = mk;
	win->w = w;
	win->h = h;
	const li_map *m = li_inspect_map(mk->ins);
	const double *e = li_map_extent(m);
	int d = li_map_dims(m);
	double dx = (e[d] - e[0]) * 0.05, dy = (e[d + 1] - e[1]) * 0.05;
	if (!(dx > 0))
		dx = 1;
	if (!(dy > 0))
		dy = 1;
	win->range[0] = e[0] - dx;
	win->range[1] = e[d] + dx;
	win->range[2] = e[1] - dy;
	win->range[3] = e[d + 1] + dy;
	li_err e2 = {0};
	/* the output's gnuplot starts now, so that the first click does not wait for it */
	if (!(win->map = li_gplive_start(err)) || !(win->out = li_gplive_start(err)))
		goto fail;
	if (draw_map(win, &e2)) {
		li_err_set(err, e2.code, "cannot open the gnuplot window (%s); try --no-window",
			   e2.msg);
		goto fail;
	}
	const char *said = li_gplive_said(win->map);
	if (said) { /* gnuplot-nox: no x11 terminal; no X server at DISPLAY */
		if (!strncmp(said, "gnuplot: ", 9))
			said += 9;
		li_err_set(err, LI_EDATA, "cannot open the gnuplot window (gnuplot: %s); "
			   "gnuplot-x11 and a display are needed, or --no-window", said);
		goto fail;
	}
	if (li_gplive_listen(win->map, LI_INSPECT_WINDOW_KEYS, err))
		goto fail;
	return win;
fail:
	li_inspect_window_close(win);
	return NULL;
}

void li_inspect_window_close(li_inspect_window *win)
{
	if (!win)
		return;
	li_gplive_close(win->out);
	li_gplive_close(win->map);
	free(win);
}

int li_inspect_window_wait(li_inspect_window *win, li_gplive_event *ev, li_err *err)
{
	return li_gplive_wait(win->map, ev, err);
}

/* Draws point pt's output into picture g as the project renders it. 0 or negative. */
static int draw_output(li_inspect_window *win, const li_inspect_point *pt,
		       const char *title, li_gnuplot *g, li_err *err)
{
	const li_project *p = win->mk->ins->p;
	li_plot_opts o = {.width = 420, .height = 440, .title = title};
	int64_t h, w, c;
	if (p->render == LI_RENDER_COMMAND) {
		const char *path = li_gnuplot_file(g, "picture.png", err);
		if (!path || li_inspect_render_command(win->mk->ins, pt, path, err))
			return -1;
		return li_plot_draw_png(g, &o, path, err);
	}
	if (p->render == LI_RENDER_IMAGE && li_inspect_output_image(p, pt, &h, &w, &c)) {
		li_plot_images im = {pt->output, 1, h, w, c};
		return li_plot_draw_image_grid(g, &o, &im, 1, 1, NULL, 0, err);
	}
	if (p->render == LI_RENDER_CURVES && pt->out_shape.rank == 2 && pt->out_shape.dim[1] <= 64) {
		o.title = NULL;
		return li_plot_draw_curves(g, &o, pt->output, 1, pt->out_shape.dim[0],
					   pt->out_shape.dim[1], 1, 1, &title, 1,
					   (const char *const *)p->channels, p->n_channels, err);
	}
	return li_plot_draw_bars(g, &o, pt->output, pt->n_out, err);
}

int li_inspect_window_output(li_inspect_window *win, int i, li_err *err)
{
	const li_inspect_marks *mk = win->mk;
	const li_inspect_point *pt = &mk->pt[i];
	const char *l = li_inspect_marks_name(mk, i);
	char title[400];
	if (pt->label >= 0)
		snprintf(title, sizeof title, "point %d: %s (p = %.3f)", mk->num[i], l,
			 pt->prob[pt->label]);
	else
		snprintf(title, sizeof title, "point %d: %s", mk->num[i], l ? l : "no label");
	if (!win->out && !(win->out = li_gplive_start(err)))
		return -1;
	li_gnuplot *g = picture(1, win->w + 10, 0, "li-inspect: output", err);
	if (!g)
		return -1;
	if (draw_output(win, pt, title, g, err)) {
		li_gnuplot_free(g);
		return -1;
	}
	if (li_gplive_show(win->out, g, err)) {
		li_gplive_close(win->out); /* a fresh gnuplot next time */
		win->out = NULL;
		return -1;
	}
	if (li_gplive_said(win->out))
		return li_err_set(err, LI_EDATA, "gnuplot: %s", li_gplive_said(win->out));
	return 0;
}

int li_inspect_window_redraw(li_inspect_window *win, li_err *err)
{
	if (draw_map(win, err))
		return -1;
	if (li_gplive_said(win->map)) {
		li_err_set(err, LI_EDATA, "gnuplot: %s", li_gplive_said(win->map));
		return 1;
	}
	return 0;
}
