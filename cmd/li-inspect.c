/*
 * li-inspect: the paper's interactive loop over a project folder. Prepares the project
 * (lib/inspect.h: cut, embed, map, probe; cached), then either opens a gnuplot window
 * (clicks and keys, lib/gnuplot_live.h) or reads commands from standard input.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gnuplot_live.h"
#include "inspect.h"
#include "serve.h"

enum { OPT_AT = CLI_OPT_FIRST_FREE, OPT_METHOD, OPT_NO_WINDOW, OPT_SIZE, OPT_SERVE };

static void usage(FILE *f)
{
	fputs("usage: li-inspect PROJECT_DIR [--at LAYER] [--method pca|umap|tsne] [--no-window]\n"
	      "       li-inspect PROJECT_DIR --serve [HOST:]PORT [--at LAYER] [--method M]\n"
	      "       li-inspect FOLDER_OF_PROJECTS --serve [HOST:]PORT\n"
	      "\n"
	      "Probe the model of a project folder (PROJECT_DIR/project.json) at any point of\n"
	      "its latent map: the point is inverted into the latent space, pushed through the\n"
	      "rest of the model and through the probe, and the output is shown with the\n"
	      "probe's label; label it and save it to the project's labeled data set.\n"
	      "The preparation (cut, embedding, map, probe) is cached in PROJECT_DIR/.li-inspect/.\n"
	      "\n"
	      "      --at LAYER     cut after LAYER [the manifest's \"at\", else the split point\n"
	      "                     with the smallest latent]\n"
	      "      --method M     pca, umap or tsne [the manifest's \"method\", else pca];\n"
	      "                     t-SNE maps are inverted approximately\n"
	      "      --no-window    commands from standard input instead of a window\n"
	      "                     [automatic when DISPLAY is not set]\n"
	      "      --size WxH     the map window's size in pixels [800x600]\n"
	      "      --serve [HOST:]PORT  serve the inspector as a web page instead (port 0: any\n"
	      "                     free one); prints its address with a token; binds\n"
	      "                     127.0.0.1 unless HOST is given; ends on Ctrl-C; the page\n"
	      "                     switches layers, methods and (for a folder of project\n"
	      "                     folders) projects\n"
	      "      --seed N       seed of the map fit [0]\n"
	      "      --threads N    threads of the map fit [its default]\n"
	      "  -q, --quiet        no notes and no progress\n"
	      "  -h, --help         this help\n"
	      "      --version      the version\n"
	      "\n"
	      "Window: left click = probe that point; l = type a label for the last point (on\n"
	      "the terminal); s = save it; u = undo the last mark; q = quit; right-click two\n"
	      "corners = zoom, wheel = pan, a = whole map again (gnuplot's own keys).\n"
	      "Commands without a window (one a line): X Y (or X,Y) probe a point;\n"
	      "label NAME; save; undo; help; quit (or end of input).\n"
	      "\n"
	      "examples:\n"
	      "  li-inspect projects/mnist\n"
	      "  printf '0.5 -1\\nlabel seven\\nsave\\n' | li-inspect projects/mnist --no-window\n"
	      "  li-inspect projects/mnist --serve 8080   (remote: ssh -L 8080:localhost:8080 HOST)\n",
	      f);
}

typedef struct state {
	li_inspect *ins;
	const li_project *p;
	const cli_common *c;
	const char *dir;         /* --serve: a folder of projects (ins and p NULL) */
	li_inspect_point *pts;   /* the marks, in order */
	char **typed;            /* a typed label per mark, or NULL */
	int n_pts, m_pts;
	int made;                /* points probed so far (numbers them) */
	int *num;                /* each mark's number */
	int errors;
	/* window */
	li_gplive *g;
	int w, h;
} state;

static void note_cb(void *ctx, const char *line)
{
	const cli_common *c = ctx;
	if (!c->quiet)
		fprintf(stderr, "li-inspect: %s\n", line);
}

static void progress_cb(void *ctx, const char *what, int64_t done, int64_t total)
{
	const cli_common *c = ctx;
	if (total < 0) {
		cli_progress_end(c);
		if (!c->quiet)
			fprintf(stderr, "li-inspect: %s\n", what);
	} else {
		cli_progress(c, what, done, total);
		if (done == total)
			cli_progress_end(c);
	}
}

