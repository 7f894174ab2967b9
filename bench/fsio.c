/*
 * fsio.c - atomic file writes and small file-system helpers (fsio.h).
 *
 * An atomic write goes to "PATH.tmp.PID" in the same directory (rename is
 * atomic only within one file system), and gb_atomic_commit makes it
 * durable before it becomes visible: fflush, fsync of the file, fclose,
 * rename onto PATH, then fsync of the directory so the rename itself
 * survives a crash. Until the rename, PATH keeps its old contents whatever
 * happens to the writer; a writer killed outright leaves at worst a stray
 * ".tmp.PID" file beside it, never a half-written PATH. A folder whose
 * files must change together (a run's results directory) is written into
 * a staging folder beside it and swapped in whole (gb_stage_*).
 */
#include "fsio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "gbench.h"

/*
 * The stream of an atomic write is a cookie stream over the temp file, so
 * that the errno of a failed write(2) is kept: stdio only sets the error
 * flag, and by commit time errno says something else (a full disk was
 * reported as "Input/output error").
 */
struct gb_atomic_sink {
	int fd;
	int err;       /* errno of the first failed write or close, 0 if none */
};

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
	struct gb_atomic_sink *s = cookie;
	size_t done = 0;

	/* stdio takes a short count as an error: write all of it or fail */
	while (done < n) {
		ssize_t w = write(s->fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!s->err)
				s->err = w < 0 ? errno : EIO;
			errno = s->err;
			return 0;
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

static int sink_close(void *cookie)
{
	struct gb_atomic_sink *s = cookie;
	int rc = close(s->fd);

	if (rc < 0 && !s->err)
		s->err = errno;
	s->fd = -1;
	return rc;
}

int gb_atomic_open(struct gb_atomic *a, const char *path)
{
	static const cookie_io_functions_t io = { .write = sink_write, .close = sink_close };
	int fd;

	memset(a, 0, sizeof(*a));
	a->path = gb_xstrdup(path);
	a->tmp = gb_xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		int err = errno;

		free(a->path);
		free(a->tmp);
		memset(a, 0, sizeof(*a));
		return gb_error("cannot create '%s': %s", path, strerror(err));
	}
	a->sink = gb_xcalloc(1, sizeof(*a->sink));
	a->sink->fd = fd;
	a->f = fopencookie(a->sink, "w", io);
	if (!a->f) {
		int err = errno;

		close(fd);
		gb_atomic_abort(a);
		return gb_error("cannot create '%s': %s", path, strerror(err));
	}
	return 0;
}

