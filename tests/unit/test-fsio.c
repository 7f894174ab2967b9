/*
 * test-fsio.c - atomic writes: a committed write leaves no temp file, an
 * aborted one leaves the old file as it was, and a writer that dies before
 * committing (a forked child that writes half and _exits, or one killed
 * with SIGKILL mid-write) never touches the original. Also mkdir -p,
 * whole-file reads and error messages that name the file and the cause:
 * a full disk says "No space left on device", not "Input/output error".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsio.h"
#include "gbench.h"
#include "unit.h"

static char tmpdir[] = "/tmp/gb-fsio-XXXXXX";

static char *path_in(const char *name)
{
	return gb_xasprintf("%s/%s", tmpdir, name);
}

static int write_atomic(const char *path, const char *text)
{
	struct gb_atomic a;

	if (gb_atomic_open(&a, path) < 0)
		return -1;
	fputs(text, a.f);
	return gb_atomic_commit(&a);
}

static int file_is(const char *path, const char *text)
{
	size_t len;
	char *s = gb_read_file(path, &len);
	int ok = s && len == strlen(text) && strcmp(s, text) == 0;

	free(s);
	return ok;
}

/* Count the entries of tmpdir whose name contains ".tmp.". */
static int count_temps(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

static void remove_temps(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp.")) {
			char *p = path_in(e->d_name);

			unlink(p);
			free(p);
		}
	closedir(d);
}

