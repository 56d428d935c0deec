/*
 * libFuzzer target: CSV (lib/data_csv.c through libcsv). The first byte picks the
 * options (header mode, label column, column list, delimiter), the rest is the file.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	li_data_opts o;
	li_data_opts_init(&o);
	unsigned sel = data[0];
	o.format = sel & 1 ? LI_FORMAT_TSV : LI_FORMAT_CSV;
	o.header = (int)((sel >> 1) % 3) - 1;
	if (sel & 8)
		o.label_col = sel & 16 ? "0" : "label";
	if (sel & 32)
		o.cols = sel & 64 ? "1-2,a" : "0";
	return fuzz_read(data + 1, size - 1, &o);
}