static void loop_error(state *s, const char *fmt, ...) LI_PRINTF(2, 3);
static void loop_error(state *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cli_error(NULL, "%s", buf);
	s->errors++;
}

/* The label a point will be saved with: typed, else the probe's. NULL when neither. */
static const char *point_label(const state *s, int i)
{
	char *const *names;
	int n = li_inspect_classes(s->ins, &names);
	if (s->typed[i])
		return s->typed[i];
	if (s->pts[i].label >= 0 && s->pts[i].label < n)
		return names[s->pts[i].label];
	return NULL;
}

/* "point N: X Y [outside the data]" and "label: NAME (p = P)". */
static void print_head(const state *s, int i)
{
	const li_inspect_point *pt = &s->pts[i];
	printf("point %d: %.9g %.9g%s\n", s->num[i], pt->x, pt->y,
	       pt->outside ? " (outside the data)" : "");
}

static void print_label(const state *s, int i)
{
	const li_inspect_point *pt = &s->pts[i];
	const char *l = point_label(s, i);
	if (pt->label >= 0)
		printf("label: %s (probe: p = %.4f%s)\n", l, pt->prob[pt->label],
		       s->typed[i] ? ", typed over" : "");
	else
		printf("label: %s\n", l ? l : "none (no probe: type one with 'label NAME')");
}

/* The image shape of a point's output for render kind image: h, w, c; 0 if it has none. */
static int image_shape(const state *s, const li_inspect_point *pt, int64_t *h, int64_t *w,
		       int64_t *c)
{
	const li_shape *o = &pt->out_shape;
	if (s->p->render_rank >= 2) {
		*h = s->p->render_shape[0];
		*w = s->p->render_shape[1];
		*c = s->p->render_rank == 3 ? s->p->render_shape[2] : 1;
	} else if (o->rank == 2 || (o->rank == 3 && (o->dim[2] == 1 || o->dim[2] == 3))) {
		*h = o->dim[0];
		*w = o->dim[1];
		*c = o->rank == 3 ? o->dim[2] : 1;
	} else {
		return 0;
	}
	return *h * *w * *c == pt->n_out;
}

/* Prints the output as text: an image as characters, else the numbers, one line per
 * row of the last axis. */
static void print_output(state *s, const li_inspect_point *pt)
{
	int64_t h, w, c;
	if (s->p->render == LI_RENDER_IMAGE && image_shape(s, pt, &h, &w, &c)) {
		char *a = li_inspect_ascii(pt->output, h, w, c);
		if (a) {
			fputs(a, stdout);
			free(a);
			return;
		}
	}
	int64_t per = pt->out_shape.rank > 0 ? pt->out_shape.dim[pt->out_shape.rank - 1] : 1;
	if (per < 1)
		per = 1;
	for (int64_t i = 0; i < pt->n_out; i++)
		printf("%s%.9g%s", i % per ? " " : "output: ", pt->output[i],
		       (i + 1) % per == 0 || i + 1 == pt->n_out ? "\n" : "");
}

/* Probes a point and adds it as a mark. Returns its index or -1. */
static int probe(state *s, double x, double y)
{
	li_err err = {0};
	li_inspect_point pt;
	if (li_inspect_eval(s->ins, x, y, &pt, &err)) {
		loop_error(s, "point %.9g %.9g: %s", x, y, err.msg);
		return -1;
	}
	if (s->n_pts == s->m_pts) {
		int m = s->m_pts ? 2 * s->m_pts : 16;
		li_inspect_point *np = realloc(s->pts, sizeof *np * (size_t)m);
		if (np)
			s->pts = np;
		char **nt = np ? realloc(s->typed, sizeof *nt * (size_t)m) : NULL;
		if (nt)
			s->typed = nt;
		int *nn = nt ? realloc(s->num, sizeof *nn * (size_t)m) : NULL;
		if (!nn) {
			li_inspect_point_release(&pt);
			loop_error(s, "out of memory");
			return -1;
		}
		s->num = nn;
		s->m_pts = m;
	}
	int i = s->n_pts++;
	s->pts[i] = pt;
	s->typed[i] = NULL;
	s->num[i] = ++s->made;
	return i;
}

