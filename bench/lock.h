/*
 * lock.h - advisory locks on the folders gbench writes (a run's --out, a
 * baseline class). What killed gbench processes left behind is reclaimed
 * by fsio.h's gb_reclaim.
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


#endif
