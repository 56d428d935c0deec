/*
 * HDF5 attribute and dataset helpers (see h5util.h). Keras and h5py wrote strings in
 * several ways over the years: tf.keras 2.4 fixed-length NULLPAD arrays, 2.5+ and Keras 3
 * variable-length strings, root attributes as scalar variable-length ASCII or UTF-8.
 * Every reader here asks HDF5 what the type is and converts to a plain C string.
 */
#include "h5util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

void li_h5_quiet(void)
{
	static int done;
	if (!done) {
		H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
		done = 1;
	}
}

int li_h5_tmp_beside(const char *path, int mode, char **tmp, li_err *err)
{
	size_t n = strlen(path) + 16;
	if (!(*tmp = malloc(n)))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	snprintf(*tmp, n, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(*tmp);
	if (fd < 0) {
		int rc = li_err_set(err, LI_EIO, "cannot create: %s", strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return rc;
	}
	/* mkstemp makes the file 0600 */
	if (mode != 0600)
		fchmod(fd, (mode_t)mode);
	close(fd);
	return 0;
}

/* ---- the guard around reads (see li_h5_on_crash) ---- */

enum { GUARD_FILES = 8 }; /* open at once; a program holds one or two */
/* CPU seconds one stretch of reading may take: a damaged global heap can send libhdf5
 * round a loop for ever (H5HG deserialising a zero-sized object), while a real file's
 * largest read (a weight of a few GB, converted) takes a few seconds. */
enum { GUARD_CPU_SECONDS = 10 };
static const int fatal_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGVTALRM};
#define N_FATAL ((int)(sizeof fatal_sigs / sizeof *fatal_sigs))

static struct {
	li_h5_crash_fn crash;
	struct sigaction old[N_FATAL];
	int installed;
	volatile sig_atomic_t depth, paused;
	hid_t id[GUARD_FILES];
	char path[GUARD_FILES][4096];
} guard;

/* A stack overflow inside libhdf5 (deep recursion on a crafted file) leaves no stack for
 * the handler: it runs on its own, unless something (a sanitizer) set one already. */
static char alt_stack[1 << 16];

static void put_back(void)
{
	for (int i = 0; guard.installed && i < N_FATAL; i++)
		sigaction(fatal_sigs[i], &guard.old[i], NULL);
	guard.installed = 0;
}

static void on_fatal(int sig)
{
	int d = guard.depth;
	if (guard.crash && d > 0 && !guard.paused)
		guard.crash(guard.path[(d > GUARD_FILES ? GUARD_FILES : d) - 1]);
	if (sig == SIGVTALRM)
		return; /* a late tick after a read: nothing to do */
	/* not during a read: the previous handler (or the default) takes it when the
	 * faulting instruction runs again, or when the raised signal is unblocked */
	put_back();
	raise(sig);
}

/* The CPU-time watchdog of one stretch of reading (ITIMER_VIRTUAL: user time). */
static void watchdog(int on)
{
	if (!guard.installed)
		return;
	struct itimerval t;
	memset(&t, 0, sizeof t);
	t.it_value.tv_sec = on ? GUARD_CPU_SECONDS : 0;
	setitimer(ITIMER_VIRTUAL, &t, NULL);
}

void li_h5_on_crash(li_h5_crash_fn fn)
{
	guard.crash = fn;
}

static void guard_enter(const char *path)
{
	int d = guard.depth;
	if (d < GUARD_FILES) {
		snprintf(guard.path[d], sizeof guard.path[d], "%s", path);
		guard.id[d] = -1;
	}
	guard.depth = d + 1;
	if (!guard.crash || guard.installed) {
		watchdog(1);
		return;
	}
	stack_t cur;
	if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE)) {
		stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0};
		sigaltstack(&ss, NULL);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < N_FATAL; i++)
		sigaction(fatal_sigs[i], &sa, &guard.old[i]);
	guard.installed = 1;
	watchdog(1);
}

/* Forgets file f (-1: the last one entered, whose open failed). */
static void guard_leave(hid_t f)
{
	int d = guard.depth, top = d < GUARD_FILES ? d : GUARD_FILES;
	if (d <= 0)
		return;
	for (int i = top - 1; i >= 0; i--)
		if (guard.id[i] == f) {
			for (int j = i; j + 1 < top; j++) {
				guard.id[j] = guard.id[j + 1];
				memcpy(guard.path[j], guard.path[j + 1], sizeof guard.path[j]);
			}
			break;
		}
	guard.depth = d - 1;
	if (d == 1) {
		watchdog(0);
		put_back();
	}
}