static void set_label(state *s, const char *name)
{
	if (!s->n_pts) {
		loop_error(s, "no point to label yet");
		return;
	}
	while (isspace((unsigned char)*name))
		name++;
	size_t n = strlen(name);
	while (n && isspace((unsigned char)name[n - 1]))
		n--;
	if (!n) {
		loop_error(s, "an empty label");
		return;
	}
	char *copy = strndup(name, n);
	if (!copy) {
		loop_error(s, "out of memory");
		return;
	}
	free(s->typed[s->n_pts - 1]);
	s->typed[s->n_pts - 1] = copy;
	if (!s->c->quiet)
		fprintf(stderr, "li-inspect: point %d labeled '%s'\n", s->num[s->n_pts - 1], copy);
}

static void save_last(state *s)
{
	li_err err = {0};
	if (!s->n_pts) {
		loop_error(s, "no point to save yet");
		return;
	}
	int i = s->n_pts - 1;
	const char *l = point_label(s, i);
	if (!l) {
		loop_error(s, "point %d has no label: type one first", s->num[i]);
		return;
	}
	const li_inspect_point *pt = &s->pts[i];
	char *names[1] = {(char *)l};
	if (li_inspect_save(s->ins, &pt, names, 1, &err)) {
		loop_error(s, "%s", err.msg);
		return;
	}
	if (!s->c->quiet)
		fprintf(stderr, "li-inspect: saved point %d as '%s' to %s\n", s->num[i], l,
			li_inspect_labeled_dir(s->ins));
}

static void undo(state *s)
{
	if (!s->n_pts) {
		loop_error(s, "nothing to undo");
		return;
	}
	int i = --s->n_pts;
	if (!s->c->quiet)
		fprintf(stderr, "li-inspect: point %d removed from the map\n", s->num[i]);
	li_inspect_point_release(&s->pts[i]);
	free(s->typed[i]);
}

/* ----- the terminal loop ----- */

static int parse_point(const char *line, double *x, double *y)
{
	char *end;
	*x = strtod(line, &end);
	if (end == line)
		return -1;
	while (isspace((unsigned char)*end) || *end == ',')
		end++;
	const char *p = end;
	*y = strtod(p, &end);
	if (end == p)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -1 : 0;
}

static void terminal_loop(state *s)
{
	char *line = NULL;
	size_t cap = 0;
	int tty = isatty(0);
	for (;;) {
		if (tty) {
			fputs("li-inspect> ", stderr);
			fflush(stderr);
		}
		fflush(stdout);
		if (getline(&line, &cap, stdin) < 0)
			break;
		char *t = line;
		while (isspace((unsigned char)*t))
			t++;
		t[strcspn(t, "\r\n")] = 0;
		double x, y;
		if (!*t || *t == '#')
			continue;
		if (!strcmp(t, "quit") || !strcmp(t, "q") || !strcmp(t, "exit"))
			break;
		if (!strcmp(t, "help")) {
			puts("X Y      probe the map point (X, Y)\nlabel NAME  label the last point\n"
			     "save     save the last point to the labeled data set\nundo     forget the last point\n"
			     "quit     end");
		} else if (!strncmp(t, "label", 5) && (t[5] == ' ' || t[5] == '\t' || !t[5])) {
			set_label(s, t + 5);
		} else if (!strcmp(t, "save")) {
			save_last(s);
		} else if (!strcmp(t, "undo")) {
			undo(s);
		} else if (!parse_point(t, &x, &y)) {
			int i = probe(s, x, y);
			if (i >= 0) {
				print_head(s, i);
				print_output(s, &s->pts[i]);
				print_label(s, i);
			}
		} else {
			loop_error(s, "'%.100s' is not a point or a command (try 'help')", t);
		}
	}
	free(line);
}

/* ----- the window ----- */

static void gp_map_settings(state *s)
{
	li_gplive *g = s->g;
	char line[300];
	li_map_summary(li_inspect_map(s->ins), line, sizeof line);
	li_gplive_printf(g, "reset\nset print '-'\n"
			 "set term x11 0 size %d,%d position 0,0 noraise ctrlq title 'li-inspect: map'\n"
			 "set lmargin at screen 0.10\nset rmargin at screen 0.80\n"
			 "set bmargin at screen 0.10\nset tmargin at screen 0.90\n"
			 "set key outside right top noenhanced\nset mouse\n"
			 "bind 'l' 'LI_K=1'\nbind 's' 'LI_K=2'\nbind 'u' 'LI_K=3'\nbind 'q' 'LI_K=4'\n"
			 "set xrange [LI_X0:LI_X1]\nset yrange [LI_Y0:LI_Y1]\nset title ",
			 s->w, s->h);
	li_gplive_quote(g, line);
	li_gplive_printf(g, " noenhanced\n");
}

