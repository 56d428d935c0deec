/*
 * The picture kinds of li-plot and of the inspector's window: map, image grid, curves,
 * mosaic, bars, a PNG file. Each li_plot_draw_* appends one picture's commands to a
 * gnuplot.h session, with its data in binary files (plot_internal.h); li_plot_map and its
 * siblings (plot.h) draw into a session of their own, run it, and copy the picture to
 * the caller's FILE.
 *
 * Everything user-supplied that gnuplot sees as text (titles, class names, the output
 * path) goes through li_gnuplot_quote(); terminals are set "noenhanced" so that
 * characters such as ^ _ @ { } in names are printed as they are.
 */
#include "plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plot_internal.h"

/* Tableau's 20 colors: distinct classes stay distinguishable up to 20. */
static const char *const palette[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
	"#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
	"#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
};
#define N_PALETTE ((int64_t)(sizeof palette / sizeof palette[0]))

int li_plot_term_parse(const char *name, li_plot_term *t)
{
	static const struct { const char *name; li_plot_term t; } names[] = {
		{"png", LI_PLOT_PNG}, {"pngcairo", LI_PLOT_PNG}, {"svg", LI_PLOT_SVG},
		{"pdf", LI_PLOT_PDF}, {"pdfcairo", LI_PLOT_PDF}, {"dumb", LI_PLOT_DUMB},
		{"text", LI_PLOT_DUMB},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(name, names[i].name)) {
			*t = names[i].t;
			return 0;
		}
	return -1;
}

int li_plot_term_for_path(const char *path, li_plot_term *t)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return -1;
	if (!strcasecmp(dot, ".txt"))
		return *t = LI_PLOT_DUMB, 0;
	return li_plot_term_parse(dot + 1, t);
}

int li_plot_term_binary(li_plot_term t)
{
	return t == LI_PLOT_PNG || t == LI_PLOT_PDF;
}

/* Runs a picture's session (drawn with status rc) into out and frees it. */
static int run(li_gnuplot *g, int rc, FILE *out, li_err *err)
{
	if (!rc)
		rc = li_gnuplot_run(g, out, err);
	li_gnuplot_free(g);
	return rc;
}

/* Terminal (the session's window, else o->term) and output, title; margins fixed (see
 * plot.h) when fixed is set. */
static void begin(li_gnuplot *g, const li_plot_opts *o, int dw, int dh, int fixed, int key)
{
	int w = o->width > 0 ? o->width : dw, h = o->height > 0 ? o->height : dh;
	const li_gnuplot_window *win = li_gnuplot_get_window(g);
	if (win) {
		/* noreplotonresize: a resized window is scaled, not replotted behind our back */
		li_gnuplot_printf(g, "set terminal x11 %d size %d,%d position %d,%d noraise ctrlq "
				  "noreplotonresize noenhanced title ", win->number, w, h, win->x,
				  win->y);
		li_gnuplot_quote(g, win->title);
		/* without the mouse gnuplot_x11 sends no events at all, so none can arrive
		 * while gnuplot waits for the new window's font in the middle of a plot */
		li_gnuplot_printf(g, "\n%s mouse\n", win->mouse ? "set" : "unset");
	}
	switch (win ? -1 : (int)o->term) {
	case LI_PLOT_PNG:
		li_gnuplot_printf(g, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n",
				  w, h);
		break;
	case LI_PLOT_SVG:
		li_gnuplot_printf(g, "set terminal svg size %d,%d noenhanced background '#ffffff'\n",
				  w, h);
		break;
	case LI_PLOT_PDF:
		li_gnuplot_printf(g, "set terminal pdfcairo size %.2fin,%.2fin noenhanced\n",
				  w / 100.0, h / 100.0);
		break;
	case LI_PLOT_DUMB:
		w = o->width > 0 ? o->width : 79;
		h = o->height > 0 ? o->height : 24;
		li_gnuplot_printf(g, "set terminal dumb size %d,%d noenhanced\n", w, h);
		break;
	}
	if (!win) {
		li_gnuplot_printf(g, "set output ");
		li_gnuplot_quote(g, li_gnuplot_output_path(g));
		li_gnuplot_printf(g, "\n");
	}
	if (fixed)
		li_gnuplot_printf(g, "set lmargin at screen %g\nset rmargin at screen %g\n"
				  "set bmargin at screen %g\nset tmargin at screen %g\n",
				  LI_PLOT_LEFT, key ? LI_PLOT_RIGHT : LI_PLOT_RIGHT_NOKEY,
				  LI_PLOT_BOTTOM, LI_PLOT_TOP);
	if (o->title && *o->title) {
		li_gnuplot_printf(g, "set title ");
		li_gnuplot_quote(g, o->title);
		li_gnuplot_printf(g, "\n");
	}
}

