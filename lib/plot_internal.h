/*
 * plot.c's renderers drawing into a gnuplot session the caller made (gnuplot.h): a
 * picture file's session (what li_plot_map and its siblings in plot.h do) or a session
 * shown in a live gnuplot's window (li_gnuplot_set_window, gnuplot_live.h), as the
 * inspector's window does. Internal to lib/.
 *
 * Each appends one picture's commands to g (the terminal from the session's window, else
 * from o->term, then the title and the plot) and writes its data files into g's folder;
 * the caller runs or shows g. 0, or a negative LI_E* code with err set.
 */
#ifndef LI_PLOT_INTERNAL_H
#define LI_PLOT_INTERNAL_H

#include "gnuplot.h"
#include "plot.h"

/* What li_plot_map draws, and what the inspector adds to it. */
typedef struct li_plot_points {
	const float *xy;            /* n x 2 */
	int64_t n;
	const int64_t *cls;         /* class per point, or NULL */
	const char *const *names;   /* n_names legend names by class, or NULL */
	int n_names;
	const float *marks;         /* n_marks x 2, drawn on top as crosses */
	int64_t n_marks;
	const int *mark_numbers;    /* written beside each mark, or NULL */
	const char *marks_title;    /* the marks' legend entry; NULL: "marked" */
} li_plot_points;

int li_plot_draw_map(li_gnuplot *g, const li_plot_opts *o, const li_plot_points *d,
		     li_err *err) LI_RESULT_USED;
int li_plot_draw_image_grid(li_gnuplot *g, const li_plot_opts *o, const li_plot_images *im,
			    int rows, int cols, const char *const *titles, int64_t n_titles,
			    li_err *err) LI_RESULT_USED;
int li_plot_draw_curves(li_gnuplot *g, const li_plot_opts *o, const float *data, int64_t n,
			int64_t t, int64_t c, int rows, int cols, const char *const *titles,
			int64_t n_titles, const char *const *channels, int64_t n_channels,
			li_err *err) LI_RESULT_USED;
int li_plot_draw_mosaic(li_gnuplot *g, const li_plot_opts *o, const float *grid,
			const li_plot_images *im, const float *data, int64_t n_data,
			const double *extent, li_err *err) LI_RESULT_USED;

/* n numbers as bars, one per index 0..n-1. */
int li_plot_draw_bars(li_gnuplot *g, const li_plot_opts *o, const float *values, int64_t n,
		      li_err *err) LI_RESULT_USED;
/* A PNG file (a path gnuplot can read), drawn at its own aspect ratio without axes. */
int li_plot_draw_png(li_gnuplot *g, const li_plot_opts *o, const char *path, li_err *err)
	LI_RESULT_USED;

#endif
