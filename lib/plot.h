/*
 * Pictures drawn with gnuplot (through gnuplot.h): a 2-D map colored by class, a grid of
 * images, sequence curves, and the latent-traversal mosaic. Each function draws one
 * picture and writes it to out (a FILE the caller opened and closes); inputs are
 * borrowed. All return 0 or a negative LI_E* code with err set.
 *
 * The plot area sits at fixed fractions of the picture, so a coordinate maps to a
 * predictable pixel: x from LI_PLOT_LEFT to LI_PLOT_RIGHT (LI_PLOT_RIGHT_NOKEY when
 * there is no legend) of the width, y from LI_PLOT_BOTTOM to LI_PLOT_TOP of the height
 * (measured from the bottom edge), with the axis ranges exactly as given or computed.
 */
#ifndef LI_PLOT_H
#define LI_PLOT_H

#include <stdint.h>
#include <stdio.h>

#include "array.h"
#include "err.h"
#include "textlist.h"

#define LI_PLOT_LEFT 0.10
#define LI_PLOT_RIGHT 0.80
#define LI_PLOT_RIGHT_NOKEY 0.95
#define LI_PLOT_BOTTOM 0.10
#define LI_PLOT_TOP 0.90

typedef enum li_plot_term {
	LI_PLOT_PNG,   /* pngcairo */
	LI_PLOT_SVG,   /* svg */
	LI_PLOT_PDF,   /* pdfcairo */
	LI_PLOT_DUMB,  /* text */
} li_plot_term;

/* "png", "svg", "pdf", "dumb" (or "text") to a terminal. 0, or -1 when unknown. */
int li_plot_term_parse(const char *name, li_plot_term *t);
/* The terminal for a file name's extension (.png .svg .pdf, .txt for dumb); 0 or -1. */
int li_plot_term_for_path(const char *path, li_plot_term *t);
/* Whether the terminal writes binary (refused on a terminal by the caller). */
int li_plot_term_binary(li_plot_term t);

typedef struct li_plot_opts {
	li_plot_term term;
	int width, height;      /* pixels (pdf: 1/100 inch; dumb: characters); 0: default */
	const char *title;      /* NULL: none */
	int has_xrange, has_yrange;
	double xrange[2], yrange[2];  /* used when has_*: the axis ranges exactly */
	double point_size;      /* 0: default */
} li_plot_opts;

/* The points of an N x K array (K >= 2): its first two columns, packed in place into
 * N x 2 rows; *n = N. 0, or LI_EDATA with err set. */
int li_plot_points_of(li_array *a, int64_t *n, li_err *err) LI_RESULT_USED;

/*
 * The map: n points xy (n x 2, row-major), colored by class when cls is not NULL (one
 * class index >= 0 per point). names gives n_names legend names by class index (NULL:
 * the index itself); classes without points are left out of the legend. n_marks points
 * of marks (n_marks x 2) are drawn on top as large crosses. Non-finite points are
 * skipped. Without ranges, each axis spans the finite points (and marks) plus 5%.
 */
int li_plot_map(const li_plot_opts *o, const float *xy, int64_t n, const int64_t *cls,
		const char *const *names, int n_names, const float *marks, int64_t n_marks,
		FILE *out, li_err *err) LI_RESULT_USED;

/* An image batch: n images of h x w pixels with c channels (1: gray, 3: RGB), row-major
 * n x h x w x c. Gray values are scaled from the batch's min..max; RGB values in 0..1
 * (when the batch's max is <= 1) or 0..255. */
typedef struct li_plot_images {
	const float *data;
	int64_t n, h, w, c;
} li_plot_images;

/*
 * The image batch an array holds: N x H x W, N x H x W x C (C 1 or 3), or rows of
 * shape[0] x shape[1] (x shape[2]) numbers when n_shape (2 or 3) is given, else flat
 * rows of a square gray image (784 = 28 x 28); one image when the array has rank 0 or 1.
 * im borrows a's data. 0, or LI_EDATA with err set.
 */
int li_plot_images_of(const li_array *a, const int64_t *shape, int n_shape, li_plot_images *im,
		      li_err *err) LI_RESULT_USED;

/*
 * A grid of rows x cols images (0: a near-square grid for im->n), in reading order,
 * each titled by titles[i] when titles is given (n_titles may be fewer than images).
 * Images past rows x cols are not drawn.
 */