/* Widens [lo, hi] to include v when v is finite. */
static void extend(double *lo, double *hi, double v)
{
	if (!isfinite(v))
		return;
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

/* Pads an axis span by frac on each side; an empty span becomes [v-1, v+1]. */
static void pad(double *lo, double *hi, double frac)
{
	if (*lo > *hi) {
		*lo = -1;
		*hi = 1;
	} else if (*lo == *hi) {
		*lo -= 1;
		*hi += 1;
	} else {
		double d = (*hi - *lo) * frac;
		*lo -= d;
		*hi += d;
	}
}

static void ranges(li_gnuplot *g, const li_plot_opts *o, double xlo, double xhi, double ylo,
		   double yhi)
{
	if (o->has_xrange) {
		xlo = o->xrange[0];
		xhi = o->xrange[1];
	}
	if (o->has_yrange) {
		ylo = o->yrange[0];
		yhi = o->yrange[1];
	}
	li_gnuplot_printf(g, "set xrange [%.17g:%.17g]\nset yrange [%.17g:%.17g]\n", xlo, xhi,
			  ylo, yhi);
}

/*
 * One record per point: x, y (float32) and an int32 that is the point's color
 * (0xRRGGBB) or, in text pictures, its point type (1 = 'A', 2 = 'B', ...). All points
 * go in one file in their input order, so no class is drawn wholly on top of another;
 * the legend is made of keyentry lines, one per class that has points.
 */
struct map_rec {
	float x, y;
	int32_t z;
};

int li_plot_map(const li_plot_opts *o, const float *xy, int64_t n, const int64_t *cls,
		const char *const *names, int n_names, const float *marks, int64_t n_marks,
		FILE *out, li_err *err)
{
	li_plot_points d = {.xy = xy, .n = n, .cls = cls, .names = names, .n_names = n_names,
			    .marks = marks, .n_marks = n_marks};
	li_gnuplot *g = li_gnuplot_new(err);
	return g ? run(g, li_plot_draw_map(g, o, &d, err), out, err) : err->code;
}

/* The marks' numbers beside them: x, y (float32) and the number (int32). */
static int mark_numbers(li_gnuplot *g, const li_plot_points *d, li_err *err)
{
	struct map_rec *rec = malloc((size_t)d->n_marks * sizeof *rec);
	if (!rec)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int64_t i = 0; i < d->n_marks; i++) {
		rec[i].x = d->marks[2 * i];
		rec[i].y = d->marks[2 * i + 1];
		rec[i].z = d->mark_numbers[i];
	}
	const char *path = li_gnuplot_data(g, rec, (size_t)d->n_marks * sizeof *rec, err);
	free(rec);
	if (!path)
		return err->code;
	li_gnuplot_printf(g, ", \\\n     ");
	li_gnuplot_quote(g, path);
	li_gnuplot_printf(g, " binary format='%%2float32%%int32' using 1:2:(sprintf('%%d', $3)) "
			  "with labels offset char 1.2,1.2 notitle");
	return 0;
}

