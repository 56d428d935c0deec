/*
 * Small HDF5 helpers shared by the model reader, the map file and h5attr.c: string
 * attributes in every form Keras and h5py wrote them (fixed- or variable-length, ASCII or
 * UTF-8, scalar or array, split into chunks name0, name1, ... past HDF5's header limit)
 * and float datasets read as float32. Every function closes the ids it opens; none
 * prints. Strings returned are malloc'd and owned by the caller.
 */
#ifndef LI_H5UTIL_H
#define LI_H5UTIL_H

#include <hdf5.h>

#include "array.h"
#include "err.h"

/* Turns off HDF5's automatic error printing (once per process). */
void li_h5_quiet(void);

/* 1 if obj has an attribute called name, 0 if not. */
int li_h5_has_attr(hid_t obj, const char *name);

/*
 * Reads a scalar string attribute (or the first element of a one-element string array;
 * also accepts a 1-D uint8/int8 array holding text) into *out (malloc'd, NUL-terminated).
 * Returns 0, LI_EEND when the attribute is absent, or LI_EDATA when it is not a string.
 */
int li_h5_attr_string(hid_t obj, const char *name, char **out, li_err *err) LI_RESULT_USED;

/*
 * Reads a string-array attribute into *out (n strings, each malloc'd; the array too; free
 * with li_h5_strings_free). Looks for `name`, then for chunks `name0`, `name1`, ...
 * concatenated. An empty numeric array (how Keras 2 writes an empty weight_names) gives
 * n = 0. Returns 0, LI_EEND when neither exists, or LI_EDATA.
 */
int li_h5_attr_strings(hid_t obj, const char *name, char ***out, int *n, li_err *err)
	LI_RESULT_USED;
void li_h5_strings_free(char **s, int n);

/*
 * Reads the dataset at path (relative to loc) into out as float32 (float16/32/64 and
 * integer datasets are converted). Rank and shape as stored. Caller releases out.
 */
int li_h5_read_f32(hid_t loc, const char *path, li_array *out, li_err *err) LI_RESULT_USED;

/* Writes a (float32) as a little-endian float32 dataset at path (relative to loc, its
 * group must exist) with creation properties dcpl (H5P_DEFAULT or, for reproducible
 * files, one with object time tracking off). 0, or -1 when HDF5 fails. */
int li_h5_write_f32(hid_t loc, const char *path, const li_array *a, hid_t dcpl) LI_RESULT_USED;

#endif
