/*
 * li-plot's pictures from the inputs it read (see plot.h): the kind names, the checks
 * between inputs (labels against points and classes, grid points against images), and
 * which renderer of plot.c each kind uses with what.
 */
#include "plot.h"

#include <stdlib.h>
#include <string.h>

#include "reduce.h"

/* A list's strings, as the renderers take them. */
#define STRINGS(l) ((const char *const *)(l).s)

int li_plot_kind_parse(const char *name, li_plot_kind *k)
{
	static const char *const names[] = {"map", "images", "curves", "mosaic"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i]))
			return *k = (li_plot_kind)i, 0;
	return -1;
}

int li_plot_labels_check(const int64_t *lab, int64_t n_lab, int64_t n, int64_t n_classes,
			 li_err *err)
{
	if (n_lab != n)
		return li_err_set(err, LI_EDATA, "%lld labels for %lld points", (long long)n_lab,
				  (long long)n);
	for (int64_t i = 0; i < n; i++)
		if (lab[i] < 0 || (n_classes >= 0 && lab[i] >= n_classes))
			return li_err_set(err, LI_EDATA, "label %lld of row %lld is not a class%s",
					  (long long)lab[i], (long long)i,
					  n_classes >= 0 ? " of the class list" : "");
	return 0;
}

void li_plot_inputs_release(li_plot_inputs *p)
{
	free(p->labels);
	li_textlist_release(&p->classes);
	li_textlist_release(&p->titles);
	li_textlist_release(&p->channels);
	li_array_release(&p->in);
	li_array_release(&p->marks);
	li_array_release(&p->grid);
	li_array_release(&p->data);
	p->labels = NULL;
}

/* The map picture, titled by the map's method and quality unless o has a title. */
static int draw_map(const li_plot_opts *o, const li_plot_inputs *in, FILE *out, li_err *err)
{
	li_plot_opts titled = *o;
	char title[256];
	if (!o->title && in->map) {
		li_map_title(in->map, title, sizeof title);
		titled.title = title;
	}
	return li_plot_map(&titled, in->in.data, in->n, in->labels, STRINGS(in->classes),
			   (int)in->classes.n,
			   in->marks.data, in->n_marks, out, err);
}

/* The mosaic over the map's extent; *bad names the grid when it does not fit the images. */
static int draw_mosaic(const li_plot_opts *o, const li_plot_inputs *in, const li_plot_images *im,
		       FILE *out, int *bad, li_err *err)
{
	double extent[4];
	if (in->n_grid != im->n) {
		*bad = LI_PLOT_BAD_GRID;
		return li_err_set(err, LI_EDATA, "%lld grid points for %lld outputs",
				  (long long)in->n_grid, (long long)im->n);
	}
	if (in->map) { /* the map's extent holds [min, max] x dims; a mosaic is 2-D */
		const double *e = li_map_extent(in->map);
		int d = li_map_dims(in->map);
		extent[0] = e[0], extent[1] = e[d], extent[2] = e[1], extent[3] = e[d + 1];
	}
	return li_plot_mosaic(o, in->grid.data, im, in->data.data, in->n_data, in->map ? extent : NULL, out,
			      err);
}

int li_plot_draw(li_plot_kind k, const li_plot_opts *o, const li_plot_inputs *in, FILE *out,
		 int *bad, li_err *err)
{
	li_plot_images im;
	int64_t n, t, c;
	*bad = LI_PLOT_BAD_NONE;
	if (k == LI_PLOT_KIND_MAP)
		return draw_map(o, in, out, err);
	if (k == LI_PLOT_KIND_CURVES) {
		if (li_plot_curves_of(&in->in, &n, &t, &c, err))
			return *bad = LI_PLOT_BAD_INPUT, err->code;
		return li_plot_curves(o, in->in.data, n, t, c, in->rows, in->cols,
				      STRINGS(in->titles), in->titles.n, STRINGS(in->channels),
				      in->channels.n, out, err);
	}
	if (li_plot_images_of(&in->in, in->shape, in->n_shape, &im, err))
		return *bad = LI_PLOT_BAD_INPUT, err->code;
	if (k == LI_PLOT_KIND_IMAGES)
		return li_plot_image_grid(o, &im, in->rows, in->cols, STRINGS(in->titles),
					  in->titles.n, out, err);
	return draw_mosaic(o, in, &im, out, bad, err);
}