int li_plot_draw_map(li_gnuplot *g, const li_plot_opts *o, const li_plot_points *d,
		     li_err *err)
{
	int rc;
	int64_t n_cls = 1, n = d->n, n_marks = d->n_marks;
	const float *xy = d->xy, *marks = d->marks;
	const int64_t *cls = d->cls;
	char *present = NULL;
	struct map_rec *rec = NULL;
	int dumb = o->term == LI_PLOT_DUMB && !li_gnuplot_get_window(g);
	if (cls)
		for (int64_t i = 0; i < n; i++) {
			if (cls[i] < 0) {
				rc = li_err_set(err, LI_EDATA, "class %lld of point %lld is negative",
						(long long)cls[i], (long long)i);
				goto out;
			}
			if (cls[i] >= n_cls)
				n_cls = cls[i] + 1;
		}
	present = calloc((size_t)n_cls, 1);
	rec = malloc((size_t)(n ? n : 1) * sizeof *rec);
	if (!present || !rec) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for %lld points", (long long)n);
		goto out;
	}
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	for (int64_t i = 0; i < n; i++) {
		int64_t k = cls ? cls[i] : 0;
		present[k] = 1;
		rec[i].x = xy[2 * i];
		rec[i].y = xy[2 * i + 1];
		rec[i].z = dumb ? (int32_t)(k % 26 + 1)
				: (int32_t)strtol(palette[k % N_PALETTE] + 1, NULL, 16);
		if (isfinite(xy[2 * i]) && isfinite(xy[2 * i + 1])) {
			extend(&xlo, &xhi, xy[2 * i]);
			extend(&ylo, &yhi, xy[2 * i + 1]);
		}
	}
	for (int64_t i = 0; i < n_marks; i++)
		if (isfinite(marks[2 * i]) && isfinite(marks[2 * i + 1])) {
			extend(&xlo, &xhi, marks[2 * i]);
			extend(&ylo, &yhi, marks[2 * i + 1]);
		}
	pad(&xlo, &xhi, 0.05);
	pad(&ylo, &yhi, 0.05);
	int key = cls != NULL;
	begin(g, o, 800, 600, 1, key);
	ranges(g, o, xlo, xhi, ylo, yhi);
	if (key)
		li_gnuplot_printf(g, "set key outside right top Left reverse samplen 1\n");
	else
		li_gnuplot_printf(g, "unset key\n");
	double ps = o->point_size > 0 ? o->point_size : n > 10000 ? 0.25 : 0.6;
	if (!o->point_size && li_gnuplot_get_window(g))
		ps *= 4.0 / 3; /* x11 draws a point smaller than cairo does */
	li_gnuplot_printf(g, "plot ");
	if (n > 0) {
		const char *path = li_gnuplot_data(g, rec, (size_t)n * sizeof *rec, err);
		if (!path) {
			rc = err->code;
			goto out;
		}
		li_gnuplot_quote(g, path);
		li_gnuplot_printf(g, " binary format='%%2float32%%int32' using 1:2:3 with points ");
		if (dumb)
			li_gnuplot_printf(g, "pt variable notitle");
		else
			li_gnuplot_printf(g, "pt 7 ps %g lc rgb variable notitle", ps);
	} else {
		li_gnuplot_printf(g, "NaN notitle"); /* an empty frame is still a picture */
	}
	for (int64_t k = 0; key && k < n_cls; k++) {
		if (!present[k])
			continue;
		if (dumb)
			li_gnuplot_printf(g, ", \\\n     keyentry with points pt %d title ",
					  (int)(k % 26 + 1));
		else
			li_gnuplot_printf(g, ", \\\n     keyentry with points pt 7 ps %g lc rgb '%s' "
					  "title ", ps < 0.6 ? 0.6 : ps, palette[k % N_PALETTE]);
		if (d->names && k < d->n_names)
			li_gnuplot_quote(g, d->names[k]);
		else
			li_gnuplot_printf(g, "'%lld'", (long long)k);
	}
	if (n_marks > 0) {
		const char *path = li_gnuplot_data(g, marks, (size_t)n_marks * 2 * sizeof(float), err);
		if (!path) {
			rc = err->code;
			goto out;
		}
		li_gnuplot_printf(g, ", \\\n     ");
		li_gnuplot_quote(g, path);
		li_gnuplot_printf(g, " binary format='%%2float32' using 1:2 with points %s ",
				  dumb ? "pt '*'" : "pt 2 ps 3 lw 3 lc rgb 'black'");
		if (!key)
			li_gnuplot_printf(g, "notitle");
		else if (d->marks_title) {
			li_gnuplot_printf(g, "title ");
			li_gnuplot_quote(g, d->marks_title);
		} else
			li_gnuplot_printf(g, "title 'marked'");
		if (d->mark_numbers && (rc = mark_numbers(g, d, err)))
			goto out;
	}
	li_gnuplot_printf(g, "\n");
	rc = 0;
