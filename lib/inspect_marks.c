/*
 * The marks of an inspector session (inspect_marks.h): the probed points in order, their
 * numbers and typed labels, saving and undo, and their text form.
 */
#include "inspect_marks.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "inspect_internal.h"

void li_inspect_marks_init(li_inspect_marks *mk, li_inspect *ins,
			   void (*note_cb)(void *ctx, const char *line), void *ctx)
{
	memset(mk, 0, sizeof *mk);
	mk->ins = ins;
	mk->note = note_cb;
	mk->ctx = ctx;
}

void li_inspect_marks_release(li_inspect_marks *mk)
{
	for (int i = 0; i < mk->n; i++) {
		li_inspect_point_release(&mk->pt[i]);
		free(mk->typed[i]);
	}
	free(mk->pt);
	free(mk->typed);
	free(mk->num);
	memset(mk, 0, sizeof *mk);
}

int li_inspect_marks_probe(li_inspect_marks *mk, double x, double y, li_err *err)
{
	li_err e = {0};
	li_inspect_point pt;
	if (li_inspect_eval(mk->ins, x, y, &pt, &e))
		return li_err_set(err, e.code, "point %.9g %.9g: %s", x, y, e.msg);
	if (mk->n == mk->m) {
		int m = mk->m ? 2 * mk->m : 16;
		li_inspect_point *np = realloc(mk->pt, sizeof *np * (size_t)m);
		if (np)
			mk->pt = np;
		char **nt = np ? realloc(mk->typed, sizeof *nt * (size_t)m) : NULL;
		if (nt)
			mk->typed = nt;
		int *nn = nt ? realloc(mk->num, sizeof *nn * (size_t)m) : NULL;
		if (!nn) {
			li_inspect_point_release(&pt);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		mk->num = nn;
		mk->m = m;
	}
	int i = mk->n++;
	mk->pt[i] = pt;
	mk->typed[i] = NULL;
	mk->num[i] = ++mk->made;
	return i;
}

int li_inspect_marks_label(li_inspect_marks *mk, const char *name, li_err *err)
{
	if (!mk->n)
		return li_err_set(err, LI_EUSAGE, "no point to label yet");
	while (isspace((unsigned char)*name))
		name++;
	size_t n = strlen(name);
	while (n && isspace((unsigned char)name[n - 1]))
		n--;
	if (!n)
		return li_err_set(err, LI_EUSAGE, "an empty label");
	char *copy = strndup(name, n);
	if (!copy)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	free(mk->typed[mk->n - 1]);
	mk->typed[mk->n - 1] = copy;
	li_note(mk->note, mk->ctx, "point %d labeled '%s'", mk->num[mk->n - 1], copy);
	return 0;
}

const char *li_inspect_marks_name(const li_inspect_marks *mk, int i)
{
	char *const *names;
	int n = li_inspect_classes(mk->ins, &names);
	if (mk->typed[i])
		return mk->typed[i];
	if (mk->pt[i].label >= 0 && mk->pt[i].label < n)
		return names[mk->pt[i].label];
	return NULL;
}

int li_inspect_marks_save(li_inspect_marks *mk, li_err *err)
{
	if (!mk->n)
		return li_err_set(err, LI_EUSAGE, "no point to save yet");
	int i = mk->n - 1;
	const char *l = li_inspect_marks_name(mk, i);
	if (!l)
		return li_err_set(err, LI_EUSAGE, "point %d has no label: type one first",
				  mk->num[i]);
	const li_inspect_point *pt = &mk->pt[i];
	char *names[1] = {(char *)l};
	if (li_inspect_save(mk->ins, &pt, names, 1, err))
		return -1;
	li_note(mk->note, mk->ctx, "saved point %d as '%s' to %s", mk->num[i], l,
		li_inspect_labeled_dir(mk->ins));
	return 0;
}

int li_inspect_marks_undo(li_inspect_marks *mk, li_err *err)
{
	if (!mk->n)
		return li_err_set(err, LI_EUSAGE, "nothing to undo");
	int i = --mk->n;
	li_note(mk->note, mk->ctx, "point %d removed from the map", mk->num[i]);
	li_inspect_point_release(&mk->pt[i]);
	free(mk->typed[i]);
	return 0;
}

int li_inspect_output_image(const li_project *p, const li_inspect_point *pt, int64_t *h,
			    int64_t *w, int64_t *c)
{
	const li_shape *o = &pt->out_shape;
	if (p->render_rank >= 2) {
		*h = p->render_shape[0];
		*w = p->render_shape[1];
		*c = p->render_rank == 3 ? p->render_shape[2] : 1;
	} else if (o->rank == 2 || (o->rank == 3 && (o->dim[2] == 1 || o->dim[2] == 3))) {
		*h = o->dim[0];
		*w = o->dim[1];
		*c = o->rank == 3 ? o->dim[2] : 1;
	} else {
		return 0;
	}
	return *h * *w * *c == pt->n_out;
}

/* An image as characters, else the numbers, one line per row of the last axis. */
static void print_output(const li_project *p, const li_inspect_point *pt, FILE *f)
{
	int64_t h, w, c;
	if (p->render == LI_RENDER_IMAGE && li_inspect_output_image(p, pt, &h, &w, &c)) {
		char *a = li_inspect_ascii(pt->output, h, w, c);
		if (a) {
			fputs(a, f);
			free(a);
			return;
		}
	}
	int64_t per = pt->out_shape.rank > 0 ? pt->out_shape.dim[pt->out_shape.rank - 1] : 1;
	if (per < 1)
		per = 1;
	for (int64_t i = 0; i < pt->n_out; i++)
		fprintf(f, "%s%.9g%s", i % per ? " " : "output: ", pt->output[i],
			(i + 1) % per == 0 || i + 1 == pt->n_out ? "\n" : "");
}

void li_inspect_marks_print(const li_inspect_marks *mk, int i, int output, FILE *f)
{
	const li_inspect_point *pt = &mk->pt[i];
	const char *l = li_inspect_marks_name(mk, i);
	fprintf(f, "point %d: %.9g %.9g%s\n", mk->num[i], pt->x, pt->y,
		pt->outside ? " (outside the data)" : "");
	if (output)
		print_output(mk->ins->p, pt, f);
	if (pt->label >= 0)
		fprintf(f, "label: %s (probe: p = %.4f%s)\n", l, pt->prob[pt->label],
			mk->typed[i] ? ", typed over" : "");
	else
		fprintf(f, "label: %s\n", l ? l : "none (no probe: type one with 'label NAME')");
}
