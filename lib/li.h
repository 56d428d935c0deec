/*
 * The Latent Inspector library: one include for every public module.
 * Module-wide rules: functions returning int give 0 or a negative LI_E* code and fill
 * the caller's li_err; constructors return a pointer or NULL; destructors accept NULL.
 */
#ifndef LI_H
#define LI_H

#define LI_VERSION "0.1.0"

#include "err.h"
#include "array.h"
#include "npy.h"
#include "rng.h"
#include "h5save.h"
#include "modelsave.h"
#include "rows.h"
#include "layer.h"
#include "activations.h"
#include "gnuplot.h"
#include "plot.h"
#include "textlist.h"
#include "h5attr.h"
#include "labeled.h"
#include "logreg.h"
#include "probe.h"
#include "model.h"
#include "blasinfo.h"
#include "reduce.h"
#include "data.h"
#include "tsne.h"
#include "parallel.h"
#include "progress.h"
#include "knn.h"
#include "umap.h"
#include "project.h"
#include "inspect.h"
#include "gnuplot_live.h"

#endif
