/*
 * What li-plot and li-grid need from a map file (CONVENTIONS, "Map file"): method,
 * extent and quality, read from its root attributes. This is a stopgap until
 * lib/mapfile.h lands; then li_mapinfo_read will be rebuilt on li_map's accessors.
 */
#ifndef LI_MAPINFO_H
#define LI_MAPINFO_H

#include <stddef.h>

#include "err.h"

#define LI_MAPINFO_MAX_DIMS 3

typedef struct li_mapinfo {
	char method[16];                        /* "pca", "umap", "tsne" */
	int dims;                               /* extent's second axis: 2 or 3 */
	double lo[LI_MAPINFO_MAX_DIMS];         /* extent: min per dimension */
	double hi[LI_MAPINFO_MAX_DIMS];         /* extent: max per dimension */
	double trust, variance, kl;             /* quality; NaN where absent */
} li_mapinfo;

/* Reads and checks path's root attributes li_format, li_version (> 1 is refused),
 * method, extent and quality (optional). 0 or negative with err set. */
int li_mapinfo_read(const char *path, li_mapinfo *mi, li_err *err) LI_RESULT_USED;

/* A one-line description, e.g. "umap map, trustworthiness 0.953", into buf. */
void li_mapinfo_summary(const li_mapinfo *mi, char *buf, size_t n);

#endif