int li_plot_image_grid(const li_plot_opts *o, const li_plot_images *im, int rows, int cols,
		       const char *const *titles, int64_t n_titles, FILE *out,
		       li_err *err) LI_RESULT_USED;

/* The sequences an array holds: N x T x C, N x T (C = 1) or T (one row). 0, or LI_EDATA
 * with err set. */
int li_plot_curves_of(const li_array *a, int64_t *n, int64_t *t, int64_t *c, li_err *err)
	LI_RESULT_USED;

/*
 * Sequences: n rows of t steps x c channels (row-major n x t x c), one panel per row in
 * a rows x cols layout (0: one column up to 6 rows, else near-square), one line per
 * channel named by channels[k] when given. Panels past rows x cols are not drawn.
 */
int li_plot_curves(const li_plot_opts *o, const float *data, int64_t n, int64_t t, int64_t c,
		   int rows, int cols, const char *const *titles, int64_t n_titles,
		   const char *const *channels, int64_t n_channels, FILE *out,
		   li_err *err) LI_RESULT_USED;

/*
 * The latent-traversal mosaic: image i of im drawn centred at grid point grid[i] (n x 2,
 * n = im->n), each as large as the grid's spacing allows; the data's points (n_data x 2,
 * may be NULL) drawn faintly underneath, and the data's extent (xmin, xmax, ymin, ymax;
 * NULL: none) as a dashed box, so the parts reaching past the data stand out.
 */
int li_plot_mosaic(const li_plot_opts *o, const float *grid, const li_plot_images *im,
		   const float *data, int64_t n_data, const double *extent, FILE *out,
		   li_err *err) LI_RESULT_USED;

/*
 * li-plot's four pictures by name, and what each draws from the inputs it reads
 * (lib/plot_inputs.c): the checks between the inputs and the renderer above.
 */
typedef enum li_plot_kind {
	LI_PLOT_KIND_MAP, LI_PLOT_KIND_IMAGES, LI_PLOT_KIND_CURVES, LI_PLOT_KIND_MOSAIC,
} li_plot_kind;

/* "map", "images", "curves" or "mosaic" to a kind. 0, or -1 when unknown. */
int li_plot_kind_parse(const char *name, li_plot_kind *k);

/* A map's labels: n_lab class indices for n points, each >= 0, and below n_classes when
 * n_classes >= 0 (a class list was given). 0, or LI_EDATA with err set. */
int li_plot_labels_check(const int64_t *lab, int64_t n_lab, int64_t n, int64_t n_classes,
			 li_err *err) LI_RESULT_USED;

typedef struct li_map li_map;

/* A picture's inputs, as read; what a kind does not use stays empty. Zero-initialize, fill,
 * and free with li_plot_inputs_release. */
typedef struct li_plot_inputs {
	li_array in;                 /* map: n x 2 points (li_plot_points_of); else the rows */
	int64_t n;                   /* map: the points */
	int64_t *labels;             /* map: n class indices (li_plot_labels_check), or NULL */
	li_textlist classes;         /* map: the class names */
	li_array marks;              /* map: n_marks x 2 points */
	int64_t n_marks;
	li_textlist titles;          /* images, curves: a title per row */
	li_textlist channels;        /* curves: the channel names */
	const int64_t *shape;        /* images, mosaic: the per-row image shape (borrowed) */
	int n_shape;                 /* its length, 2 or 3; 0: from the array */
	int rows, cols;              /* images, curves: the layout; 0: automatic */
	li_array grid;               /* mosaic: n_grid x 2 grid points, one per row of in */
	int64_t n_grid;
	li_array data;               /* mosaic: n_data x 2 points drawn underneath */
	int64_t n_data;
	const li_map *map;           /* map: the title; mosaic: the extent; or NULL (borrowed) */
} li_plot_inputs;

/* Frees what p holds (not the borrowed shape and map). */
void li_plot_inputs_release(li_plot_inputs *p);

/* Which input an error is about. */
enum { LI_PLOT_BAD_NONE, LI_PLOT_BAD_INPUT, LI_PLOT_BAD_GRID };

/*
 * Draws picture k of the inputs to out: the map titled by the map's method and quality
 * when o has no title, the rows of in read as images or curves, the mosaic over the map's
 * extent. 0, or a negative LI_E* code with err set and *bad (LI_PLOT_BAD_*) naming the
 * input at fault.
 */
int li_plot_draw(li_plot_kind k, const li_plot_opts *o, const li_plot_inputs *in, FILE *out,
		 int *bad, li_err *err) LI_RESULT_USED;

#endif
