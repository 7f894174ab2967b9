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

struct gb_atomic {
	FILE *f;
	char *path;
	char *tmp;
};

/* Open a temp file beside path; 0 or -1 (message printed). */
int gb_atomic_open(struct gb_atomic *a, const char *path);
/* Flush, fsync, close and rename onto path; on any error the temp file is removed. */
int gb_atomic_commit(struct gb_atomic *a);
/* Remove the temp file. */
void gb_atomic_abort(struct gb_atomic *a);

/* mkdir -p; 0 or -1. */
int gb_mkdir_p(const char *path);
/* Read a whole file into a NUL-terminated buffer; NULL and message on error. */
char *gb_read_file(const char *path, size_t *len);
int gb_is_dir(const char *path);
/* Remove path and everything under it, symlinks not followed; 0 or -1 (errno). */
int gb_rm_tree(const char *path);
int gb_file_exists(const char *path);

#endif