out:
	free(present);
	free(rec);
	return rc;
}

int li_plot_points_of(li_array *a, int64_t *n, li_err *err)
{
	char s[64];
	if (a->rank != 2 || a->shape[1] < 2) {
		li_shape_format(a->rank, a->shape, s, sizeof s);
		return li_err_set(err, LI_EDATA, "points of shape %s; expected N x 2", s);
	}
	int64_t k = a->shape[1];
	float *p = a->data;
	for (int64_t i = 0; i < a->shape[0]; i++) {
		p[2 * i] = p[i * k];
		p[2 * i + 1] = p[i * k + 1];
	}
	*n = a->shape[0];
	return 0;
}

int li_plot_images_of(const li_array *a, const int64_t *shape, int n_shape, li_plot_images *im,
		      li_err *err)
{
	int64_t row = a->rank <= 1 ? li_array_count(a) : li_shape_row_elems(a->rank, a->shape);
	char s[64];
	li_shape_format(a->rank, a->shape, s, sizeof s);
	im->data = a->data;
	im->n = a->rank <= 1 ? 1 : a->shape[0];
	if (n_shape) {
		int64_t c = n_shape == 3 ? shape[2] : 1;
		if (shape[0] * shape[1] * c != row)
			return li_err_set(err, LI_EDATA, "rows of %lld values do not make images of "
					  "%lldx%lldx%lld", (long long)row, (long long)shape[0],
					  (long long)shape[1], (long long)c);
		im->h = shape[0], im->w = shape[1], im->c = c;
		return 0;
	}
	if (row == 0)
		return li_err_set(err, LI_EDATA, "images of shape %s hold no pixels", s);
	if (a->rank == 3 || (a->rank == 4 && (a->shape[3] == 1 || a->shape[3] == 3))) {
		im->h = a->shape[1], im->w = a->shape[2];
		im->c = a->rank == 4 ? a->shape[3] : 1;
		return 0;
	}
	int64_t side = 1; /* flat rows of a square image, e.g. 784 = 28 x 28 */
	while (side * side < row)
		side++;
	if (a->rank <= 2 && side * side == row) {
		im->h = im->w = side, im->c = 1;
		return 0;
	}
	return li_err_set(err, LI_EDATA, "cannot draw an array of shape %s as images; give --shape",
			  s);
}

int li_plot_curves_of(const li_array *a, int64_t *n, int64_t *t, int64_t *c, li_err *err)
{
	*n = a->rank >= 2 ? a->shape[0] : 1;
	*t = a->rank >= 2 ? a->shape[1] : a->rank == 1 ? a->shape[0] : 1;
	*c = a->rank == 3 ? a->shape[2] : 1;
	if (a->rank > 3 || *t < 1 || *c < 1) {
		char s[64];
		li_shape_format(a->rank, a->shape, s, sizeof s);
		return li_err_set(err, LI_EDATA, "curves need N x T x C or N x T with T, C >= 1, "
				  "not %s", s);
	}
	return 0;
}

