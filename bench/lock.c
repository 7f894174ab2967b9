/*
 * lock.c - advisory locks on the folders gbench writes, and reclaiming
 * what killed gbench processes left behind (lock.h).
 *
 * Two runs into one --out would interleave their files and both exit 0;
 * two saves of one baseline class would race their renames. A flock(2)
 * on a file beside the folder turns the second into an error at once,
 * naming the first one's pid. flock rather than fcntl locks: an fcntl lock
 * is dropped when the process closes any descriptor of the file, and the
 * kernel drops either kind when the holder dies, which is what matters
 * after a kill -9.
 */
#include "lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsio.h"
#include "gbench.h"

/* The lock file of dir (caller frees) and the folder that holds it (caller frees). */
static char *lock_path(const char *dir, char **parent)
{
	char *t = gb_xstrdup(dir), *slash, *name, *path;
	size_t n = strlen(t);

	while (n > 1 && t[n - 1] == '/')
		t[--n] = '\0';
	slash = strrchr(t, '/');
	name = slash ? slash + 1 : t;
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		/* no name to put beside it ("/", ".", "x/.."): the lock goes inside */
		*parent = gb_xstrdup(t);
		path = gb_xasprintf("%s/.gbench.lock", t);
	} else {
		*parent = !slash ? gb_xstrdup(".") : slash == t ? gb_xstrdup("/")
			: gb_xasprintf("%.*s", (int)(slash - t), t);
		path = gb_xasprintf("%s/.%s.lock", *parent, name);
	}
	free(t);
	return path;
}

/* The pid written in an open lock file, or 0 when it has none (yet). */
static long holder_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? pid : 0;
}

/* Whether fd is still the file at path (a holder that ended may have removed it). */
static int still_there(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Whether a file can be created in dir; 0, or -1 after a message. */
static int probe_dir(const char *dir)
{
	struct stat st;
	char *probe;
	int fd;

	if (stat(dir, &st) < 0)
		return errno == ENOENT ? 0 : gb_error("cannot use '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return gb_error("'%s' exists and is not a folder", dir);
	probe = gb_xasprintf("%s/.gbench-probe.%ld", dir, (long)getpid());
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;

		free(probe);
		return gb_error("cannot write into '%s': %s", dir, strerror(err));
	}
	close(fd);
	unlink(probe);
	free(probe);
	return 0;
}

int gb_lock_take(struct gb_lock *l, const char *dir)
{
	char *parent, *path = lock_path(dir, &parent), pid[32];
	int fd = -1, len;

	l->fd = -1;
	l->path = NULL;
	if (gb_mkdir_p(parent) < 0)
		goto fail;
	for (int tries = 0;; tries++) {
		/* O_NOFOLLOW: a symlink planted there must not have us truncate its target */
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0) {
			gb_error("cannot write into '%s': cannot create '%s': %s", parent, path,
				 strerror(errno));
			goto fail;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int err = errno;
			long holder = holder_pid(fd);

			if (err != EWOULDBLOCK)
				gb_error("cannot lock '%s': %s", path, strerror(err));
			else if (holder)
				gb_error("'%s' is in use by another gbench (pid %ld holds '%s')", dir,
					 holder, path);
			else
				gb_error("'%s' is in use by another gbench (it holds '%s')", dir, path);
			goto fail;
		}
		if (still_there(fd, path))
			break;
		close(fd);
		fd = -1;
		if (tries == 100) {
			gb_error("cannot lock '%s': '%s' keeps being replaced", dir, path);
			goto fail;
		}
	}
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		gb_error("cannot write '%s': %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	l->fd = fd;
	l->path = path;
	free(parent);
	if (probe_dir(dir) < 0) {
		gb_lock_release(l);
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(path);
	free(parent);
	return -1;
}

void gb_lock_release(struct gb_lock *l)
{
	if (l->fd < 0)
		return;
	/* unlink while still holding it: whoever opened the old file retries (still_there) */
	unlink(l->path);
	close(l->fd);
	free(l->path);
	l->fd = -1;
	l->path = NULL;
}
