/*
 * libFuzzer target: Keras .h5 model files, opened from memory (H5LTopen_file_image) and
 * read by the same code as a file on disk (li_h5model_read: attributes, model_config,
 * weights, graph). Crashes inside libhdf5 itself are listed in doc/robustness.md, and
 * their inputs kept in tests/fuzz/hdf5-crashes/ (not replayed); the programs answer such
 * a file with one line (li_h5_on_crash), which this target does not register.
 */
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_model.h"
#include "h5util.h"
#include "model_internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	li_h5_quiet();
	hid_t f = H5LTopen_file_image((void *)data, size, 0); /* copies the bytes */
	if (f < 0)
		return 0;
	li_model *m = calloc(1, sizeof *m);
	li_err err = {0};
	if (m && li_h5model_read(m, f, NULL, &err) == 0)
		fuzz_model_use(m);
	li_model_free(m);
	/* every id our code opened is closed again: a leak reported inside libhdf5 is then
	 * libhdf5's own (tests/fuzz/triage) */
	if (H5Fget_obj_count(f, H5F_OBJ_ALL) != 1) {
		fprintf(stderr, "fuzz_h5img: our code left %ld HDF5 ids open\n",
			(long)H5Fget_obj_count(f, H5F_OBJ_ALL) - 1);
		abort();
	}
	H5Fclose(f);
	return 0;
}