/* Run fn with stderr captured into buf. */
static void capture_stderr(char *buf, size_t len, int (*fn)(void *), void *arg, int *rc)
{
	char *cap = path_in("stderr.txt");
	int saved = dup(2), fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	*rc = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(cap, "r");
	n = f ? fread(buf, 1, len - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(cap);
	free(cap);
}

TEST(commit_leaves_no_temp)
{
	char *p = path_in("a.csv");
	struct gb_atomic a;

	CHECK(write_atomic(p, "one\n") == 0);
	CHECK(file_is(p, "one\n"));
	CHECK(count_temps() == 0);
	/* While open, the data sits in PATH.tmp.PID beside PATH, not in PATH. */
	CHECK(gb_atomic_open(&a, p) == 0);
	{
		char *want = gb_xasprintf("%s.tmp.%ld", p, (long)getpid());

		CHECK_STR(a.tmp, want);
		CHECK(gb_file_exists(want));
		free(want);
	}
	fputs("two\n", a.f);
	fflush(a.f);
	CHECK(file_is(p, "one\n"));
	CHECK(count_temps() == 1);
	CHECK(gb_atomic_commit(&a) == 0);
	CHECK(a.f == NULL && a.tmp == NULL && a.path == NULL);
	CHECK(file_is(p, "two\n"));
	CHECK(count_temps() == 0);
	unlink(p);
	free(p);
}

TEST(abort_keeps_old)
{
	char *p = path_in("b.csv");
	struct gb_atomic a;

	CHECK(write_atomic(p, "old contents\n") == 0);
	CHECK(gb_atomic_open(&a, p) == 0);
	fputs("new contents that never land\n", a.f);
	gb_atomic_abort(&a);
	CHECK(file_is(p, "old contents\n"));
	CHECK(count_temps() == 0);
	unlink(p);
	free(p);
}

TEST(crash_mid_write_keeps_original)
{
	char *p = path_in("c.csv");
	pid_t pid;
	int st = 0;

	CHECK(write_atomic(p, "original\n") == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct gb_atomic a;

		if (gb_atomic_open(&a, p) < 0)
			_exit(3);
		fputs("half a rec", a.f);
		fflush(a.f);
		_exit(0);     /* dies without commit */
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(file_is(p, "original\n"));
	/* At worst a stray temp file of the dead writer, never a torn PATH. */
	{
		char *stray = gb_xasprintf("%s.tmp.%ld", p, (long)pid);

		CHECK(file_is(stray, "half a rec"));
		free(stray);
	}
	remove_temps();

	/* Killed outright while writing a large file. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct gb_atomic a;

		if (gb_atomic_open(&a, p) < 0)
			_exit(3);
		for (;;)
			fputs("row,row,row,row,row,row,row,row\n", a.f);
	}
	CHECK(pid > 0);
	usleep(50 * 1000);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
	CHECK(file_is(p, "original\n"));
	remove_temps();
	unlink(p);
	free(p);
}

static int open_missing(void *arg)
{
	struct gb_atomic a;

	return gb_atomic_open(&a, arg);
}

TEST(errors_name_the_file)
{
	char *p = path_in("no/such/dir/x.csv");
	char err[512];
	int rc;

	capture_stderr(err, sizeof(err), open_missing, p, &rc);
	CHECK(rc == -1);
	CHECK(strstr(err, p) != NULL);
	CHECK(strstr(err, "No such file or directory") != NULL);
	free(p);
}

TEST(mkdir_p_and_read)
{
	char *deep = path_in("x/y/z"), *file = path_in("x/y/file"), *under = path_in("x/y/file/sub");
	char *big = gb_xmalloc(100001), *back;
	size_t len, i;

	CHECK(gb_mkdir_p(deep) == 0);
	CHECK(gb_is_dir(deep));
	CHECK(gb_mkdir_p(deep) == 0);     /* existing: fine */
	for (i = 0; i < 100000; i++)
		big[i] = (char)('a' + i % 26);
	big[100000] = '\0';
	CHECK(write_atomic(file, big) == 0);
	back = gb_read_file(file, &len);
	CHECK(back && len == 100000 && back[len] == '\0' && memcmp(back, big, len) == 0);
	free(back);
	CHECK(gb_file_exists(file) && !gb_is_dir(file));
	fprintf(stderr, "# expected error follows\n");
	CHECK(gb_mkdir_p(under) == -1);   /* a file in the way */
	CHECK(gb_read_file(deep + strlen(deep), NULL) == NULL);
	CHECK(!gb_file_exists(under));
	unlink(file);
	rmdir(deep);
	free(deep);
	free(file);
	free(under);
	free(big);
}

/* Write n bytes through an atomic writer and commit; commit's result. */
static int write_big(void *arg)
{
	const char *p = arg;
	struct gb_atomic a;
	char row[1024];

	memset(row, 'x', sizeof(row) - 1);
	row[sizeof(row) - 1] = '\n';
	if (gb_atomic_open(&a, p) < 0)
		return -2;
	/* no check here: writers such as results.c leave errors to commit */
	for (int i = 0; i < 256; i++)
		fwrite(row, 1, sizeof(row), a.f);
	return gb_atomic_commit(&a);
}

/* A full file system: the message names the cause, the temp file goes. */
TEST(full_disk_names_the_cause)
{
	char *dir = path_in("full"), *p = path_in("full/results.csv"), err[1024];
	int rc;

	mkdir(dir, 0700);
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0) {
		SKIP("cannot mount a small tmpfs here: %s", strerror(errno));
		rmdir(dir);
		free(dir);
		free(p);
		return;
	}
	capture_stderr(err, sizeof(err), write_big, p, &rc);
	CHECK(rc == -1);
	CHECK(strstr(err, "No space left on device") != NULL);
	CHECK(strstr(err, "Input/output error") == NULL);
	CHECK(!gb_file_exists(p));
	{
		char *tmp = gb_xasprintf("%s.tmp.%ld", p, (long)getpid());

		CHECK(!gb_file_exists(tmp));
		free(tmp);
	}
	if (unit_cur_failed)
		printf("# stderr was: %s", err);
	umount(dir);
	rmdir(dir);
	free(dir);
	free(p);
}

/* Any write error keeps its errno: a file size limit says "File too large". */
TEST(write_error_keeps_errno)
{
	char *p = path_in("limited.csv"), *log = path_in("limited.err");
	pid_t pid;
	int st = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 4096, 4096 };
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(write_big(p) == -1 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	{
		char *err = gb_read_file(log, NULL);

		CHECK(err && strstr(err, "File too large"));
		CHECK(err && !strstr(err, "Input/output error"));
		if (unit_cur_failed)
			printf("# stderr was: %s", err ? err : "(none)");
		free(err);
	}
	CHECK(!gb_file_exists(p));
	CHECK(count_temps() == 0);
	unlink(log);
	free(p);
	free(log);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(commit_leaves_no_temp);
	RUN(abort_keeps_old);
	RUN(crash_mid_write_keeps_original);
	RUN(errors_name_the_file);
	RUN(mkdir_p_and_read);
	RUN(full_disk_names_the_cause);
	RUN(write_error_keeps_errno);
	{
		char *cmd = gb_xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			printf("# cannot remove %s\n", tmpdir);
		free(cmd);
	}
	return unit_done();
}
