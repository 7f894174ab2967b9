/*
 * fsio.c - atomic file writes and small file-system helpers (fsio.h).
 *
 * An atomic write goes to "PATH.tmp.PID" in the same directory (rename is
 * atomic only within one file system), and gb_atomic_commit makes it
 * durable before it becomes visible: fflush, fsync of the file, fclose,
 * rename onto PATH, then fsync of the directory so the rename itself
 * survives a crash. Until the rename, PATH keeps its old contents whatever
 * happens to the writer; a writer killed outright leaves at worst a stray
 * ".tmp.PID" file beside it, never a half-written PATH.
 */
#include "fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "gbench.h"

int gb_atomic_open(struct gb_atomic *a, const char *path)
{
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
	a->f = fdopen(fd, "w");
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
	if (ferror(a->f))
		err = EIO;
	if (fflush(a->f) != 0 && !err)
		err = errno;
	if (fsync(fileno(a->f)) != 0 && !err)
		err = errno;
	if (fclose(a->f) != 0 && !err)
		err = errno;
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
