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
#include "h5attr.h"

/* Turns off HDF5's automatic error printing (once per process). */
void li_h5_quiet(void);

/*
 * Makes an empty file "path.tmp.XXXXXX" beside path, for HDF5 (which writes by name) to
 * write and the caller to rename over path or remove: mode 0600 keeps it private, 0644
 * makes an ordinary file. *tmp gets its name (caller frees). 0, or LI_ENOMEM / LI_EIO
 * ("cannot create: <errno text>") with *tmp NULL.
 */
int li_h5_tmp_beside(const char *path, int mode, char **tmp, li_err *err) LI_RESULT_USED;

/*
 * Opening a file for reading, with the last answer to a corrupted one (li_h5_on_crash in
 * h5attr.h): from li_h5_open to li_h5_close, except between li_h5_pause and
 * li_h5_resume, a fatal signal calls the registered answer with the path given here.
 * The handlers are installed only while such a file is open (and only when an answer is
 * registered), and the previous ones put back after; a fault outside a read goes to
 * them. Single-threaded use: models and maps are read before worker threads start.
 */
/*
 * Opens path read-only after checking that it is a readable HDF5 file. Returns the file
 * id, or negative with err set: LI_EIO when it cannot be read (the errno text), LI_EDATA
 * when it is not HDF5 or its header is damaged. Close with li_h5_close (which accepts a
 * negative id).
 */
hid_t li_h5_open(const char *path, li_err *err);
void li_h5_close(hid_t f);
/* Our own code between reads of an open file (no HDF5 calls): a crash there is ours,
 * not the file's. Calls nest. */
void li_h5_pause(void);
void li_h5_resume(void);

/* The size in bytes of the file that object obj is in (0 when it cannot be told): what a
 * size claimed inside the file is checked against before anything is allocated. */
hsize_t li_h5_file_size(hid_t obj);

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