/* A near-square layout for n panels when rows or cols is 0. */
static void layout(int64_t n, int *rows, int *cols)
{
	if (n < 1)
		n = 1;
	if (*rows > 0 && *cols > 0)
		return;
	if (*cols <= 0 && *rows > 0)
		*cols = (int)((n + *rows - 1) / *rows);
	else if (*rows <= 0 && *cols > 0)
		*rows = (int)((n + *cols - 1) / *cols);
	else {
		*cols = (int)ceil(sqrt((double)n));
		*rows = (int)((n + *cols - 1) / *cols);
	}
}

/* Gray range over the whole batch, and whether RGB values look like 0..1. */
static void value_range(const li_plot_images *im, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	int64_t total = im->n * im->h * im->w * im->c;
	for (int64_t i = 0; i < total; i++)
		extend(lo, hi, im->data[i]);
	if (*lo > *hi)
		*lo = 0, *hi = 1;
	if (*lo == *hi)
		*hi = *lo + 1;
}

/* " binary array=(w,h) format=... flipy <placement> with image|rgbimage" for image i. */
static void image_item(li_gnuplot *g, const char *path, const li_plot_images *im, int64_t i)
{
	size_t bytes = (size_t)(im->h * im->w * im->c) * sizeof(float);
	li_gnuplot_quote(g, path);
	li_gnuplot_printf(g, " binary array=(%lld,%lld) format='%%%lldfloat32' skip=%zu flipy",
			  (long long)im->w, (long long)im->h, (long long)im->c, bytes * (size_t)i);
}

static void image_style(li_gnuplot *g, const li_plot_images *im, double rgb_scale)
{
	if (im->c == 3)
		li_gnuplot_printf(g, " using ($1*%g):($2*%g):($3*%g) with rgbimage notitle",
				  rgb_scale, rgb_scale, rgb_scale);
	else
		li_gnuplot_printf(g, " using 1 with image notitle");
}

static int check_images(const li_plot_images *im, li_err *err)
{
	if (im->c != 1 && im->c != 3)
		return li_err_set(err, LI_EDATA, "images need 1 (gray) or 3 (RGB) channels, not %lld",
				  (long long)im->c);
	if (im->h < 1 || im->w < 1)
		return li_err_set(err, LI_EDATA, "images of %lld x %lld pixels", (long long)im->h,
				  (long long)im->w);
	return 0;
}

int li_plot_image_grid(const li_plot_opts *o, const li_plot_images *im, int rows, int cols,
		       const char *const *titles, int64_t n_titles, FILE *out, li_err *err)
{
	li_gnuplot *g = li_gnuplot_new(err);
	return g ? run(g, li_plot_draw_image_grid(g, o, im, rows, cols, titles, n_titles, err),
		       out, err)
		 : err->code;
}