/* Writes the map's points, one binary file per class, and remembers the plot clause. */
static char *gp_map_clause(state *s, li_err *err)
{
	char *const *names;
	int nc = li_inspect_classes(s->ins, &names);
	const int64_t *y = li_inspect_labels(s->ins);
	const float *xy = li_inspect_xy(s->ins);
	int64_t n = li_inspect_rows(s->ins);
	int groups = y ? (nc > 0 ? nc : 1) : 1;
	char *clause = NULL;
	size_t len = 0;
	FILE *cl = open_memstream(&clause, &len);
	if (!cl) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	int first = 1;
	for (int k = 0; k < groups; k++) {
		char path[600];
		snprintf(path, sizeof path, "%s/class-%d.bin", li_gplive_dir(s->g), k);
		FILE *f = fopen(path, "wb");
		int64_t cnt = 0;
		for (int64_t i = 0; f && i < n; i++)
			if (!y || y[i] == k) {
				fwrite(xy + 2 * i, sizeof(float), 2, f);
				cnt++;
			}
		if (!f || fclose(f)) {
			fclose(cl);
			free(clause);
			li_err_set(err, LI_EIO, "cannot write '%s'", path);
			return NULL;
		}
		if (!cnt)
			continue;
		fprintf(cl, "%s'%s' binary format='%%float%%float' with points pt 7 ps %s lc %d title ",
			first ? "" : ", ", path, n < 5000 ? "0.8" : n < 50000 ? "0.5" : "0.3", k + 1);
		first = 0;
		const char *name = y && k < nc ? names[k] : "data";
		fputc('\'', cl);
		for (const char *p = name; *p; p++)
			if (*p == '\'')
				fputs("''", cl);
			else
				fputc((unsigned char)*p < 0x20 ? ' ' : *p, cl);
		fputc('\'', cl);
	}
	fclose(cl);
	return clause;
}

static void gp_plot_map(state *s, const char *clause)
{
	li_gplive *g = s->g;
	gp_map_settings(s);
	if (s->n_pts) {
		li_gplive_printf(g, "$LI_MARKS << EOD\n");
		for (int i = 0; i < s->n_pts; i++)
			li_gplive_printf(g, "%.17g %.17g %d\n", s->pts[i].x, s->pts[i].y, s->num[i]);
		li_gplive_printf(g, "EOD\n");
	}
	li_gplive_printf(g, "plot %s", clause);
	if (s->n_pts)
		li_gplive_printf(g, ", $LI_MARKS using 1:2 with points pt 2 ps 3 lw 3 lc rgb 'black' "
				 "title 'probed', '' using 1:2:3 with labels offset char 1.2,1.2 "
				 "notitle");
	li_gplive_printf(g, "\n");
}

