/*
 * The server's views (serve_internal.h): the projects it can show (one, or a folder's),
 * the view shown, and the next view prepared in a thread of its own while the server
 * keeps answering. The job loads its own copy of the project and its own inspector, so
 * it touches the server only to report progress (under jlock) and to swap the new view
 * in (under lock). A server stopped while a job runs is left to that job, which frees
 * what it made and nothing else: the process is ending.
 */
#include "serve_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labeled.h"

#define MAX_PROJECTS 200

static char *join(const char *a, const char *b)
{
	char *s = NULL;
	return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

/* msg as the page may see it: the project's folder left out of paths; a message that
 * still names a path becomes a pointer to the server's standard error. */
static void page_message(char *out, size_t n, const char *msg, const char *dir)
{
	char buf[600];
	size_t k = 0, ld = strlen(dir);
	for (const char *m = msg; *m && k + 1 < sizeof buf;) {
		if (ld && !strncmp(m, dir, ld) && m[ld] == '/') {
			m += ld + 1;
			continue;
		}
		buf[k++] = *m++;
	}
	buf[k] = 0;
	if (strchr(buf, '/'))
		snprintf(out, n, "see the server's standard error");
	else
		snprintf(out, n, "%s", buf);
}

static int add_project(li_serve *s, const char *name, const char *dir, const char *problem)
{
	li_serve_project *v = realloc(s->projects, sizeof *v * (size_t)(s->n_projects + 1));
	if (!v)
		return -1;
	s->projects = v;
	li_serve_project *q = &v[s->n_projects];
	memset(q, 0, sizeof *q);
	q->name = strdup(name);
	q->dir = strdup(dir);
	q->problem = problem ? strdup(problem) : NULL;
	s->n_projects++;
	return q->name && q->dir && (!problem || q->problem) ? 0 : -1;
}

int li_serve_views_single(li_serve *s, li_inspect *ins, const li_project *p, li_err *err)
{
	const char *base = strrchr(p->dir, '/');
	base = base && base[1] ? base + 1 : p->dir;
	if (add_project(s, base, p->dir, NULL))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	s->ins = s->given_ins = ins;
	s->p = p;
	s->project = 0;
	s->view = 1;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's subfolders that hold a project.json, sorted; count in *n. */
static char **project_names(const char *dir, int *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **names = NULL;
	struct dirent *e;
	while ((e = readdir(d)) && *n < MAX_PROJECTS) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = join(dir, e->d_name), *man = sub ? join(sub, "project.json") : NULL;
		struct stat st;
		int ok = man && stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && access(man, F_OK) == 0;
		free(sub);
		free(man);
		if (!ok)
			continue;
		char **v = realloc(names, sizeof *v * (size_t)(*n + 1));
		if (!v || !(v[*n] = strdup(e->d_name))) {
			names = v ? v : names;
			break;
		}
		names = v;
		(*n)++;
	}
	closedir(d);
	if (names)
		qsort(names, (size_t)*n, sizeof *names, by_name);
	return names;
}

int li_serve_is_folder(const char *dir)
{
	char *man = join(dir, "project.json");
	int own = man && access(man, F_OK) == 0;
	free(man);
	if (own)
		return 0;
	int n;
	char **names = project_names(dir, &n);
	li_labeled_free_names(names, n);
	return n > 0;
}

int li_serve_views_folder(li_serve *s, const char *dir, li_err *err)
{
	int n;
	char **names = project_names(dir, &n);
	if (!n) {
		li_labeled_free_names(names, n);
		return li_err_set(err, LI_EDATA, "%s: no project folder in it (a subfolder with a "
				  "project.json)", dir);
	}
	int rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		char *sub = join(dir, names[i]);
		li_err pe = {0};
		li_project *p = sub ? li_project_load(sub, &pe) : NULL;
		char problem[600] = "";
		if (!p) {
			/* listed with its problem: the others stay usable */
			li_note(s->o.note, s->o.ctx, "%s: %s", sub ? sub : names[i], pe.msg);
			page_message(problem, sizeof problem, pe.msg, sub ? sub : "");
		}
		if (!sub || add_project(s, names[i], sub, p ? NULL : problem))
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
		li_project_free(p);
		free(sub);
	}
	li_labeled_free_names(names, n);
	s->folder = 1;
	s->project = -1;
	return rc;
}

static void free_projects(li_serve *s)
{
	for (int i = 0; i < s->n_projects; i++) {
		free(s->projects[i].name);
		free(s->projects[i].dir);
		free(s->projects[i].problem);
	}
	free(s->projects);
	s->projects = NULL;
	s->n_projects = 0;
}

