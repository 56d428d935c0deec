/*
 * Project folders (li-project(5)): a folder holding a model, its data and
 * a small JSON manifest, project.json, that says how the parts fit together:
 *
 *   {"model": "model.h5", "data": "x.npy", "labels": "y.npy", "classes": "classes.txt",
 *    "validation": {"data": ..., "labels": ...},
 *    "preprocess": {"scale": S, "offset": O, "reshape": [...]} | {"run": "./prep.sh"},
 *    "at": "LAYER", "method": "umap",
 *    "render": {"kind": "image", "shape": [28, 28]} | {"kind": "curves", "channels": [...]}
 *              | {"kind": "numbers"} | {"kind": "command", "run": "./render.sh"},
 *    "labeled": "labeled"}
 *
 * Every key but "model" and "data" is optional. Paths are relative to the project folder;
 * li_project_load resolves them. Used by li-inspect and by whatever else wants to read a
 * project the same way.
 *
 * Ownership: li_project_load returns a project the caller frees with li_project_free();
 * every string in it is owned by the project.
 */
#ifndef LI_PROJECT_H
#define LI_PROJECT_H

#include <stdint.h>

#include "array.h"
#include "data.h"
#include "err.h"

typedef enum li_render_kind {
	LI_RENDER_NUMBERS,  /* the output's numbers as they are (the default) */
	LI_RENDER_IMAGE,    /* an image of render.shape (h, w) or (h, w, c) */
	LI_RENDER_CURVES,   /* a sequence: steps x channels, channel names optional */
	LI_RENDER_COMMAND   /* an executable of the project: run OUTPUT.npy PICTURE.png */
} li_render_kind;

typedef struct li_project {
	char *dir;            /* the folder as given */
	char *manifest;       /* DIR/project.json */
	char *model;          /* resolved paths; NULL when the key is absent */
	char *data;
	char *labels;
	char *classes;
	char *val_data, *val_labels;
	char *labeled;        /* the labeled data set folder [DIR/labeled] */
	char *at;             /* the cut, a layer name or index, or NULL */
	char *method;         /* "pca", "umap", "tsne" or NULL */
	int has_preprocess;
	li_preprocess pre;    /* scale, offset, reshape */
	char *preprocess_run; /* an executable turning the raw data file into .npy, or NULL */
	li_render_kind render;
	int render_rank;      /* of render_shape; 0 when not given */
	int64_t render_shape[LI_MAX_RANK];
	int n_channels;       /* curves: channel names */
	char **channels;
	char *render_run;     /* command: the executable */
} li_project;

/*
 * Reads DIR/project.json. NULL with err set: LI_EIO when it cannot be read, LI_EDATA for
 * bad JSON or a key with a wrong type or value (the message names the key, e.g.
 * "'render.kind' is 'pie', expected image, curves, numbers or command").
 * Only the manifest is read: the files it names are not opened here.
 */
li_project *li_project_load(const char *dir, li_err *err);
void li_project_free(li_project *p);

/* The name of a render kind ("image", ...). */
const char *li_render_kind_name(li_render_kind k);

#endif
