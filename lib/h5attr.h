/*
 * HDF5 files by path, for programs: one root attribute, for those that need a single
 * string from a model file (li-check: a probe's li_class_names) without loading the
 * model; and the answer to a file that crashes libhdf5. HDF5's own error printing is
 * switched off; messages name the attribute.
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

/*
 * The last answer to a corrupted file. libhdf5 trusts much of what a file says, and on
 * some damaged files it crashes inside its own code (doc/robustness.md lists what is
 * known). A program may register fn: when a SIGSEGV, SIGBUS, SIGFPE or SIGABRT arrives
 * while the library reads an HDF5 file (a model, a map, a probe), or one stretch of
 * reading takes more than 10 s of CPU time (libhdf5 looping on a damaged heap; measured
 * with ITIMER_VIRTUAL, so SIGVTALRM is taken too), fn is called with that file's path,
 * from the signal handler: it may only make async-signal-safe calls and must not return
 * (write(2), then _exit). Without one, such a crash stays a crash (the fuzzers need to
 * see them). NULL unregisters.
 */
typedef void (*li_h5_crash_fn)(const char *path);
void li_h5_on_crash(li_h5_crash_fn fn);

#endif