void li_h5_pause(void)
{
	watchdog(0);
	guard.paused++;
}

void li_h5_resume(void)
{
	if (guard.paused > 0 && --guard.paused == 0 && guard.depth > 0)
		watchdog(1);
}

hid_t li_h5_open(const char *path, li_err *err)
{
	struct stat st;
	li_h5_quiet();
	if (stat(path, &st))
		return li_err_set(err, LI_EIO, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return li_err_set(err, LI_EIO, "is a directory");
	if (access(path, R_OK))
		return li_err_set(err, LI_EIO, "%s", strerror(errno));
	guard_enter(path);
	htri_t is = H5Fis_hdf5(path);
	hid_t f = is > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
	if (f < 0) {
		guard_leave(-1);
		return li_err_set(err, LI_EDATA, is > 0 ? "cannot open as HDF5 (damaged file?)"
						       : "not an HDF5 file");
	}
	if (guard.depth <= GUARD_FILES)
		guard.id[guard.depth - 1] = f;
	return f;
}

void li_h5_close(hid_t f)
{
	if (f < 0)
		return;
	H5Fclose(f);
	guard_leave(f);
}

hsize_t li_h5_file_size(hid_t obj)
{
	hsize_t size = 0;
	hid_t f = H5Iget_file_id(obj);
	if (f >= 0) {
		if (H5Fget_filesize(f, &size) < 0)
			size = 0;
		H5Fclose(f);
	}
	return size;
}

int li_h5_has_attr(hid_t obj, const char *name)
{
	return H5Aexists(obj, name) > 0;
}

/* Copies at most n bytes of a fixed-length string, stopping at the first NUL and
 * trimming SPACEPAD padding. */
static char *fixed_dup(const char *s, size_t n, int spacepad)
{
	size_t len = 0;
	while (len < n && s[len])
		len++;
	if (spacepad)
		while (len > 0 && s[len - 1] == ' ')
			len--;
	char *out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = 0;
	}
	return out;
}

/*
 * Reads every element of a string attribute (scalar = one element) into a new array.
 * Empty numeric arrays give n = 0; uint8/int8 1-D arrays give one string.
 */
