/*
 * lock.h - advisory locks on the folders gbench writes (a run's --out, a
 * baseline class), and reclaiming what killed gbench processes left behind.
 *
 * The lock of folder PARENT/NAME is the file PARENT/.NAME.lock, held with
 * flock(2) and holding the holder's pid as text. It lives beside the
 * folder, not in it, because a results folder is replaced as a whole
 * (staged and renamed into place), which would take a lock inside it
 * along. The kernel drops the lock when its holder dies, even by SIGKILL,
 * so a stale lock file never blocks anyone; a holder that ends normally
 * removes it.
 */
#ifndef GB_LOCK_H
#define GB_LOCK_H

#include <sys/types.h>

struct gb_lock {
	int fd;          /* -1 when not held */
	char *path;      /* the lock file */
};

/*
 * Take the lock of folder dir for this process, without waiting, and
 * check that a results folder can be written there: dir's parent is
 * created if needed and must take the lock file; dir, when it exists,
 * must be a folder a file can be created in. 0, or -1 after one line
 * naming dir and the cause (for a lock held elsewhere, the holder's pid).
 * The lock file is opened close-on-exec: child processes do not hold it.
 */
int gb_lock_take(struct gb_lock *l, const char *dir);
/* Remove the lock file and drop the lock (nothing when not held). */
void gb_lock_release(struct gb_lock *l);

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
int gb_lock_reclaim(const char *dir, const char *prefix, const char *what);

#endif