int li_plot_draw_image_grid(li_gnuplot *g, const li_plot_opts *o, const li_plot_images *im,
			    int rows, int cols, const char *const *titles, int64_t n_titles,
			    li_err *err)
{
	if (check_images(im, err))
		return err->code;
	layout(im->n, &rows, &cols);
	double lo, hi;
	value_range(im, &lo, &hi);
	double scale = hi <= 1 ? 255 : 1;
	const char *path = li_gnuplot_data(g, im->data,
					   (size_t)(im->n * im->h * im->w * im->c) * sizeof(float), err);
	if (!path)
		return err->code;
	double gap = im->w / 8.0 > 1 ? im->w / 8.0 : 1;
	double gapy = titles ? (im->h / 3.0 > 3 ? im->h / 3.0 : 3) : gap;
	double cw = im->w + gap, ch = im->h + gapy;
	int cell = 120;
	begin(g, o, cols * cell + 40, rows * cell + (o->title ? 60 : 20), 0, 0);
	li_gnuplot_printf(g, "unset key\nunset border\nunset tics\nunset colorbox\n"
			  "set size ratio -1\nset margins 1,1,1,%d\nset palette gray\n"
			  "set cbrange [%.9g:%.9g]\n", o->title ? 3 : 1, lo, hi);
	li_gnuplot_printf(g, "set xrange [-0.5:%.9g]\nset yrange [-0.5:%.9g]\n",
			  cols * cw - gap - 0.5, rows * ch - gapy + (titles ? gapy : 0) - 0.5);
	int64_t shown = im->n < (int64_t)rows * cols ? im->n : (int64_t)rows * cols;
	for (int64_t i = 0; i < shown && titles; i++) {
		if (i >= n_titles)
			break;
		double x = (double)(i % cols) * cw + (im->w - 1) / 2.0;
		double y = (double)(rows - 1 - i / cols) * ch + im->h - 0.5 + gapy / 2;
		li_gnuplot_printf(g, "set label %lld ", (long long)i + 1);
		li_gnuplot_quote(g, titles[i]);
		li_gnuplot_printf(g, " at %.9g,%.9g center front\n", x, y);
	}
	li_gnuplot_printf(g, "plot ");
	for (int64_t i = 0; i < shown; i++) {
		li_gnuplot_printf(g, "%s", i ? ", \\\n     " : "");
		image_item(g, path, im, i);
		li_gnuplot_printf(g, " origin=(%.9g,%.9g)", (double)(i % cols) * cw,
				  (double)(rows - 1 - i / cols) * ch);
		image_style(g, im, scale);
	}
	if (!shown)
		li_gnuplot_printf(g, "NaN notitle");
	li_gnuplot_printf(g, "\n");
	return 0;
}

