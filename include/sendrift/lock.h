/* sendrift: an exclusive lock on a result file.
 *
 * Two sweeps (or a sweep and a merge) writing one result file destroy each
 * other's work, so the process that writes it (rank 0; no MPI here) first
 * creates OUTPUT.lock beside it, atomically (O_CREAT|O_EXCL), holds an
 * advisory flock() on it while it lives, and writes one line into it, for
 * people and for the stale check:
 *
 *   host=NODE pid=1234 since=2026-11-29T20:00:00Z pstart=TICKS cmd=COMMAND LINE
 *
 * (pstart: the holder's start time, field 22 of /proc/PID/stat, which tells
 * the holder from a later process given the same pid).  A second writer is
 * refused (SD_ERR_IO, a message naming the output, the holder's pid, host and
 * start time, and the lock file) once the holder, on this host, has stayed
 * alive for 5 s more: a job being torn down after a crash (mpirun kills the
 * rest of its ranks a second or two later) is waited for, not refused.  A lock left by a process that is gone is
 * taken over silently, but only when that can be proved from this host: it
 * names this host, nobody holds its flock, and its pid is dead or now belongs
 * to another process (a different start time).  A lock naming another
 * host is never taken over: the message says how to remove it.
 *
 * The lock file is named after the real path of the output's directory plus
 * the output's base name, so "a.h5", "./a.h5" and "d/../a.h5" are one lock.
 * A symbolic link to the output file itself is not followed: its name gets
 * its own lock.
 */
#ifndef SENDRIFT_LOCK_H
#define SENDRIFT_LOCK_H

typedef struct sd_lock sd_lock;

/* Lock output_path for writing; *out is the lock on success, NULL
 * otherwise.  SD_ERR_IO when another sendrift holds it or the lock file
 * cannot be made (the directory is missing or not writable), SD_ERR_INPUT
 * when output_path names no file (empty, or ends in '/'). */
int sd_lock_acquire(const char *output_path, sd_lock **out);

/* The same, waiting up to `wait` seconds (not 5) for a live holder on this
 * host to end. */
int sd_lock_acquire_wait(const char *output_path, double wait, sd_lock **out);

/* Remove the lock file (only if it is still the one this lock made), free
 * the lock, and set *l to NULL.  NULL and *l == NULL are fine. */
void sd_lock_release(sd_lock **l);

#endif
