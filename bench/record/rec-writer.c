/*
 * rec-writer.c - whole-row appends to a gbench-trace v1 file (rec-writer.h).
 *
 * One lock per library, not per writer: it also guards fork (pthread_atfork
 * takes it, so a child never inherits it held) and the stream counter. The
 * time is read inside the lock so that the order of the rows in the file is
 * the order of their arrival times.
 */
#include "rec-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t rec_once = PTHREAD_ONCE_INIT;
static uint32_t rec_next_stream;
/* UINT32_MAX: this thread has not recorded yet. */
static __thread uint32_t rec_tls_stream = UINT32_MAX;

static void rec_prepare(void)
{
	pthread_mutex_lock(&rec_lock);
}

static void rec_parent(void)
{
	pthread_mutex_unlock(&rec_lock);
}

/* The forking thread lives on in the child as another client: a new stream. */
static void rec_child(void)
{
	rec_tls_stream = UINT32_MAX;
	pthread_mutex_unlock(&rec_lock);
}

static void rec_init(void)
{
	pthread_atfork(rec_prepare, rec_parent, rec_child);
}

uint64_t gb_rec_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint32_t gb_rec_stream(uint32_t *ids)
{
	if (rec_tls_stream == UINT32_MAX) {
		pthread_once(&rec_once, rec_init);
		rec_tls_stream = __atomic_fetch_add(ids ? ids : &rec_next_stream, 1,
						    __ATOMIC_RELAXED);
		/* The trace's limit is 2^31 - 1: wrap rather than write a bad row. */
		rec_tls_stream &= 0x7fffffffu;
	}
	return rec_tls_stream;
}

int gb_rec_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int gb_rec_writer_create(struct gb_rec_writer *w, const char *path,
			 const char *preamble, uint64_t t0)
{
	int err;

	pthread_once(&rec_once, rec_init);
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
	if (w->fd < 0)
		return -1;
	w->t0 = t0;
	w->last = 0;
	if (gb_rec_write_all(w->fd, preamble, strlen(preamble)) < 0) {
		err = errno;
		close(w->fd);
		w->fd = -1;
		errno = err;
		return -1;
	}
	return 0;
}

int gb_rec_writer_append(struct gb_rec_writer *w, const char *path, uint64_t t0)
{
	pthread_once(&rec_once, rec_init);
	w->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	w->t0 = t0;
	w->last = 0;
	return w->fd < 0 ? -1 : 0;
}

void gb_rec_writer_close(struct gb_rec_writer *w)
{
	pthread_mutex_lock(&rec_lock);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	pthread_mutex_unlock(&rec_lock);
}

/* Decimal digits of v at p; returns the end. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* A CSV field, quoted when trace.c's reader would otherwise read it back differently. */
static char *put_field(char *p, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (!len)
		return p;
	if (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[0] == '\t' ||
	    s[len - 1] == ' ' || s[len - 1] == '\t') {
		*p++ = '"';
		for (; *s; s++) {
			if (*s == '"')
				*p++ = '"';
			*p++ = *s;
		}
		*p++ = '"';
		return p;
	}
	memcpy(p, s, len);
	return p + len;
}

size_t gb_rec_format_row(char *buf, uint64_t arrival, uint32_t stream,
			 const char *op, uint32_t m, uint32_t n, uint32_t k,
			 uint32_t p, const char *tensor, const char *key)
{
	char *q = buf;

	if ((tensor && strlen(tensor) > GB_REC_NAME_MAX) ||
	    (key && strlen(key) > GB_REC_NAME_MAX) || strlen(op) > 16)
		return 0;
	q = put_u64(q, arrival);
	*q++ = ',';
	q = put_u64(q, stream);
	*q++ = ',';
	memcpy(q, op, strlen(op));
	q += strlen(op);
	*q++ = ',';
	q = put_u64(q, m);
	*q++ = ',';
	q = put_u64(q, n);
	*q++ = ',';
	q = put_u64(q, k);
	*q++ = ',';
	q = put_u64(q, p);
	*q++ = ',';
	q = put_field(q, tensor);
	*q++ = ',';
	q = put_field(q, key);
	*q++ = '\n';
	return (size_t)(q - buf);
}

int gb_rec_writer_row(struct gb_rec_writer *w, uint32_t stream, const char *op, uint32_t m,
		      uint32_t n, uint32_t k, uint32_t p, const char *tensor,
		      const char *key)
{
	char buf[GB_REC_ROW_MAX];
	uint64_t now;
	size_t len;
	int rc, err = 0;

	/* Sized first, so a name too long costs no time stamp. */
	if (!gb_rec_format_row(buf, 0, 0, op, m, n, k, p, tensor, key)) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&rec_lock);
	if (w->fd < 0) {
		pthread_mutex_unlock(&rec_lock);
		errno = EBADF;
		return -1;
	}
	now = gb_rec_now_ns();
	now = now > w->t0 ? now - w->t0 : 0;
	if (now < w->last)
		now = w->last;
	w->last = now;
	len = gb_rec_format_row(buf, now, stream, op, m, n, k, p, tensor, key);
	rc = gb_rec_write_all(w->fd, buf, len);
	if (rc)
		err = errno;
	pthread_mutex_unlock(&rec_lock);
	errno = err;
	return rc;
}
