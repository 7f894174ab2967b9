/*
 * unit.h - the unit-test harness: TAP output that tests/run.sh counts.
 *
 *   TEST(parse_ok) { CHECK(x == 1); CHECK_NEAR(a, b, 1e-6); }
 *   int main(void) { RUN(parse_ok); return unit_done(); }
 *
 * A test that cannot run here calls SKIP("reason") and returns: it is
 * counted as skipped, never as passed.
 */
#ifndef GB_UNIT_H
#define GB_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int unit_n, unit_failed_tests, unit_cur_failed, unit_cur_skipped;
static char unit_skip_reason[256];

#define TEST(name) static void name(void)

/*
 * What the code under test writes on stderr, caught: unit_stderr_on(&s),
 * the calls, then unit_stderr_off(&s, buf, len) puts it in buf ("" where
 * it could not be caught) and gives stderr back.
 */
struct unit_stderr {
	FILE *tmp;
	int saved;
};

static inline void unit_stderr_on(struct unit_stderr *s)
{
	s->tmp = tmpfile();
	s->saved = s->tmp ? dup(2) : -1;
	fflush(stderr);
	if (s->saved >= 0)
		dup2(fileno(s->tmp), 2);
}

static inline void unit_stderr_off(struct unit_stderr *s, char *buf, size_t len)
{
	size_t n = 0;

	fflush(stderr);
	if (s->saved >= 0) {
		dup2(s->saved, 2);
		close(s->saved);
		rewind(s->tmp);
		n = fread(buf, 1, len - 1, s->tmp);
	}
	buf[n] = '\0';
	if (s->tmp)
		fclose(s->tmp);
}

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("#   %s:%d: check failed: %s\n", __FILE__,  \
			       __LINE__, #cond);                             \
			unit_cur_failed++;                                   \
		}                                                            \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                \
	do {                                                                 \
		double ua_ = (double)(a), ub_ = (double)(b);                 \
		if (!(fabs(ua_ - ub_) <= (tol))) {                           \
			printf("#   %s:%d: %s = %.9g, %s = %.9g, tol %g\n",  \
			       __FILE__, __LINE__, #a, ua_, #b, ub_,         \
			       (double)(tol));                               \
			unit_cur_failed++;                                   \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *ua_ = (a), *ub_ = (b);                           \
		if (!ua_ || !ub_ || strcmp(ua_, ub_) != 0) {                 \
			printf("#   %s:%d: \"%s\" != \"%s\"\n", __FILE__,    \
			       __LINE__, ua_ ? ua_ : "(null)",               \
			       ub_ ? ub_ : "(null)");                        \
			unit_cur_failed++;                                   \
		}                                                            \
	} while (0)

#define SKIP(...)                                                            \
	do {                                                                 \
		snprintf(unit_skip_reason, sizeof(unit_skip_reason),         \
			 __VA_ARGS__);                                       \
		unit_cur_skipped = 1;                                        \
	} while (0)

#define RUN(name)                                                            \
	do {                                                                 \
		unit_cur_failed = 0;                                         \
		unit_cur_skipped = 0;                                        \
		name();                                                      \
		unit_n++;                                                    \
		if (unit_cur_failed) {                                       \
			unit_failed_tests++;                                 \
			printf("not ok %d - %s\n", unit_n, #name);           \
		} else if (unit_cur_skipped) {                               \
			printf("ok %d - %s # SKIP %s\n", unit_n, #name,      \
			       unit_skip_reason);                            \
		} else {                                                     \
			printf("ok %d - %s\n", unit_n, #name);               \
		}                                                            \
		fflush(stdout);                                              \
	} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed_tests ? 1 : 0;
}

#endif
