/*
 * One root attribute of an HDF5 file by path, for programs that need a single string
 * from a model file (li-check: a probe's li_class_names) without loading the model.
 * HDF5's own error printing is switched off; messages name the attribute.
 */
#ifndef LI_H5ATTR_H
#define LI_H5ATTR_H

#include "err.h"

/*
 * Reads the string attribute name of the root group into *out, NUL-terminated; caller
 * frees with free(). Returns 0, LI_EEND when the file has no such attribute, or another
 * negative code (unreadable, not HDF5, not a string).
 */
int li_h5attr_string(const char *path, const char *name, char **out, li_err *err)
	LI_RESULT_USED;

#endif