int li_serve_views_free(li_serve *s)
{
	pthread_mutex_lock(&s->jlock);
	int running = s->job.active;
	if (running)
		s->abandoned = 1;
	pthread_mutex_unlock(&s->jlock);
	if (running)
		return 1;
	if (s->ins != s->given_ins)
		li_inspect_free(s->ins);
	li_project_free(s->own_p);
	s->ins = NULL;
	s->own_p = NULL;
	free_projects(s);
	return 0;
}

/* ----- the job ----- */

static void job_note(void *ctx, const char *line)
{
	li_serve *s = ctx;
	li_note(s->o.note, s->o.ctx, "%s", line);
}

static void job_progress(void *ctx, const char *stage, int64_t done, int64_t total)
{
	li_serve *s = ctx;
	pthread_mutex_lock(&s->jlock);
	snprintf(s->job.stage, sizeof s->job.stage, "%s", stage);
	s->job.done = done;
	s->job.total = total;
	pthread_mutex_unlock(&s->jlock);
}

/* Prepares choice c: the new inspector (its project in *pp), or NULL with err set. */
static li_inspect *prepare_view(li_serve *s, const li_serve_choice *c, li_project **pp,
				li_err *err)
{
	li_inspect *ins = NULL;
	li_project *p = li_project_load(c->dir, err);
	if (p) {
		li_inspect_opts io = {0};
		io.at = c->cut[0] ? c->cut : NULL;
		io.method = c->method[0] ? c->method : NULL;
		io.auto_tune = c->auto_tune;
		io.seed = s->o.seed;
		io.threads = s->o.threads;
		io.note = job_note;
		io.progress = job_progress;
		io.ctx = s;
		ins = li_inspect_open(p, &io, err);
		if (ins && li_inspect_load_data(ins, err)) {
			li_inspect_free(ins);
			ins = NULL;
		}
	}
	if (!ins) {
		li_project_free(p);
		p = NULL;
	}
	*pp = p;
	return ins;
}

/* Starts choice c's preparation (under jlock). */
static void job_begin(li_serve_job *j, const li_serve_choice *c)
{
	j->run = *c;
	j->superseded = 0;
	snprintf(j->stage, sizeof j->stage, "starting");
	j->done = j->total = -1;
	j->error[0] = 0;
	j->active = 1;
}

/*
 * Prepares the job's choice, then the choice made meanwhile, if any, until none waits.
 * What to do with a prepared view is decided under lock and jlock together, in the API's
 * order (a choice is made holding lock, then jlock), so no choice falls between the
 * decision and the swap.
 */
static void *job_main(void *arg)
{
	li_serve *s = arg;
	pthread_mutex_lock(&s->jlock);
	li_serve_choice c = s->job.run;
	pthread_mutex_unlock(&s->jlock);
	for (;;) {
		li_err err = {0};
		li_project *p;
		li_inspect *ins = prepare_view(s, &c, &p, &err);
		li_inspect *old_ins = NULL, *drop_ins = ins;
		li_project *old_p = NULL, *drop_p = p;
		pthread_mutex_lock(&s->lock);
		pthread_mutex_lock(&s->jlock);
		li_serve_job *j = &s->job;
		int gone = s->abandoned, dropped = j->superseded, shown = 0;
		if (!gone && !dropped && ins) {
			old_ins = s->ins != s->given_ins ? s->ins : NULL;
			old_p = s->own_p;
			s->ins = ins;
			s->p = p;
			s->own_p = p;
			s->project = c.project;
			s->view++;
			shown = 1;
			drop_ins = NULL;
			drop_p = NULL;
		}
		int again = !gone && j->has_next;
		if (again) {
			j->has_next = 0;
			job_begin(j, &j->next);
		} else if (!gone) {
			j->active = 0;
			j->error[0] = 0;
			if (!ins && !dropped) {
				char msg[500];
				page_message(msg, sizeof msg, err.msg, c.dir);
				snprintf(j->error, sizeof j->error, "preparing %s failed: %s",
					 s->projects[c.project].name, msg);
			}
		}
		/* said before the locks go: once the job is inactive, the server may be stopped */
		if (!gone && shown)
			li_note(s->o.note, s->o.ctx, "now showing %s at '%s' with %s",
				s->projects[c.project].name, li_inspect_cut(ins), li_inspect_method(ins));
		else if (!gone && dropped)
			li_note(s->o.note, s->o.ctx,
				"%s at '%s' with %s: %s, not shown (a newer choice was made)",
				s->projects[c.project].name, c.cut[0] ? c.cut : "(default)",
				c.method[0] ? c.method : "(default)", ins ? "prepared" : "failed");
		else if (!gone)
			li_note(s->o.note, s->o.ctx, "preparing %s failed: %s", c.dir, err.msg);
		li_serve_choice next = j->run;
		pthread_mutex_unlock(&s->jlock);
		pthread_mutex_unlock(&s->lock);
		if (gone) {
			li_inspect_free(ins);
			li_project_free(p);
			return NULL;
		}
		li_inspect_free(old_ins);
		li_project_free(old_p);
		li_inspect_free(drop_ins);
		li_project_free(drop_p);
		if (!again)
			return NULL;
		c = next;
	}
}

