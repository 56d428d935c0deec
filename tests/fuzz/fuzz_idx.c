/* libFuzzer target: IDX files, gzip-compressed or not (lib/data_idx.c, lib/stream.c). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	li_data_opts o;
	li_data_opts_init(&o);
	o.format = LI_FORMAT_IDX;
	return fuzz_read(data, size, &o);
}
