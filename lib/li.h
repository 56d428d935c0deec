/*
 * The Latent Inspector library: one include for what the programs use, every public
 * header and only those (STYLE.md); cmd/ includes nothing else of lib/. The engines'
 * insides (layer.h, activations.h, knn.h, tsne.h, umap.h, the *_internal.h headers) and the
 * helpers they share (rng.h, parallel.h, gnuplot.h, h5save.h, h5util.h) are internal to
 * lib/; tests may include them by name.
 * Module-wide rules: functions returning int give 0 or a negative LI_E* code and fill
 * the caller's li_err; constructors return a pointer or NULL; destructors accept NULL.
 */
#ifndef LI_H
#define LI_H

#define LI_VERSION "0.1.0"

#include "err.h"
#include "array.h"
#include "npy.h"
#include "modelsave.h"
#include "train.h"
#include "rows.h"
#include "batches.h"
#include "points.h"
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
#include "project.h"
#include "inspect.h"
#include "inspect_marks.h"
#include "gnuplot_live.h"
#include "inspect_window.h"
#include "serve.h"
#include "check.h"
#include "data_writer.h"

#endif