static int same_choice(const li_serve_choice *a, const li_serve_choice *b)
{
	return a->project == b->project && !strcmp(a->cut, b->cut) &&
	       !strcmp(a->method, b->method) && a->auto_tune == b->auto_tune;
}

void li_serve_keep_view(li_serve *s)
{
	pthread_mutex_lock(&s->jlock);
	if (s->job.active) {
		s->job.superseded = 1;
		s->job.has_next = 0;
	}
	pthread_mutex_unlock(&s->jlock);
}

void li_serve_prepare(li_serve *s, int project, const char *cut, const char *method,
		      int auto_tune, li_serve_reply *r)
{
	li_serve_choice c = {.project = project, .auto_tune = auto_tune};
	snprintf(c.dir, sizeof c.dir, "%s", s->projects[project].dir);
	snprintf(c.cut, sizeof c.cut, "%s", cut ? cut : "");
	snprintf(c.method, sizeof c.method, "%s", method ? method : "");
	const char *state = "preparing";
	int bad = 0;
	pthread_mutex_lock(&s->jlock);
	li_serve_job *j = &s->job;
	if (j->active && same_choice(&c, &j->run)) {
		/* the one being prepared: it is shown after all */
		j->superseded = 0;
		j->has_next = 0;
	} else if (j->active) {
		j->superseded = 1;
		j->next = c;
		j->has_next = 1;
		state = "queued";
	} else {
		job_begin(j, &c);
		pthread_attr_t at;
		pthread_t t;
		bad = pthread_attr_init(&at) ||
		      pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) ||
		      pthread_create(&t, &at, job_main, s);
		pthread_attr_destroy(&at);
		if (bad)
			j->active = 0;
	}
	pthread_mutex_unlock(&s->jlock);
	if (bad) {
		li_serve_error(r, 500, "cannot start a thread");
		return;
	}
	char *body = NULL;
	if (asprintf(&body, "{\"state\": \"%s\", \"view\": %d}\n", state, s->view) < 0) {
		li_serve_error(r, 500, "out of memory");
		return;
	}
	free(r->body);
	r->status = 202;
	r->type = "application/json";
	r->body = body;
	r->size = strlen(body);
}

/* c as the JSON object the page sees. */
static void choice_json(li_serve *s, const li_serve_choice *c, FILE *f)
{
	fputs("{\"project\": ", f);
	li_serve_json_str(f, s->projects[c->project].name);
	fputs(", \"cut\": ", f);
	li_serve_json_str(f, c->cut);
	fputs(", \"method\": ", f);
	li_serve_json_str(f, c->method);
	fprintf(f, ", \"auto\": %s", c->auto_tune ? "true" : "false");
}

void li_serve_job_json(li_serve *s, FILE *f)
{
	pthread_mutex_lock(&s->jlock);
	const li_serve_job *j = &s->job;
	fputs("\"preparing\": ", f);
	if (j->active) {
		choice_json(s, &j->run, f);
		fputs(", \"stage\": ", f);
		li_serve_json_str(f, j->stage);
		fprintf(f, ", \"done\": %lld, \"total\": %lld, \"superseded\": %s}",
			(long long)j->done, (long long)j->total, j->superseded ? "true" : "false");
	} else {
		fputs("null", f);
	}
	fputs(", \"error\": ", f);
	if (j->error[0])
		li_serve_json_str(f, j->error);
	else
		fputs("null", f);
	fputs(", \"queued\": ", f);
	if (j->active && j->has_next) {
		choice_json(s, &j->next, f);
		fputs("}", f);
	} else {
		fputs("null", f);
	}
	pthread_mutex_unlock(&s->jlock);
}
