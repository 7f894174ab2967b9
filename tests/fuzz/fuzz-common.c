/*
 * fuzz-common.c - the temp folder, file writing, failure reporting and the
 * checks of written output the harnesses share (fuzz.h).
 */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"

static char dir[256];
static int errfd = -1;
static pid_t owner;

/* Remove the folder and everything in it (the report and merge harnesses write subfolders). */
static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			char sub[512];

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			if (unlink(sub) < 0)
				rm_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* Only the process that made the folder removes it (report forks gnuplot). */
static void cleanup(void)
{
	if (dir[0] && getpid() == owner)
		rm_tree(dir);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		const char *tmp = getenv("GB_FUZZ_TMPDIR");

		/*
		 * Memory, where there is some: the results and report writers
		 * fsync every file, which on a disk costs more than the parsing.
		 */
		if (!tmp || !*tmp)
			tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
		if (!tmp || !*tmp)
			tmp = "/tmp";
		snprintf(dir, sizeof(dir), "%s/gbench-fuzz.XXXXXX", tmp);
		if (!mkdtemp(dir))
			fuzz_fail("cannot create a temp folder in '%s'", tmp);
		owner = getpid();
		atexit(cleanup);
		/* a copy of stderr made before libFuzzer's -close_fd_mask closes it */
		if (errfd < 0)
			errfd = dup(2);
	}
	return dir;
}

/* Called by libFuzzer before it handles its flags: the real stderr is still fd 2. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	errfd = dup(2);
	/* the sanitizers' reports to the real stderr, not to a capture (-close_fd_mask does the same) */
	__sanitizer_set_report_fd((void *)(intptr_t)errfd);
	fuzz_dir();
	return 0;
}

/* ---- stdout and stderr, captured around each input ---- */

static struct capture {
	int fd;       /* 1 or 2 */
	int file;     /* the capture file, open for the process's life */
	int saved;    /* where fd pointed before */
} cap[2] = { { 1, -1, -1 }, { 2, -1, -1 } };
static int capturing;

static void capture_begin(void)
{
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 2; i++) {
		struct capture *c = &cap[i];

		if (c->file < 0) {
			char *path = gb_xasprintf("%s/.captured-%d", fuzz_dir(), c->fd);

			c->file = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			FUZZ_CHECK(c->file >= 0, "cannot create '%s'", path);
			free(path);
		}
		FUZZ_CHECK(ftruncate(c->file, 0) == 0 && lseek(c->file, 0, SEEK_SET) == 0,
			   "cannot empty the capture of fd %d", c->fd);
		c->saved = dup(c->fd);
		FUZZ_CHECK(c->saved >= 0 && dup2(c->file, c->fd) == c->fd,
			   "cannot capture fd %d", c->fd);
	}
	capturing = 1;
}

/*
 * Put fd 1 and 2 back and pass on what was captured, as it would have gone
 * without the capture, reading it once; with check, then fail the input
 * if a byte other than the newline or a printable one was printed: every
 * message is one line, with no escape sequence.
 */
static void capture_restore(int check)
{
	int bad_fd = 0;
	size_t bad_line = 0;
	unsigned char bad = 0;

	if (!capturing)
		return;
	capturing = 0;
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 2; i++) {
		struct capture *c = &cap[i];
		unsigned char buf[65536];
		size_t line = 1;
		ssize_t n;

		dup2(c->saved, c->fd);
		close(c->saved);
		lseek(c->file, 0, SEEK_SET);
		while ((n = read(c->file, buf, sizeof(buf))) > 0) {
			for (ssize_t k = 0; check && !bad_fd && k < n; k++) {
				if (buf[k] != '\n' && (buf[k] < 0x20 || buf[k] == 0x7f)) {
					bad_fd = c->fd;
					bad_line = line;
					bad = buf[k];
				}
				line += buf[k] == '\n';
			}
			if (write(c->fd, buf, (size_t)n) != n)
				break;
		}
	}
	FUZZ_CHECK(!bad_fd, "%s line %zu: the control byte 0x%02x printed",
		   bad_fd == 1 ? "stdout" : "stderr", bad_line, bad);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	capture_begin();
	fuzz_one(data, size);
	capture_restore(1);
	return 0;
}

