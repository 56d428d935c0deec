/*
 * li-inspect: the paper's interactive loop over a project folder. Prepares the project
 * (lib/inspect.h: cut, embed, map, probe; cached), then either opens a gnuplot window
 * (lib/inspect_window.h), reads commands from standard input, or serves the inspector
 * to a browser (lib/serve.h); the marks, labels and saving are lib/inspect_marks.h's.
 * Over 300 lines because it holds three front ends, each a short loop over lib/, and
 * their one usage text.
 */
#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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
	li_inspect_marks mk;
	int errors;              /* inside the loop: shown, and the loop goes on */
	int w, h;                /* the map window's size */
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
		note_cb(ctx, what);
	} else {
		cli_progress(c, what, done, total);
		if (done == total)
			cli_progress_end(c);
	}
}

/* An error inside the loop: one line, and the loop goes on. */
static void loop_error(state *s, li_err *err)
{
	cli_fail(NULL, err);
	li_err_clear(err);
	s->errors++;
}

/* "X Y" or "X, Y" into two numbers. 0 or -1. */
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
	li_err err = {0};
	for (;;) {
		if (isatty(0))
			fputs("li-inspect> ", stderr);
		fflush(NULL);
		if (getline(&line, &cap, stdin) < 0)
			break;
		char *t = line + strspn(line, " \t\r\n\v\f");
		t[strcspn(t, "\r\n")] = 0;
		double x, y;
		int rc = 0;
		if (!*t || *t == '#')
			continue;
		if (!strcmp(t, "quit") || !strcmp(t, "q") || !strcmp(t, "exit"))
			break;
		if (!strcmp(t, "help"))
			puts("X Y      probe the map point (X, Y)\nlabel NAME  label the last point\n"
			     "save     save the last point to the labeled data set\n"
			     "undo     forget the last point\nquit     end");
		else if (!strncmp(t, "label", 5) && (t[5] == ' ' || t[5] == '\t' || !t[5]))
			rc = li_inspect_marks_label(&s->mk, t + 5, &err);
		else if (!strcmp(t, "save"))
			rc = li_inspect_marks_save(&s->mk, &err);
		else if (!strcmp(t, "undo"))
			rc = li_inspect_marks_undo(&s->mk, &err);
		else if (parse_point(t, &x, &y))
			rc = li_err_set(&err, LI_EUSAGE, "'%.100s' is not a point or a command (try "
					"'help')", t);
		else if ((rc = li_inspect_marks_probe(&s->mk, x, y, &err)) >= 0)
			li_inspect_marks_print(&s->mk, rc, 1, stdout), rc = 0;
		if (rc)
			loop_error(s, &err);
	}
	free(line);
}

/* Reads the label of the last point from the terminal ('l' in the window). */
static int read_label(state *s, li_err *err)
{
	char buf[512];
	if (!s->mk.n)
		return li_err_set(err, LI_EUSAGE, "no point to label yet");
	fprintf(stderr, "label for point %d: ", s->mk.num[s->mk.n - 1]);
	fflush(stderr);
	if (!fgets(buf, sizeof buf, stdin))
		return li_err_set(err, LI_EUSAGE, "no label read (end of standard input)");
	buf[strcspn(buf, "\r\n")] = 0;
	return li_inspect_marks_label(&s->mk, buf, err);
}

/* Clicks probe, keys label, save, undo, quit; each answered in the order they came. */
static int window_loop(state *s)
{
	li_err err = {0};
	li_gplive_event ev;
	int rc;
	li_inspect_window *win = li_inspect_window_open(&s->mk, s->w, s->h, &err);
	if (!win)
		return cli_fail(NULL, &err);
	note_cb((void *)s->c, "click the map; keys: l label, s save, u undo, q quit");
	for (;;) {
		fflush(stdout);
		if ((rc = li_inspect_window_wait(win, &ev, &err)) || ev.kind == LI_GPLIVE_CLOSE ||
		    ev.key == 'q')
			break;
		int i = 0;
		if (ev.kind == LI_GPLIVE_CLICK && (i = li_inspect_marks_probe(&s->mk, ev.x, ev.y, &err)) >= 0) {
			int drawn = li_inspect_window_output(win, i, &err);
			li_inspect_marks_print(&s->mk, i, 0, stdout); /* the output is on screen */
			fflush(stdout);
			i = drawn;
		} else if (ev.key == 'l') {
			i = read_label(s, &err);
		} else if (ev.key == 's') {
			i = li_inspect_marks_save(&s->mk, &err);
		} else if (ev.key == 'u') {
			i = li_inspect_marks_undo(&s->mk, &err);
		}
		if (i < 0)
			loop_error(s, &err);
		if ((ev.kind == LI_GPLIVE_CLICK || ev.key == 'u') &&
		    (rc = li_inspect_window_redraw(win, &err)) < 0)
			break;
		if (rc > 0)
			loop_error(s, &err);
	}
	li_inspect_window_close(win);
	return rc < 0 ? cli_fail(NULL, &err) : 0;
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
	so->note = note_cb;
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
	li_inspect_marks_init(&s.mk, s.ins, note_cb, &c);
	if (serve) {
		status = serve_loop(&s, &so);
	} else if (no_window) {
		terminal_loop(&s);
		status = s.errors && !isatty(0) ? EXIT_DATA : 0;
	} else {
		status = window_loop(&s);
	}
out:
	li_inspect_marks_release(&s.mk);
	li_inspect_free(s.ins);
	li_project_free(p);
	return cli_finish(status);
}