/* Draws point i's output in window 1, leaving window 0's ranges in LI_X0.. */
static int gp_plot_output(state *s, int i, li_err *err)
{
	li_gplive *g = s->g;
	const li_inspect_point *pt = &s->pts[i];
	char path[600], title[400];
	const char *l = point_label(s, i);
	if (pt->label >= 0)
		snprintf(title, sizeof title, "point %d: %s (p = %.3f)", s->num[i], l,
			 pt->prob[pt->label]);
	else
		snprintf(title, sizeof title, "point %d: %s", s->num[i], l ? l : "no label");
	li_gplive_printf(g, "LI_X0=GPVAL_X_MIN\nLI_X1=GPVAL_X_MAX\nLI_Y0=GPVAL_Y_MIN\nLI_Y1=GPVAL_Y_MAX\n"
			 "reset\nset print '-'\n"
			 "set term x11 1 size 420,440 position %d,0 noraise ctrlq title 'li-inspect: output'\n"
			 "unset key\nset title ", s->w + 10);
	li_gplive_quote(g, title);
	li_gplive_printf(g, " noenhanced\n");
	int64_t h, w, c;
	if (s->p->render == LI_RENDER_COMMAND) {
		snprintf(path, sizeof path, "%s/picture.png", li_gplive_dir(g));
		if (li_inspect_render_command(s->ins, pt, path, err))
			return -1;
		li_gplive_printf(g, "set size ratio -1\nunset tics\nunset border\nset autoscale fix\n"
				 "plot '%s' binary filetype=png with rgbimage\n", path);
		return 0;
	}
	snprintf(path, sizeof path, "%s/output.bin", li_gplive_dir(g));
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(pt->output, sizeof(float), (size_t)pt->n_out, f) != (size_t)pt->n_out) {
		if (f)
			fclose(f);
		return li_err_set(err, LI_EIO, "cannot write '%s'", path);
	}
	if (fclose(f))
		return li_err_set(err, LI_EIO, "cannot write '%s'", path);
	if (s->p->render == LI_RENDER_IMAGE && image_shape(s, pt, &h, &w, &c)) {
		li_gplive_printf(g, "set size ratio -1\nunset tics\nunset border\nunset colorbox\n"
				 "set palette gray\n");
		li_gplive_printf(g, "set xrange [-0.5:%g]\nset yrange [%g:-0.5]\n", (double)w - 0.5,
				 (double)h - 0.5);
		if (c == 3)
			li_gplive_printf(g, "plot '%s' binary array=(%lld,%lld) format='%%float%%float%%float' "
					 "using ($1*255):($2*255):($3*255) with rgbimage\n",
					 path, (long long)w, (long long)h);
		else
			li_gplive_printf(g, "plot '%s' binary array=(%lld,%lld) format='%%float' with image\n",
					 path, (long long)w, (long long)h);
	} else if (s->p->render == LI_RENDER_CURVES && pt->out_shape.rank == 2 &&
		   pt->out_shape.dim[1] <= 64) {
		int64_t t = pt->out_shape.dim[0], ch = pt->out_shape.dim[1];
		li_gplive_printf(g, "set key outside bottom noenhanced\nplot ");
		for (int64_t k = 0; k < ch; k++) {
			li_gplive_printf(g, "%s'%s' binary record=(%lld) format='", k ? ", " : "", path,
					 (long long)t);
			for (int64_t q = 0; q < ch; q++)
				li_gplive_printf(g, "%%float");
			li_gplive_printf(g, "' using 0:%lld with lines lw 2 title ", (long long)k + 1);
			char nm[32];
			snprintf(nm, sizeof nm, "%lld", (long long)k);
			li_gplive_quote(g, k < s->p->n_channels ? s->p->channels[k] : nm);
		}
		li_gplive_printf(g, "\n");
	} else {
		li_gplive_printf(g, "set style fill solid 0.5\nset xrange [-0.5:%g]\n"
				 "plot '%s' binary format='%%float' using 0:1 with boxes\n",
				 (double)pt->n_out - 0.5, path);
	}
	return 0;
}