/* 1, 2 or 5 times a power of ten, the nearest at or above raw. */
static double nice_step(double raw)
{
	double mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

int li_plot_curves(const li_plot_opts *o, const float *data, int64_t n, int64_t t, int64_t c,
		   int rows, int cols, const char *const *titles, int64_t n_titles,
		   const char *const *channels, int64_t n_channels, FILE *out, li_err *err)
{
	li_gnuplot *g = li_gnuplot_new(err);
	return g ? run(g, li_plot_draw_curves(g, o, data, n, t, c, rows, cols, titles, n_titles,
					      channels, n_channels, err), out, err)
		 : err->code;
}

int li_plot_draw_curves(li_gnuplot *g, const li_plot_opts *o, const float *data, int64_t n,
			int64_t t, int64_t c, int rows, int cols, const char *const *titles,
			int64_t n_titles, const char *const *channels, int64_t n_channels,
			li_err *err)
{
	if (t < 1 || c < 1)
		return li_err_set(err, LI_EDATA, "curves of %lld steps x %lld channels",
				  (long long)t, (long long)c);
	if (rows <= 0 && cols <= 0 && n <= 6)
		cols = 1;
	layout(n, &rows, &cols);
	int rc = 0;
	float *rec = malloc((size_t)(t * (c + 1)) * sizeof *rec);
	if (!rec) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	begin(g, o, cols * 400, rows * 160 + 40, 0, 0);
	li_gnuplot_printf(g, "set multiplot layout %d,%d\n", rows, cols);
	if (c > 1)
		li_gnuplot_printf(g, "set key top right samplen 1\n");
	else
		li_gnuplot_printf(g, "unset key\n");
	li_gnuplot_printf(g, "unset title\nset xrange [0:%lld]\n", (long long)(t > 1 ? t - 1 : 1));
	int64_t shown = n < (int64_t)rows * cols ? n : (int64_t)rows * cols;
	for (int64_t i = 0; i < shown; i++) {
		/* records of (step, channel values...) for this row */
		for (int64_t s = 0; s < t; s++) {
			rec[s * (c + 1)] = (float)s;
			memcpy(rec + s * (c + 1) + 1, data + (i * t + s) * c, (size_t)c * sizeof *rec);
		}
		const char *path = li_gnuplot_data(g, rec, (size_t)(t * (c + 1)) * sizeof *rec, err);
		if (!path) {
			rc = err->code;
			goto out;
		}
		/* about four y tics a panel: gnuplot's own choice crowds short panels */
		double lo = INFINITY, hi = -INFINITY;
		for (int64_t s = 0; s < t * c; s++)
			extend(&lo, &hi, data[i * t * c + s]);
		if (lo < hi)
			li_gnuplot_printf(g, "set ytics %.9g\n", nice_step((hi - lo) / 4));
		else
			li_gnuplot_printf(g, "set ytics autofreq\n");
		li_gnuplot_printf(g, "set title ");
		if (titles && i < n_titles)
			li_gnuplot_quote(g, titles[i]);
		else
			li_gnuplot_printf(g, "'%lld'", (long long)i);
		li_gnuplot_printf(g, "\nplot ");
		for (int64_t k = 0; k < c; k++) {
			li_gnuplot_printf(g, "%s", k ? ", " : "");
			li_gnuplot_quote(g, path);
			li_gnuplot_printf(g, " binary format='%%%lldfloat32' using 1:%lld with lines"
					  " lw 1.5 lc rgb '%s' ", (long long)(c + 1), (long long)k + 2,
					  palette[k % N_PALETTE]);
			if (i > 0 || c == 1) {
				li_gnuplot_printf(g, "notitle");
			} else {
				li_gnuplot_printf(g, "title ");
				if (channels && k < n_channels)
					li_gnuplot_quote(g, channels[k]);
				else
					li_gnuplot_printf(g, "'%lld'", (long long)k);
			}
		}
		li_gnuplot_printf(g, "\n");
	}
	li_gnuplot_printf(g, "unset multiplot\n");
out:
	free(rec);
	return rc;
}

/* The smallest positive gap between sorted distinct values of column col (0 or 1) of n
 * points; 0 when all are equal. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double spacing(const float *pts, int64_t n, int col, double *tmp)
{
	int64_t m = 0;
	for (int64_t i = 0; i < n; i++)
		if (isfinite(pts[2 * i + col]))
			tmp[m++] = pts[2 * i + col];
	qsort(tmp, (size_t)m, sizeof *tmp, cmp_double);
	double best = 0;
	for (int64_t i = 1; i < m; i++) {
		double d = tmp[i] - tmp[i - 1];
		if (d > 1e-12 * (fabs(tmp[i]) + 1) && (best == 0 || d < best))
			best = d;
	}
	return best;
}

int li_plot_mosaic(const li_plot_opts *o, const float *grid, const li_plot_images *im,
		   const float *data, int64_t n_data, const double *extent, FILE *out,
		   li_err *err)
{
	li_gnuplot *g = li_gnuplot_new(err);
	return g ? run(g, li_plot_draw_mosaic(g, o, grid, im, data, n_data, extent, err), out, err)
		 : err->code;
}

int li_plot_draw_mosaic(li_gnuplot *g, const li_plot_opts *o, const float *grid,
			const li_plot_images *im, const float *data, int64_t n_data,
			const double *extent, li_err *err)
{
	if (check_images(im, err))
		return err->code;
	int rc;
	double *tmp = malloc((size_t)(im->n ? im->n : 1) * sizeof *tmp);
	if (!tmp)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	double dx = spacing(grid, im->n, 0, tmp), dy = spacing(grid, im->n, 1, tmp);
	if (dx == 0)
		dx = dy;
	if (dy == 0)
		dy = dx;
	if (dx == 0)
		dx = dy = 1;
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	for (int64_t i = 0; i < im->n; i++) {
		if (!isfinite(grid[2 * i]) || !isfinite(grid[2 * i + 1]))
			continue;
		extend(&xlo, &xhi, grid[2 * i] - dx / 2);
		extend(&xlo, &xhi, grid[2 * i] + dx / 2);
		extend(&ylo, &yhi, grid[2 * i + 1] - dy / 2);
		extend(&ylo, &yhi, grid[2 * i + 1] + dy / 2);
	}
	if (extent) {
		extend(&xlo, &xhi, extent[0]);
		extend(&xlo, &xhi, extent[1]);
		extend(&ylo, &yhi, extent[2]);
		extend(&ylo, &yhi, extent[3]);
	}
	pad(&xlo, &xhi, 0.02);
	pad(&ylo, &yhi, 0.02);
	double lo, hi;
	value_range(im, &lo, &hi);
	double scale = hi <= 1 ? 255 : 1;
	const char *path = li_gnuplot_data(g, im->data,
					   (size_t)(im->n * im->h * im->w * im->c) * sizeof(float), err);
	if (!path) {
		rc = err->code;
		goto out;
	}
	begin(g, o, 800, 800, 1, 0);
	ranges(g, o, xlo, xhi, ylo, yhi);
	li_gnuplot_printf(g, "unset key\nunset colorbox\nset palette gray\nset cbrange [%.9g:%.9g]\n",
			  lo, hi);
	if (extent)
		li_gnuplot_printf(g, "set object 1 rect from %.17g,%.17g to %.17g,%.17g front "
				  "fillstyle empty border lc rgb '#d62728' lw 2 dt 2\n",
				  extent[0], extent[2], extent[1], extent[3]);
	li_gnuplot_printf(g, "plot ");
	int first = 1;
	if (data && n_data > 0) {
		const char *dpath = li_gnuplot_data(g, data, (size_t)n_data * 2 * sizeof(float), err);
		if (!dpath) {
			rc = err->code;
			goto out;
		}
		li_gnuplot_quote(g, dpath);
		li_gnuplot_printf(g, " binary format='%%2float32' using 1:2 with points pt 7 ps 0.3"
				  " lc rgb '#c8c8c8' notitle");
		first = 0;
	}
	for (int64_t i = 0; i < im->n; i++) {
		if (!isfinite(grid[2 * i]) || !isfinite(grid[2 * i + 1]))
			continue;
		li_gnuplot_printf(g, "%s", first ? "" : ", \\\n     ");
		first = 0;
		image_item(g, path, im, i);
		li_gnuplot_printf(g, " dx=%.9g dy=%.9g center=(%.9g,%.9g)", 0.92 * dx / im->w,
				  0.92 * dy / im->h, grid[2 * i], grid[2 * i + 1]);
		image_style(g, im, scale);
	}
	if (first)
		li_gnuplot_printf(g, "NaN notitle");
	li_gnuplot_printf(g, "\n");
	rc = 0;
out:
	free(tmp);
	return rc;
}

int li_plot_draw_bars(li_gnuplot *g, const li_plot_opts *o, const float *values, int64_t n,
		      li_err *err)
{
	const char *path = li_gnuplot_data(g, values, (size_t)n * sizeof *values, err);
	if (!path)
		return err->code;
	begin(g, o, 420, 440, 0, 0);
	li_gnuplot_printf(g, "unset key\nset style fill solid 0.5\nset xrange [-0.5:%.9g]\nplot ",
			  (double)n - 0.5);
	li_gnuplot_quote(g, path);
	li_gnuplot_printf(g, " binary format='%%float32' using 0:1 with boxes notitle\n");
	return 0;
}

int li_plot_draw_png(li_gnuplot *g, const li_plot_opts *o, const char *path, li_err *err)
{
	(void)err;
	begin(g, o, 420, 440, 0, 0);
	li_gnuplot_printf(g, "unset key\nset size ratio -1\nunset tics\nunset border\n"
			  "set autoscale fix\nplot ");
	li_gnuplot_quote(g, path);
	li_gnuplot_printf(g, " binary filetype=png with rgbimage notitle\n");
	return 0;
}