/* fsync the directory holding path, so that a rename into it is durable. */
static int sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0;

	if (!slash)
		dir = gb_xstrdup(".");
	else if (slash == path)
		dir = gb_xstrdup("/");
	else
		dir = gb_xasprintf("%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		/* Some file systems cannot fsync a directory: not worth failing for. */
		if (errno != EINVAL && errno != ENOTSUP)
			rc = gb_error("cannot sync directory '%s': %s", dir, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int gb_atomic_commit(struct gb_atomic *a)
{
	int err = 0, rc;

	if (!a->f)
		return gb_error("'%s' is not open for writing", a->path ? a->path : "?");
	/* the first failure is the cause; a full disk stays ENOSPC (sink_write) */
	if (fflush(a->f) != 0 || ferror(a->f))
		err = a->sink->err ? a->sink->err : errno ? errno : EIO;
	if (fsync(a->sink->fd) != 0 && !err)
		err = errno;
	if (fclose(a->f) != 0 && !err)
		err = a->sink->err ? a->sink->err : errno;
	a->f = NULL;
	if (err) {
		gb_error("cannot write '%s': %s", a->path, strerror(err));
		gb_atomic_abort(a);
		return -1;
	}
	if (rename(a->tmp, a->path) != 0) {
		gb_error("cannot rename '%s' to '%s': %s", a->tmp, a->path, strerror(errno));
		gb_atomic_abort(a);
		return -1;
	}
	rc = sync_parent(a->path);
	free(a->path);
	free(a->tmp);
	free(a->sink);
	memset(a, 0, sizeof(*a));
	return rc;
}

void gb_atomic_abort(struct gb_atomic *a)
{
	if (a->f)
		fclose(a->f);
	if (a->tmp)
		unlink(a->tmp);
	free(a->path);
	free(a->tmp);
	free(a->sink);
	memset(a, 0, sizeof(*a));
}

int gb_mkdir_p(const char *path)
{
	char *p, *s;
	int rc = 0;

	if (!*path)
		return gb_error("empty directory name");
	p = gb_xstrdup(path);
	for (s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			rc = gb_error("cannot create directory '%s': %s", p, strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	if (rc == 0 && !gb_is_dir(path))
		rc = gb_error("'%s' exists and is not a directory", path);
	free(p);
	return rc;
}

char *gb_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 8192, got;
	char *buf;

	if (!f) {
		gb_error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf = gb_xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n > GB_READ_FILE_MAX) {
			gb_error("'%s' is larger than %zu MiB, more than any file gbench reads",
				 path, GB_READ_FILE_MAX >> 20);
			fclose(f);
			free(buf);
			return NULL;
		}
		if (cap - n - 1 == 0) {
			cap *= 2;
			buf = gb_xrealloc(buf, cap);
		}
	}
	if (ferror(f)) {
		gb_error("cannot read '%s': %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int gb_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int gb_file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int gb_rm_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- a directory written whole: staged beside its target, then swapped in ---- */

/* target without trailing slashes, split into its parent and its name; caller frees both. */
static void split_target(const char *target, char **parent, char **name)
{
	char *t = gb_xstrdup(target), *slash;
	size_t n = strlen(t);

	while (n > 1 && t[n - 1] == '/')
		t[--n] = '\0';
	slash = strrchr(t, '/');
	if (!slash) {
		*parent = gb_xstrdup(".");
		*name = t;
		return;
	}
	*parent = slash == t ? gb_xstrdup("/") : gb_xasprintf("%.*s", (int)(slash - t), t);
	*name = gb_xstrdup(slash + 1);
	free(t);
}

int gb_pid_alive(pid_t pid)
{
	return pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH;
}

/* The pid in name after prefix (fsio.h), or 0 when name is not such an entry. */
static long entry_pid(const char *name, const char *prefix)
{
	const char *p, *q, *hit = NULL;
	char *end;
	long pid;

	if (prefix[0] == '*') {
		for (q = name; (q = strstr(q, prefix + 1)); q++)
			hit = q;
		if (!hit)
			return 0;
		p = hit + strlen(prefix + 1);
	} else {
		if (strncmp(name, prefix, strlen(prefix)))
			return 0;
		p = name + strlen(prefix);
	}
	if (*p < '0' || *p > '9')
		return 0;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno || pid <= 0 || pid > INT_MAX || (*end && *end != '.'))
		return 0;
	return pid;
}

int gb_reclaim(const char *dir, const char *prefix, const char *what)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		long pid = entry_pid(e->d_name, prefix);
		char *p;

		if (!pid || pid == (long)getpid() || gb_pid_alive((pid_t)pid))
			continue;
		p = gb_xasprintf("%s/%s", dir, e->d_name);
		if (gb_rm_tree(p) < 0) {
			gb_warn("cannot remove '%s' (%s of process %ld, which is gone): %s", p, what,
				pid, strerror(errno));
		} else {
			gb_warn("removed '%s': %s of process %ld, which is gone", p, what, pid);
			n++;
		}
		free(p);
	}
	closedir(d);
	return n;
}

char *gb_stage_dir(const char *target)
{
	char *parent, *name, *stage = NULL;

	split_target(target, &parent, &name);
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		gb_error("cannot stage '%s': not a folder name", target);
	} else if (gb_mkdir_p(parent) == 0) {
		char *prefix = gb_xasprintf(".%s.staging.", name);

		gb_reclaim(parent, prefix, "the staging folder of a killed run");
		free(prefix);
		stage = gb_xasprintf("%s/.%s.staging.%ld", parent, name, (long)getpid());
		if (mkdir(stage, 0777) < 0) {
			gb_error("cannot create '%s': %s", stage, strerror(errno));
			free(stage);
			stage = NULL;
		}
	}
	free(parent);
	free(name);
	return stage;
}

int gb_stage_publish(const char *stage, const char *target)
{
	struct stat st;
	char *old;
	int rc = 0;

	if (lstat(target, &st) < 0) {
		if (errno != ENOENT || rename(stage, target) < 0)
			return gb_error("cannot move '%s' to '%s': %s", stage, target,
					strerror(errno));
		return sync_parent(target);
	}
	if (!S_ISDIR(st.st_mode))
		return gb_error("cannot replace '%s': it is not a folder", target);
	/* One step: the old folder ends up at stage, and goes. */
	if (renameat2(AT_FDCWD, stage, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
		if (gb_rm_tree(stage) < 0)
			gb_warn("cannot remove the old '%s' (now '%s'): %s", target, stage,
				strerror(errno));
		return sync_parent(target);
	}
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return gb_error("cannot replace '%s' with '%s': %s", target, stage, strerror(errno));
	/* No RENAME_EXCHANGE here (an old kernel, some file systems): two renames. */
	old = gb_xasprintf("%s.old", stage);
	if (rename(target, old) < 0) {
		rc = gb_error("cannot replace '%s' with '%s': %s", target, stage, strerror(errno));
	} else if (rename(stage, target) < 0) {
		rc = gb_error("cannot replace '%s' with '%s': %s", target, stage, strerror(errno));
		if (rename(old, target) < 0)   /* the old folder back where it was */
			gb_error("cannot move '%s' back to '%s': %s", old, target, strerror(errno));
	} else {
		if (gb_rm_tree(old) < 0)
			gb_warn("cannot remove the old '%s' (now '%s'): %s", target, old,
				strerror(errno));
		rc = sync_parent(target);
	}
	free(old);
	return rc;
}