static int window_loop(state *s)
{
	li_err err = {0};
	int status = EXIT_DATA;
	char *clause = NULL;
	if (!(s->g = li_gplive_start(&err))) {
		cli_error(NULL, "%s", err.msg);
		return EXIT_DATA;
	}
	const double *e = li_map_extent(li_inspect_map(s->ins));
	double dx = (e[2] - e[0]) * 0.05, dy = (e[3] - e[1]) * 0.05;
	if (!(dx > 0))
		dx = 1;
	if (!(dy > 0))
		dy = 1;
	li_gplive_printf(s->g, "LI_X0=%.17g\nLI_X1=%.17g\nLI_Y0=%.17g\nLI_Y1=%.17g\n", e[0] - dx,
			 e[2] + dx, e[1] - dy, e[3] + dy);
	if (!(clause = gp_map_clause(s, &err))) {
		cli_error(NULL, "%s", err.msg);
		goto out;
	}
	gp_plot_map(s, clause);
	if (li_gplive_sync(s->g, &err)) {
		cli_error(NULL, "cannot open the gnuplot window (%s); try --no-window", err.msg);
		goto out;
	}
	if (li_gplive_said(s->g)) {
		/* gnuplot-nox: no x11 terminal; no X server at DISPLAY */
		const char *said = li_gplive_said(s->g);
		if (!strncmp(said, "gnuplot: ", 9))
			said += 9;
		cli_error(NULL, "cannot open the gnuplot window (gnuplot: %s); gnuplot-x11 and a "
			  "display are needed, or --no-window", said);
		goto out;
	}
	if (!s->c->quiet)
		fprintf(stderr, "li-inspect: click the map; keys: l label, s save, u undo, q quit\n");
	for (;;) {
		li_gplive_event ev;
		fflush(stdout);
		if (li_gplive_wait(s->g, &ev, &err)) {
			cli_error(NULL, "%s", err.msg);
			goto out;
		}
		if (ev.kind == LI_GPLIVE_CLOSE || (ev.kind == LI_GPLIVE_KEY && ev.key == 'q'))
			break;
		if (ev.kind == LI_GPLIVE_CLICK) {
			int i = probe(s, ev.x, ev.y);
			if (i < 0)
				continue;
			print_head(s, i);
			print_label(s, i);
			if (gp_plot_output(s, i, &err)) {
				loop_error(s, "%s", err.msg);
				li_err_clear(&err);
				li_gplive_printf(s->g, "LI_X0=GPVAL_X_MIN\nLI_X1=GPVAL_X_MAX\n"
						 "LI_Y0=GPVAL_Y_MIN\nLI_Y1=GPVAL_Y_MAX\n");
			}
			gp_plot_map(s, clause);
			if (li_gplive_sync(s->g, &err)) {
				cli_error(NULL, "%s", err.msg);
				goto out;
			}
			if (li_gplive_said(s->g))
				loop_error(s, "gnuplot: %s", li_gplive_said(s->g));
		} else if (ev.key == 'l') {
			if (!s->n_pts) {
				loop_error(s, "no point to label yet");
				continue;
			}
			fprintf(stderr, "label for point %d: ", s->num[s->n_pts - 1]);
			fflush(stderr);
			char buf[512];
			if (!fgets(buf, sizeof buf, stdin)) {
				loop_error(s, "no label read (end of standard input)");
				continue;
			}
			buf[strcspn(buf, "\r\n")] = 0;
			set_label(s, buf);
		} else if (ev.key == 's') {
			save_last(s);
		} else if (ev.key == 'u') {
			undo(s);
			li_gplive_printf(s->g, "LI_X0=GPVAL_X_MIN\nLI_X1=GPVAL_X_MAX\n"
					 "LI_Y0=GPVAL_Y_MIN\nLI_Y1=GPVAL_Y_MAX\n");
			gp_plot_map(s, clause);
		}
	}
	status = 0;
out:
	free(clause);
	li_gplive_close(s->g);
	s->g = NULL;
	return status;
}

/* Parses --serve's [HOST:]PORT ("8080", "0.0.0.0:8080", "[::1]:8080"). 0 or -1. */
static int parse_serve(char *arg, li_serve_opts *so)
{
	char *colon = strrchr(arg, ':');
	const char *port = arg;
	if (colon) {
		*colon = 0;
		port = colon + 1;
		char *h = arg;
		size_t n = strlen(h);
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			h[n - 1] = 0;
			h++;
		}
		if (!*h)
			return -1;
		so->host = h;
	}
	long v;
	if (cli_parse_long(port, 0, 65535, &v))
		return -1;
	so->port = (int)v;
	return 0;
}

static void serve_note(void *ctx, const char *line)
{
	const cli_common *c = ctx;
	if (!c->quiet)
		fprintf(stderr, "li-inspect: %s\n", line);
}

/* Serves until SIGINT or SIGTERM (blocked here before the server's threads start, so
 * that they inherit the mask and sigwait gets the signal). */
static int serve_loop(state *s, li_serve_opts *so)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	li_err err = {0};
	so->note = serve_note;
	so->ctx = (void *)s->c;
	li_serve *srv = s->ins ? li_serve_start(s->ins, s->p, so, &err)
			       : li_serve_start_folder(s->dir, so, &err);
	if (!srv) {
		cli_error(NULL, "%s", err.msg);
		return cli_status(&err);
	}
	if (!li_serve_loopback(srv))
		fprintf(stderr, "li-inspect: warning: serving on '%s', not only this machine: anyone who "
			"can reach it and learns the address can use the model and write to the "
			"labeled data set\n", so->host);
	fprintf(stderr, "li-inspect: serving %s\n", li_serve_url(srv));
	fflush(stderr);
	int sig;
	sigwait(&set, &sig);
	if (!s->c->quiet)
		fprintf(stderr, "li-inspect: stopped (signal %d)\n", sig);
	li_serve_stop(srv);
	return 0;
}

