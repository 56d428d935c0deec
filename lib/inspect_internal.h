/*
 * What lib/inspect.c (preparation, cache) and lib/inspect_point.c (points, saving,
 * rendering) share. Not for cmd/.
 */
#ifndef LI_INSPECT_INTERNAL_H
#define LI_INSPECT_INTERNAL_H

#include "inspect.h"
#include "model.h"

struct li_inspect {
	const li_project *p;
	li_model *m;
	int cut, out_row;
	li_shape lshape;          /* the latent's per-row shape */
	int64_t d;                /* numbers per latent row */
	li_run *tail;
	li_model *probe;
	li_run *prun;
	li_map *map;
	int approx;               /* t-SNE: the approximate inverse */
	char *method;             /* the map's method */
	int auto_tune;
	int64_t n;
	float *xy;
	int64_t *labels;
	float *latent;            /* n x d: the data's latent rows (nearest samples) */
	li_array x;               /* the data rows (li_inspect_load_data), or empty */
	char **classes;
	int n_classes;
	char *cache;
	char *labeled;            /* this cut's labeled data set folder (li_inspect_labeled_dir) */
	char *probe_path;
	double *work;             /* d doubles */
};

/* Runs argv[0] with its arguments (standard output to standard error) and waits: 0 when
 * it exited 0, else negative with err naming the program and how it failed. */
int li_inspect_run_program(char *const *argv, li_err *err) LI_RESULT_USED;
/* As li_inspect_run_program, but a program still running after timeout_ms milliseconds
 * (0: no limit) is killed with its process group and reported as timed out. */
int li_inspect_run_program_timeout(char *const *argv, int timeout_ms, li_err *err)
	LI_RESULT_USED;

/* Reads a data file of the project as float32 rows of the model's input shape, through
 * the project's preprocessing. 0 or negative. */
int li_inspect_read_data(li_inspect *ins, const char *data_path, li_array *a, li_err *err)
	LI_RESULT_USED;

#endif
