/*
 * Reading root attributes of an HDF5 file by path: what li-plot, li-grid and li-check
 * need from map files (extent, quality, method) and probe models (li_class_names)
 * before the map and model modules land. Each call opens and closes the file; HDF5's
 * own error printing is switched off. Messages name the attribute.
 */
#ifndef LI_H5ATTR_H
#define LI_H5ATTR_H

#include <stdint.h>

#include "err.h"

/* Whether path exists and starts like an HDF5 file. */
int li_h5attr_is_hdf5(const char *path);

/*
 * Reads the string attribute name of the root group (variable- or fixed-length, one
 * element) into *out, NUL-terminated; caller frees with free(). Returns 0, LI_EEND when
 * the file has no such attribute, or another negative code (not HDF5, not a string).
 */
int li_h5attr_string(const char *path, const char *name, char **out, li_err *err)
	LI_RESULT_USED;

/*
 * Reads the numeric attribute name of the root group as float64: *out (caller frees
 * with free()) gets every element in C order, rank and shape (up to 4 axes) its
 * dataspace. 0, LI_EEND when absent, or another negative code.
 */
int li_h5attr_f64(const char *path, const char *name, double **out, int *rank,
		  int64_t shape[4], li_err *err) LI_RESULT_USED;

#endif
