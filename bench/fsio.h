/*
 * fsio.h - atomic file writes and small file-system helpers.
 *
 * Every file gbench writes into a results directory or a baseline goes
 * through gb_atomic_*: the data lands in "PATH.tmp.PID" and is renamed onto
 * PATH only after fflush + fsync, so a killed run never leaves a
 * half-written file.
 */
#ifndef GB_FSIO_H
#define GB_FSIO_H

#include <stdio.h>
#include <sys/types.h>

struct gb_atomic_sink;

struct gb_atomic {
	FILE *f;
	char *path;
	char *tmp;
	struct gb_atomic_sink *sink;   /* the file under f and its first write error (fsio.c) */
};

/* Open a temp file beside path; 0 or -1 (message printed). */
int gb_atomic_open(struct gb_atomic *a, const char *path);
/*
 * Flush, fsync, close and rename onto path; on any error the temp file is
 * removed. A write that failed earlier (a full disk while fwrite filled
 * the buffer) is reported here with its own errno, e.g. "No space left on
 * device", so writers may leave the checking of every fwrite to commit.
 */
int gb_atomic_commit(struct gb_atomic *a);
/* Remove the temp file. */
void gb_atomic_abort(struct gb_atomic *a);

/* mkdir -p; 0 or -1. */
int gb_mkdir_p(const char *path);
/*
 * Read a whole file into a NUL-terminated buffer; NULL and message on error,
 * and on a file past GB_READ_FILE_MAX bytes: every file gbench reads whole
 * (a trace, a config, a profiler trace) is far smaller, and a path taken from
 * data (a trace in meta.json) may name /dev/zero.
 */
#define GB_READ_FILE_MAX ((size_t)1 << 30)
char *gb_read_file(const char *path, size_t *len);
int gb_is_dir(const char *path);
/* Remove path and everything under it, symlinks not followed; 0 or -1 (errno). */
int gb_rm_tree(const char *path);
int gb_file_exists(const char *path);

/*
 * A folder written as a whole: gb_stage_dir makes ".NAME.staging.PID"
 * beside target (its parent created if needed), after removing the
 * staging folders of target that killed writers left (their PID no longer
 * alive); the caller writes into it, and gb_stage_publish puts it in
 * place: renamed onto target when there is none, else swapped with it in
 * one step (renameat2 RENAME_EXCHANGE; two renames where the file system
 * cannot) and the old folder removed. A reader sees the old folder or the
 * new one, never a mix. NULL or -1 with a message.
 */
char *gb_stage_dir(const char *target);
int gb_stage_publish(const char *stage, const char *target);

/* Whether process pid may still be running (only ESRCH from kill(pid, 0) says no). */
int gb_pid_alive(pid_t pid);

/*
 * Remove what gbench processes that no longer exist left in dir: each
 * entry named PREFIX<pid> or PREFIX<pid>.<anything>, where PREFIX is
 * prefix, or, when prefix starts with '*', any name whose last occurrence
 * of the rest is followed by the pid ("*.tmp." matches
 * "samples.csv.tmp.<pid>"). An entry is removed only when kill(pid, 0)
 * says no such process; what a live process (or this one) owns is left.
 * Each removal is said on stderr in one line naming what (e.g. "temp
 * folder of a killed run"). The number of entries removed.
 */
int gb_reclaim(const char *dir, const char *prefix, const char *what);

#endif