int main(int argc, char **argv)
{
	cli_common c = {0};
	const char *dir = NULL;
	li_inspect_opts o = {0};
	int no_window = 0, serve = 0, status = EXIT_DATA;
	li_serve_opts so = {0};
	state s = {0};
	s.w = 800;
	s.h = 600;
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"at", required_argument, NULL, OPT_AT},
		{"method", required_argument, NULL, OPT_METHOD},
		{"no-window", no_argument, NULL, OPT_NO_WINDOW},
		{"size", required_argument, NULL, OPT_SIZE},
		{"serve", required_argument, NULL, OPT_SERVE},
		{NULL, 0, NULL, 0}};
	cli_init("li-inspect");
	int ch;
	while ((ch = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_common_option(ch, optarg, &c, usage))
			continue;
		switch (ch) {
		case OPT_AT: o.at = optarg; break;
		case OPT_METHOD: o.method = optarg; break;
		case OPT_NO_WINDOW: no_window = 1; break;
		case OPT_SIZE:
			if (sscanf(optarg, "%dx%d", &s.w, &s.h) != 2 || s.w < 200 || s.h < 150 ||
			    s.w > 8000 || s.h > 8000)
				cli_usage_error("--size '%s' is not WxH (200x150 to 8000x8000)", optarg);
			break;
		case OPT_SERVE:
			if (parse_serve(optarg, &so))
				cli_usage_error("--serve '%s' is not [HOST:]PORT (port 0 to 65535)", optarg);
			serve = 1;
			break;
		default: cli_usage_error("unknown option");
		}
	}
	if (optind + 1 != argc)
		cli_usage_error(optind == argc ? "a PROJECT_DIR is needed" : "one PROJECT_DIR only");
	if (c.output)
		cli_usage_error("-o is not an option of li-inspect");
	dir = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	if (li_serve_is_folder(dir)) {
		/* a folder of projects: the page lists them and prepares the one chosen */
		if (!serve || no_window)
			cli_usage_error("'%s' is a folder of projects: --serve shows them", dir);
		if (o.at || o.method)
			cli_usage_error("--at and --method name one project's cut: with a folder of "
					"projects, choose on the page");
		so.seed = c.seed;
		so.threads = c.threads;
		s.c = &c;
		s.dir = dir;
		return cli_finish(serve_loop(&s, &so));
	}
	if (o.method) {
		const char *why;
		if (!li_reduce_available(o.method, &why))
			cli_usage_error("--method '%s' %s", o.method, why);
	}
	li_err err = {0};
	li_project *p = li_project_load(dir, &err);
	if (!p) {
		char *m = NULL;
		if (asprintf(&m, "%s/project.json", dir) < 0)
			m = NULL;
		cli_error(m ? m : dir, "%s", err.msg);
		free(m);
		return EXIT_DATA;
	}
	const char *display = getenv("DISPLAY");
	if (serve && no_window)
		cli_usage_error("--serve and --no-window exclude each other");
	if (!serve && !no_window && (!display || !*display)) {
		no_window = 1;
		if (!c.quiet)
			fprintf(stderr, "li-inspect: no DISPLAY: commands from standard input\n");
	}
	o.seed = so.seed = c.seed;
	o.threads = so.threads = c.threads;
	o.note = note_cb;
	o.progress = progress_cb;
	o.ctx = &c;
	s.p = p;
	s.c = &c;
	s.ins = li_inspect_open(p, &o, &err);
	if (!s.ins) {
		cli_error(NULL, "%s", err.msg);
		status = cli_status(&err);
		goto out;
	}
	if (serve) {
		status = serve_loop(&s, &so);
	} else if (no_window) {
		terminal_loop(&s);
		status = s.errors && !isatty(0) ? EXIT_DATA : 0;
	} else {
		status = window_loop(&s);
	}
out:
	for (int i = 0; i < s.n_pts; i++) {
		li_inspect_point_release(&s.pts[i]);
		free(s.typed[i]);
	}
	free(s.pts);
	free(s.typed);
	free(s.num);
	li_inspect_free(s.ins);
	li_project_free(p);
	return cli_finish(status);
}
