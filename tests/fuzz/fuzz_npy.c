/* libFuzzer target: .npy headers and data (lib/npy.c through lib/data.c). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	li_data_opts o;
	li_data_opts_init(&o);
	o.format = LI_FORMAT_NPY;
	return fuzz_read(data, size, &o);
}
