/*
 * libFuzzer target: TF.js layers models (lib/nn/tfjs.c, then the Keras config and graph
 * code), read through li_model_load as li-layers and li-embed read them. The input is
 * the model.json; it is written to a folder of its own that also holds one weight shard,
 * "w.bin" (65536 float32 values), which manifests may name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_model.h"

static char tfjs_dir[64], tfjs_json[96], tfjs_bin[96];

static void tfjs_cleanup(void)
{
	unlink(tfjs_json);
	unlink(tfjs_bin);
	rmdir(tfjs_dir);
}

/* The folder, made once per process; 0 or -1. */
static int tfjs_setup(void)
{
	if (tfjs_dir[0])
		return 0;
	snprintf(tfjs_dir, sizeof tfjs_dir, "/tmp/li-fuzz-tfjs.XXXXXX");
	if (!mkdtemp(tfjs_dir)) {
		tfjs_dir[0] = 0;
		return -1;
	}
	snprintf(tfjs_json, sizeof tfjs_json, "%s/model.json", tfjs_dir);
	snprintf(tfjs_bin, sizeof tfjs_bin, "%s/w.bin", tfjs_dir);
	FILE *f = fopen(tfjs_bin, "wb");
	if (!f)
		return -1;
	for (int i = 0; i < (1 << 16); i++) {
		float v = (float)(i % 13) / 8.0f - 0.75f;
		fwrite(&v, sizeof v, 1, f);
	}
	fclose(f);
	atexit(tfjs_cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (tfjs_setup())
		return 0;
	FILE *f = fopen(tfjs_json, "wb");
	if (!f)
		return 0;
	size_t put = fwrite(data, 1, size, f);
	if (fclose(f) || put != size)
		return 0;
	li_err err = {0};
	li_model *m = li_model_load(tfjs_json, NULL, &err);
	if (m) {
		fuzz_model_use(m);
		li_model_free(m);
	}
	return 0;
}