static int read_attr(hid_t attr, const char *name, char ***out, int *n_out, li_err *err)
{
	hid_t type = -1, space = -1, mtype = -1;
	char **res = NULL;
	void *buf = NULL;
	int n = 0, rc = LI_EDATA;
	hssize_t count;
	type = H5Aget_type(attr);
	space = H5Aget_space(attr);
	if (type < 0 || space < 0) {
		li_err_set(err, LI_EDATA, "cannot read attribute '%s'", name);
		goto out;
	}
	count = H5Sget_simple_extent_npoints(space);
	if (count < 0 || count > (1 << 24)) {
		li_err_set(err, LI_EDATA, "attribute '%s' has a bad size", name);
		goto out;
	}
	/* Each element takes room in the file: a fixed-length string its size, a variable-
	 * length one a reference of at least 8 bytes into the global heap. */
	hsize_t fsize = li_h5_file_size(attr);
	size_t esz = H5Tget_size(type);
	if (fsize && (double)count * (double)(esz < 8 ? esz : 8) > (double)fsize) {
		li_err_set(err, LI_EDATA, "attribute '%s' claims more data than the file holds", name);
		goto out;
	}
	H5T_class_t cls = H5Tget_class(type);
	if (cls != H5T_STRING) {
		if (count == 0) { /* Keras 2's empty weight_names: an empty float64 array */
			rc = 0;
			goto out;
		}
		if (cls == H5T_INTEGER && H5Tget_size(type) == 1) {
			buf = calloc((size_t)count + 1, 1);
			res = calloc(1, sizeof *res);
			if (!buf || !res) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
			if (H5Aread(attr, H5T_NATIVE_UCHAR, buf) < 0) {
				li_err_set(err, LI_EDATA, "cannot read attribute '%s'", name);
				goto out;
			}
			res[0] = fixed_dup(buf, (size_t)count, 0);
			if (!res[0]) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
			n = 1;
			rc = 0;
			goto out;
		}
		li_err_set(err, LI_EDATA, "attribute '%s' is not a string", name);
		goto out;
	}
	if (count == 0) {
		rc = 0;
		goto out;
	}
	res = calloc((size_t)count, sizeof *res);
	if (!res) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (H5Tis_variable_str(type) > 0) {
		mtype = H5Tcopy(H5T_C_S1);
		H5Tset_size(mtype, H5T_VARIABLE);
		H5Tset_cset(mtype, H5Tget_cset(type));
		char **v = calloc((size_t)count, sizeof *v);
		if (!v) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		buf = v;
		if (H5Aread(attr, mtype, v) < 0) {
			li_err_set(err, LI_EDATA, "cannot read string attribute '%s'", name);
			goto out;
		}
		/* The strings live in the file's global heap: longer ones are garbage read
		 * through a damaged length (libhdf5 allocates whatever it claims, up to 4 GB;
		 * doc/robustness.md), never copied again. */
		size_t total = 0, limit = fsize ? (size_t)fsize : SIZE_MAX - 1;
		rc = 0;
		for (hssize_t i = 0; i < count && !rc; i++) {
			size_t len = v[i] ? strnlen(v[i], limit + 1) : 0;
			if ((total += len) > limit) {
				rc = LI_EDATA;
				break;
			}
			res[i] = strndup(v[i] ? v[i] : "", len);
			if (!res[i])
				rc = LI_ENOMEM;
			n = (int)i + 1;
		}
		H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, v);
		if (rc == LI_ENOMEM) {
			li_err_set(err, rc, "out of memory");
			goto out;
		}
		if (rc) {
			li_err_set(err, rc, "attribute '%s' holds more text than the file", name);
			goto out;
		}
	} else {
		size_t sz = H5Tget_size(type);
		size_t total;
		if (sz == 0 || li_mul_size(sz, (size_t)count, &total) || total > (1u << 30) ||
		    (fsize && total > fsize)) {
			li_err_set(err, LI_EDATA, "attribute '%s' has a bad size", name);
			goto out;
		}
		int spacepad = H5Tget_strpad(type) == H5T_STR_SPACEPAD;
		mtype = H5Tcopy(H5T_C_S1);
		H5Tset_size(mtype, sz);
		H5Tset_strpad(mtype, H5T_STR_NULLPAD);
		H5Tset_cset(mtype, H5Tget_cset(type));
		buf = malloc(total);
		if (!buf) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		if (H5Aread(attr, mtype, buf) < 0) {
			li_err_set(err, LI_EDATA, "cannot read string attribute '%s'", name);
			goto out;
		}
		for (hssize_t i = 0; i < count; i++) {
			res[i] = fixed_dup((char *)buf + (size_t)i * sz, sz, spacepad);
			n = (int)i + 1;
			if (!res[i]) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(buf);
	if (mtype >= 0)
		H5Tclose(mtype);
	if (space >= 0)
		H5Sclose(space);
	if (type >= 0)
		H5Tclose(type);
	if (rc) {
		li_h5_strings_free(res, n);
		return rc;
	}
	*out = res;
	*n_out = n;
	return 0;
}

static int read_named(hid_t obj, const char *name, char ***out, int *n, li_err *err)
{
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	if (a < 0)
		return li_err_set(err, LI_EDATA, "cannot open attribute '%s'", name);
	int rc = read_attr(a, name, out, n, err);
	H5Aclose(a);
	return rc;
}

int li_h5_attr_string(hid_t obj, const char *name, char **out, li_err *err)
{
	char **s = NULL;
	int n = 0;
	if (!li_h5_has_attr(obj, name))
		return LI_EEND;
	int rc = read_named(obj, name, &s, &n, err);
	if (rc)
		return rc;
	if (n < 1) {
		li_h5_strings_free(s, n);
		return li_err_set(err, LI_EDATA, "attribute '%s' is empty", name);
	}
	*out = s[0];
	s[0] = NULL;
	li_h5_strings_free(s, n);
	return 0;
}

int li_h5_attr_strings(hid_t obj, const char *name, char ***out, int *n, li_err *err)
{
	*out = NULL;
	*n = 0;
	if (li_h5_has_attr(obj, name))
		return read_named(obj, name, out, n, err);
	/* Chunks name0, name1, ... (Keras splits attributes past 64512 bytes). */
	char key[512];
	char **all = NULL;
	int n_all = 0;
	for (int c = 0;; c++) {
		snprintf(key, sizeof key, "%s%d", name, c);
		if (!li_h5_has_attr(obj, key))
			break;
		char **part = NULL;
		int n_part = 0;
		int rc = read_named(obj, key, &part, &n_part, err);
		if (rc) {
			li_h5_strings_free(all, n_all);
			return rc;
		}
		char **grown = realloc(all, sizeof *all * (size_t)(n_all + n_part + 1));
		if (!grown) {
			li_h5_strings_free(part, n_part);
			li_h5_strings_free(all, n_all);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		all = grown;
		for (int i = 0; i < n_part; i++)
			all[n_all++] = part[i];
		free(part);
	}
	snprintf(key, sizeof key, "%s0", name);
	if (!li_h5_has_attr(obj, key))
		return LI_EEND;
	*out = all;
	*n = n_all;
	return 0;
}

void li_h5_strings_free(char **s, int n)
{
	if (!s)
		return;
	for (int i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

int li_h5_read_f32(hid_t loc, const char *path, li_array *out, li_err *err)
{
	hid_t d = -1, space = -1, type = -1;
	int rc = LI_EDATA;
	memset(out, 0, sizeof *out);
	if (H5Lexists(loc, path, H5P_DEFAULT) <= 0) {
		/* H5Lexists fails on a missing intermediate group too: check each prefix. */
		return li_err_set(err, LI_EDATA, "weight '%s' is missing", path);
	}
	d = H5Dopen2(loc, path, H5P_DEFAULT);
	if (d < 0) {
		li_err_set(err, LI_EDATA, "weight '%s' is not a dataset", path);
		goto out;
	}
	space = H5Dget_space(d);
	type = H5Dget_type(d);
	int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
	if (rank < 0 || rank > LI_MAX_RANK) {
		li_err_set(err, LI_EDATA, "weight '%s' has a bad shape", path);
		goto out;
	}
	H5T_class_t cls = H5Tget_class(type);
	if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
		li_err_set(err, LI_EDATA, "weight '%s' is not numeric", path);
		goto out;
	}
	hsize_t dims[LI_MAX_RANK];
	H5Sget_simple_extent_dims(space, dims, NULL);
	int64_t shape[LI_MAX_RANK];
	for (int i = 0; i < rank; i++)
		shape[i] = (int64_t)dims[i];
	int64_t count = li_shape_count(rank, shape);
	/* The storage must really hold the claimed elements (compressed data aside). */
	if (count < 0 || count > ((int64_t)1 << 34)) {
		li_err_set(err, LI_EDATA, "weight '%s' is too large", path);
		goto out;
	}
	hid_t dcpl = H5Dget_create_plist(d);
	int filtered = dcpl >= 0 && H5Pget_nfilters(dcpl) > 0;
	if (dcpl >= 0)
		H5Pclose(dcpl);
	/* Check the claim against the file's size before allocating: stored data cannot
	 * exceed it (compressed data is allowed a generous ratio). */
	hsize_t fsize = li_h5_file_size(d);
	double limit = (double)fsize * (filtered ? 1024.0 : 1.0) + 4096.0;
	if ((double)count * (double)H5Tget_size(type) > limit) {
		li_err_set(err, LI_EDATA, "weight '%s' claims more data than the file holds", path);
		goto out;
	}
	if (li_array_alloc(out, LI_DTYPE_F32, rank, shape, err))
		goto out;
	if (count > 0 && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
				 out->data) < 0) {
		li_array_release(out);
		li_err_set(err, LI_EDATA, "cannot read weight '%s'", path);
		goto out;
	}
	rc = 0;
out:
	if (type >= 0)
		H5Tclose(type);
	if (space >= 0)
		H5Sclose(space);
	if (d >= 0)
		H5Dclose(d);
	return rc;
}

int li_h5_write_f32(hid_t loc, const char *path, const li_array *a, hid_t dcpl)
{
	hsize_t dims[LI_MAX_RANK];
	for (int i = 0; i < a->rank; i++)
		dims[i] = (hsize_t)a->shape[i];
	hid_t s = a->rank ? H5Screate_simple(a->rank, dims, NULL) : H5Screate(H5S_SCALAR), d = -1;
	int rc = -1;
	if (s >= 0 &&
	    (d = H5Dcreate2(loc, path, H5T_IEEE_F32LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT)) >= 0 &&
	    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->data) >= 0)
		rc = 0;
	if (d >= 0)
		H5Dclose(d);
	if (s >= 0)
		H5Sclose(s);
	return rc;
}
