/* libFuzzer target: JSON data sets (lib/data_json.c), with and without --var. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	li_data_opts o;
	li_data_opts_init(&o);
	o.format = LI_FORMAT_JSON;
	if (size && data[size - 1] == '\n')
		o.var = "x";
	return fuzz_read(data, size, &o);
}
