/*
 * A writer's hold on a labeled data set folder (see labeled.c for why this is crash
 * safe): DATASET/.lock taken and the current generation read under it, what a crashed
 * writer left cleared, the next generation's folder made, and, once it is complete, the
 * `current` link swapped to it with rename(2) and the generation before the previous one
 * pruned (the previous stays: a reader may have resolved `current` a moment ago).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labeled_internal.h"

/* Removes a generation folder (its files, then itself). Best effort. */
static void remove_gen(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *dp = fdopendir(fd);
		if (dp) {
			struct dirent *de;
			while ((de = readdir(dp)))
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
					unlinkat(fd, de->d_name, 0);
			closedir(dp);
		} else {
			close(fd);
		}
	}
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

int li_labeled_sweep(int dirfd, const char *keep, const char *keep2, int check, li_err *err)
{
	int fd = dup(dirfd);
	DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dp) {
		if (fd >= 0)
			close(fd);
		return li_err_set(err, LI_EIO, "cannot list the folder: %s", strerror(errno));
	}
	rewinddir(dp);
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(dp))) {
		const char *s = de->d_name;
		if (!strcmp(s, ".") || !strcmp(s, "..") || !strcmp(s, ".lock") || !strcmp(s, "current"))
			continue;
		if (!strncmp(s, "gen-", 4)) {
			if ((!keep || strcmp(s, keep)) && (!keep2 || strcmp(s, keep2)))
				remove_gen(dirfd, s);
		} else if (!strcmp(s, "current.tmp")) {
			unlinkat(dirfd, s, 0);
		} else if (check) {
			rc = li_err_set(err, LI_EDATA, "not a labeled data set (the folder holds '%s')", s);
			break;
		}
	}
	closedir(dp);
	return rc;
}

/*
 * Makes the complete generation gname (open as gfd) current: it and its folder entry synced, a new link
 * renamed over `current`, the folder synced, then the generation before the one that was
 * current (prune, "" for none) removed: the one that was current stays as the previous
 * one, for readers that resolved `current` a moment ago. *made is cleared once `current`
 * names gname. 0 or negative.
 */
static int swap_in(int dirfd, int gfd, const char *gname, const char *prune, int *made,
		   li_err *err)
{
	if (fsync(gfd) != 0)
		return li_err_set(err, LI_EIO, "syncing the generation: %s", strerror(errno));
	/* the generation's own entry is on disk before any link can name it */
	if (fsync(dirfd) != 0)
		return li_err_set(err, LI_EIO, "syncing the folder: %s", strerror(errno));
	if (symlinkat(gname, dirfd, "current.tmp") != 0 ||
	    renameat(dirfd, "current.tmp", dirfd, "current") != 0) {
		li_err_set(err, LI_EIO, "cannot switch 'current': %s", strerror(errno));
		unlinkat(dirfd, "current.tmp", 0);
		return -1;
	}
	*made = 0;
	if (fsync(dirfd) != 0)
		return li_err_set(err, LI_EIO, "syncing the folder: %s", strerror(errno));
	if (prune[0])
		remove_gen(dirfd, prune);
	return 0;
}

int li_labeled_writer_lock(li_labeled_writer *w, const char *dir, int allow_empty, li_err *err)
{
	w->lockfd = openat(w->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->lockfd < 0 || flock(w->lockfd, LOCK_EX) != 0)
		return li_err_set(err, LI_EIO, "cannot lock '.lock': %s", strerror(errno));
	return (w->d = li_labeled_open_gen(dir, allow_empty, err)) ? 0 : -1;
}

int li_labeled_writer_begin(li_labeled_writer *w, li_err *err)
{
	char oldname[64] = "";
	long long g = w->d->info.generation;
	if (g > 0)
		snprintf(oldname, sizeof oldname, "gen-%06lld", g);
	if (g > 1)
		snprintf(w->prevname, sizeof w->prevname, "gen-%06lld", g - 1);
	if (li_labeled_sweep(w->dirfd, oldname[0] ? oldname : NULL, w->prevname[0] ? w->prevname : NULL, 0,
		  err))
		return -1;
	snprintf(w->gname, sizeof w->gname, "gen-%06lld", g + 1);
	if (mkdirat(w->dirfd, w->gname, 0755) != 0)
		return li_err_set(err, LI_EIO, "cannot create '%s': %s", w->gname, strerror(errno));
	w->made = 1;
	w->gfd = openat(w->dirfd, w->gname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->gfd < 0)
		return li_err_set(err, LI_EIO, "'%s': %s", w->gname, strerror(errno));
	return 0;
}

int li_labeled_writer_commit(li_labeled_writer *w, long long *generation, li_err *err)
{
	if (swap_in(w->dirfd, w->gfd, w->gname, w->prevname, &w->made, err))
		return -1;
	if (generation)
		*generation = w->d->info.generation + 1;
	return 0;
}

void li_labeled_writer_end(li_labeled_writer *w, const char *remove_dir)
{
	if (w->made)
		remove_gen(w->dirfd, w->gname);
	if (w->gfd >= 0)
		close(w->gfd);
	li_labeled_close(w->d);
	if (remove_dir && w->dirfd >= 0) {
		unlinkat(w->dirfd, ".lock", 0);
		rmdir(remove_dir);
	}
	if (w->lockfd >= 0)
		close(w->lockfd);
	if (w->dirfd >= 0)
		close(w->dirfd);
}
