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
#include "parallel.h"
#include "knn.h"
#include "umap.h"

#endif