const char *fuzz_write(const char *name, const void *data, size_t size)
{
	static char path[8][512];
	static unsigned next;
	char *p = path[next++ % 8];
	const char *b = data;
	int fd;

	snprintf(p, sizeof(path[0]), "%s/%s", fuzz_dir(), name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fuzz_fail("cannot create '%s'", p);
	while (size) {
		ssize_t w = write(fd, b, size);

		if (w <= 0)
			fuzz_fail("cannot write '%s'", p);
		b += w;
		size -= (size_t)w;
	}
	close(fd);
	return p;
}

void fuzz_remove(const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", fuzz_dir(), name);
	unlink(p);
}

void fuzz_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	capture_restore(0);   /* what the input printed, then why it fails */
	dprintf(errfd >= 0 ? errfd : 2, "fuzz: invariant broken: %s\n", msg);
	abort();
}

size_t fuzz_split(const uint8_t *data, size_t size, size_t nparts, size_t *off, size_t *len)
{
	const size_t sl = strlen(FUZZ_SEP);
	size_t n = 0, pos = 0;

	while (n + 1 < nparts) {
		const uint8_t *at = size - pos >= sl ? memmem(data + pos, size - pos, FUZZ_SEP, sl)
						     : NULL;

		if (!at)
			break;
		off[n] = pos;
		len[n++] = (size_t)(at - data) - pos;
		pos = (size_t)(at - data) + sl;
	}
	off[n] = pos;
	len[n++] = size - pos;
	return n;
}

/* ---- what a writer of names from data must never write ---- */

/* Cell separators of a table row: every '|' not escaped by a backslash (GFM: in code spans too). */
static size_t row_pipes(const char *line, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\')
			i++;
		else if (line[i] == '|')
			n++;
	}
	return n;
}

/* Every row of a Markdown table has its header's cells: a name's '|' cannot add a column. */
static void check_tables(const char *name, const char *text, size_t len)
{
	size_t header = 0, line = 1;

	for (size_t i = 0; i < len; line++) {
		const char *end = memchr(text + i, '\n', len - i);
		size_t n = end ? (size_t)(end - (text + i)) : len - i;

		if (n && text[i] == '|') {
			size_t pipes = row_pipes(text + i, n);

			if (!header)
				header = pipes;
			FUZZ_CHECK(pipes == header, "%s line %zu: a table row of %zu cell separators "
				   "under a header of %zu", name, line, pipes, header);
		} else {
			header = 0;
		}
		i += n + 1;
	}
}

void fuzz_check_output(const char *folder, const char *name)
{
	char *path, *text;
	int gp = gb_str_ends_with(name, ".gp") || gb_str_ends_with(name, ".dat");
	int xml = gb_str_ends_with(name, ".xml");
	size_t len, line = 1;

	if (!gp && !xml && !gb_str_ends_with(name, ".md"))
		return;
	path = gb_xasprintf("%s/%s", folder, name);
	text = gb_read_file(path, &len);
	FUZZ_CHECK(text, "cannot read back '%s'", path);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7f) || (c == '\t' && (gp || xml)),
			   "%s line %zu: control byte 0x%02x", name, line, c);
		if (gp && (i == 0 || text[i - 1] == '\n'))
			FUZZ_CHECK(strncmp(text + i, "system", 6) && text[i] != '!',
				   "%s line %zu: a command line", name, line);
		line += c == '\n';
	}
	if (gb_str_ends_with(name, ".md"))
		check_tables(name, text, len);
	free(text);
	free(path);
}

void fuzz_check_folder(const char *folder)
{
	DIR *d = opendir(folder);
	struct dirent *e;

	FUZZ_CHECK(d, "no folder '%s' to check", folder);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			fuzz_check_output(folder, e->d_name);
	closedir(d);
}
