/*
 * config.c - run configurations read with libinih (see config.h for the
 * keys). Every unknown key or bad value is reported as FILE:LINE and the
 * file is read to its end, so one pass shows every problem. A line longer
 * than libinih's buffer is such a problem too, not a line cut in two.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../profilers/callgrind.h"
#include "plan/budget.h"
#include "compare/compare.h"
#include "fsio.h"
#include "gbench.h"
#include "plan/memplan.h"

void gb_config_defaults(struct gb_config *c)
{
	memset(c, 0, sizeof(*c));
	c->name = gb_xstrdup("builtin");
	c->workloads = gb_strv_split("llm-decode,vector-search");
	c->trace_dir = gb_xstrdup("");
	c->executors = gb_strv_split("cpu");
	c->batch[c->nbatch++] = 1;
	c->quant[c->nquant++] = GB_Q_F32;
	c->cache[c->ncache++] = 0;
	c->mode = GB_MODE_CLOSED;
	c->repetitions.dflt = 10;
	c->warmup.dflt = 1;
	c->rounds = 1;
	c->processes = 1;
	c->pin = 1;
	c->seed = 42;
	c->accuracy_samples = 4;
	c->counters = gb_xstrdup("auto");
	c->speed = 1.0;
	c->min_repetitions = GB_COMPARE_MIN_N;
	gb_acc_budget_parse(&c->accuracy_budget, "none");
}

void gb_config_release(struct gb_config *c)
{
	free(c->name);
	free(c->path);
	gb_strv_free(c->workloads);
	free(c->trace_dir);
	gb_strv_free(c->executors);
	free(c->counters);
	gb_strv_free(c->sim_cache);
	gb_per_exec_release(&c->repetitions);
	gb_per_exec_release(&c->prime);
	gb_per_exec_release(&c->warmup);
	memset(c, 0, sizeof(*c));
}

uint32_t gb_per_exec_get(const struct gb_per_exec *p, const char *exec)
{
	for (size_t i = 0; exec && i < p->n; i++)
		if (!strcmp(p->exec[i], exec))
			return p->count[i];
	return p->dflt;
}

void gb_per_exec_release(struct gb_per_exec *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->exec[i]);
	p->n = 0;
}

int gb_per_exec_set(struct gb_per_exec *p, const char *s, uint32_t min)
{
	char **v = gb_strv_split(s);
	char *names[GB_MAX_LIST];
	uint32_t counts[GB_MAX_LIST], dflt = 0;
	size_t n = 0, len = gb_strv_len(v);
	int rc = len ? 0 : -1, have_dflt = 0;

	for (size_t i = 0; !rc && i < len; i++) {
		char *colon = strrchr(v[i], ':');
		const char *num = colon ? colon + 1 : v[i];
		uint64_t x;

		if (gb_parse_u64(num, 100000, &x) < 0 || x < min) {
			rc = -1;
		} else if (!colon) {
			rc = have_dflt ? -1 : 0;   /* one default at most */
			have_dflt = 1;
			dflt = (uint32_t)x;
		} else {
			*colon = '\0';
			for (size_t j = 0; j < n; j++)
				rc |= !strcmp(names[j], v[i]) ? -1 : 0;
			if (!*v[i] || n == GB_MAX_LIST ||
			    (strcmp(v[i], "cpu") && strcmp(v[i], "vulkan")))
				rc = -1;
			if (!rc) {
				names[n] = v[i];
				counts[n++] = (uint32_t)x;
			}
		}
	}
	if (!rc) {
		gb_per_exec_release(p);
		if (have_dflt)
			p->dflt = dflt;
		for (size_t i = 0; i < n; i++) {
			p->exec[i] = gb_xstrdup(names[i]);
			p->count[i] = counts[i];
		}
		p->n = n;
	}
	gb_strv_free(v);
	return rc;
}

char *gb_per_exec_describe(const struct gb_per_exec *p)
{
	char *s = gb_xasprintf("%u", p->dflt), *t;

	for (size_t i = 0; i < p->n; i++) {
		t = gb_xasprintf("%s%s%s %u%s", s, i ? ", " : " (", p->exec[i], p->count[i],
				 i + 1 == p->n ? ")" : "");
		free(s);
		s = t;
	}
	return s;
}

int gb_parse_u32_list(const char *s, uint32_t *out, size_t *n, const char *what)
{
	char **v = gb_strv_split(s);
	size_t len = gb_strv_len(v);
	int rc = 0;

	if (len == 0 || len > GB_MAX_LIST) {
		gb_strv_free(v);
		return gb_error("%s: expected a list of 1 to %d numbers, got '%s'",
				what, GB_MAX_LIST, s);
	}
	for (size_t i = 0; i < len && !rc; i++) {
		uint64_t x;

		if (gb_parse_u64(v[i], UINT32_MAX, &x) < 0)
			rc = gb_error("%s: '%s' is not a non-negative integer", what, v[i]);
		else
			out[i] = (uint32_t)x;
	}
	if (!rc)
		*n = len;
	gb_strv_free(v);
	return rc;
}

int gb_parse_quant_list(const char *s, enum gb_quant *out, size_t *n, const char *what)
{
	char **v = gb_strv_split(s);
	size_t len = gb_strv_len(v);
	int rc = 0;

	if (len == 0 || len > GB_MAX_LIST) {
		gb_strv_free(v);
		return gb_error("%s: expected a list of quant levels, got '%s'", what, s);
	}
	for (size_t i = 0; i < len && !rc; i++)
		if (gb_quant_parse(v[i], &out[i]) < 0)
			rc = gb_error("%s: unknown quant level '%s' (f32, f16, q8, q4)", what, v[i]);
	if (!rc)
		*n = len;
	gb_strv_free(v);
	return rc;
}

static const char *const mode_names[] = { "closed", "open", "offline" };

int gb_parse_mode(const char *s, enum gb_mode *m)
{
	for (size_t i = 0; i < GB_ARRAY_SIZE(mode_names); i++)
		if (!strcmp(s, mode_names[i])) {
			*m = (enum gb_mode)i;
			return 0;
		}
	return -1;
}

const char *gb_mode_name(enum gb_mode m)
{
	return (size_t)m < GB_ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

/* inih calls the reader once per line: counting calls gives handler line numbers. */
struct reader {
	FILE *f;
	const char *path;
	unsigned line;
	unsigned errors;
	struct gb_config *c;
};

/*
 * libinih hands its reader a buffer of INI_MAX_LINE (200) bytes and would
 * take the rest of a longer line as a line of its own (`seed = 1<300
 * spaces>7` loaded as 1). A line that does not fit is an error instead:
 * the rest of it is skipped and inih is given an empty line.
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct reader *r = stream;
	char *s = fgets(buf, size, r->f);
	size_t len;
	int c;

	if (!s)
		return NULL;
	r->line++;
	len = strlen(s);
	if (len == 0 || s[len - 1] == '\n' || (c = getc(r->f)) == EOF)
		return s;
	if (c == '\n')     /* exactly size - 1 characters: it fits */
		return s;
	while (c != '\n' && c != EOF)
		c = getc(r->f);
	gb_error_at(r->path, r->line, "line longer than %d characters", size - 1);
	r->errors++;
	buf[0] = '\0';
	return buf;
}

static void GB_PRINTF(2, 3) bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gb_verror_at(r->path, r->line, fmt, ap);
	va_end(ap);
	r->errors++;
}

static int set_list(char ***dst, const char *value)
{
	char **v = gb_strv_split(value);

	if (!v[0]) {
		gb_strv_free(v);
		return -1;
	}
	gb_strv_free(*dst);
	*dst = v;
	return 0;
}

/*
 * trace_dir is a folder under the shipped workloads/ (gb_datadir): a
 * relative path of non-empty components, none of them "." or "..", so a
 * config cannot make `run` read traces from anywhere else. A trace
 * elsewhere is named by its path in `workloads` or with --workload.
 */
static int trace_dir_ok(const char *s)
{
	const char *p = s;

	if (*s == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0;   /* a trailing slash: an empty last component */
	}
	return 1;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct reader *r = user;
	struct gb_config *c = r->c;
	uint64_t x;
	int rc = 0;

	if (strcmp(section, "run") != 0) {
		bad(r, "unknown section [%s] (only [run])", section);
		return 1;
	}
	/* gb_parse_*_list print their own "gbench: error:" line; prefix FILE:LINE instead. */
	if (!strcmp(key, "workloads")) {
		rc = set_list(&c->workloads, value);
	} else if (!strcmp(key, "executors")) {
		rc = set_list(&c->executors, value);
		for (char **e = c->executors; !rc && *e; e++)
			if (strcmp(*e, "cpu") && strcmp(*e, "vulkan")) {
				bad(r, "unknown executor '%s' (cpu, vulkan)", *e);
				return 1;
			}
	} else if (!strcmp(key, "trace_dir")) {
		rc = trace_dir_ok(value) ? 0 : -1;
		if (!rc) {
			free(c->trace_dir);
			c->trace_dir = gb_xstrdup(value);
		}
	} else if (!strcmp(key, "batch") || !strcmp(key, "cache")) {
		uint32_t tmp[GB_MAX_LIST];
		size_t n = 0;
		char **v = gb_strv_split(value);

		rc = v[0] ? 0 : -1;
		for (size_t i = 0; !rc && v[i]; i++) {
			if (i >= GB_MAX_LIST || gb_parse_u64(v[i], UINT32_MAX, &x) < 0 ||
			    (key[0] == 'b' && (x == 0 || x > GB_MAX_BATCH)))
				rc = -1;
			else
				tmp[n++] = (uint32_t)x;
		}
		gb_strv_free(v);
		if (!rc && key[0] == 'b') {
			memcpy(c->batch, tmp, n * sizeof(*tmp));
			c->nbatch = n;
		} else if (!rc) {
			memcpy(c->cache, tmp, n * sizeof(*tmp));
			c->ncache = n;
		}
	} else if (!strcmp(key, "quant")) {
		char **v = gb_strv_split(value);
		size_t n = 0;

		rc = v[0] ? 0 : -1;
		for (size_t i = 0; !rc && v[i]; i++)
			if (i >= GB_MAX_LIST || gb_quant_parse(v[i], &c->quant[i]) < 0)
				rc = -1;
			else
				n++;
		gb_strv_free(v);
		if (!rc)
			c->nquant = n;
	} else if (!strcmp(key, "mode")) {
		rc = gb_parse_mode(value, &c->mode);
	} else if (!strcmp(key, "repetitions")) {
		rc = gb_per_exec_set(&c->repetitions, value, 1);
	} else if (!strcmp(key, "time_budget")) {
		rc = gb_budget_parse_duration(value, &c->time_budget);
	} else if (!strcmp(key, "min_repetitions")) {
		rc = gb_parse_u64(value, 1000000, &x) < 0 || x == 0 ? -1 : 0;
		if (!rc)
			c->min_repetitions = (uint32_t)x;
	} else if (!strcmp(key, "accuracy_budget")) {
		rc = gb_acc_budget_parse(&c->accuracy_budget, value);
	} else if (!strcmp(key, "prime")) {
		rc = gb_per_exec_set(&c->prime, value, 0);
	} else if (!strcmp(key, "placement")) {
		rc = strcmp(value, "pinned") && strcmp(value, "shared") ? -1 : 0;
		c->pin = !strcmp(value, "pinned");
	} else if (!strcmp(key, "rounds")) {
		rc = gb_parse_u64(value, 10000, &x) < 0 || x == 0 ? -1 : 0;
		if (!rc)
			c->rounds = (uint32_t)x;
	} else if (!strcmp(key, "processes")) {
		rc = gb_parse_u64(value, GB_MAX_PROCESSES, &x) < 0 || x == 0 ? -1 : 0;
		if (!rc)
			c->processes = (uint32_t)x;
	} else if (!strcmp(key, "warmup")) {
		rc = gb_per_exec_set(&c->warmup, value, 0);
	} else if (!strcmp(key, "seed")) {
		rc = gb_parse_u64(value, UINT64_MAX, &x);
		if (!rc)
			c->seed = x;
	} else if (!strcmp(key, "threads")) {
		rc = gb_parse_u64(value, 4096, &x);
		if (!rc)
			c->threads = (uint32_t)x;
	} else if (!strcmp(key, "accuracy_samples")) {
		rc = gb_parse_u64(value, 1000000, &x);
		if (!rc)
			c->accuracy_samples = (uint32_t)x;
	} else if (!strcmp(key, "speed") || !strcmp(key, "target_qps")) {
		double d = 0;

		rc = gb_parse_double(value, 0, 1e12, &d);
		if (!rc && key[0] == 's')
			c->speed = d;
		else if (!rc)
			c->target_qps = d;
	} else if (!strcmp(key, "max_queue_delay_us")) {
		rc = gb_parse_u64(value, 60000000ull, &c->max_queue_delay_us);
	} else if (!strcmp(key, "min_duration_ms")) {
		rc = gb_parse_u64(value, 86400000ull, &c->min_duration_ms);
	} else if (!strcmp(key, "max_memory")) {
		rc = gb_memplan_parse_size(value, &c->max_memory);
	} else if (!strcmp(key, "min_requests")) {
		rc = gb_parse_u64(value, UINT32_MAX, &c->min_requests);
	} else if (!strcmp(key, "counters")) {
		free(c->counters);
		c->counters = gb_xstrdup(value);
	} else if (!strcmp(key, "sim_cache")) {
		char **v = gb_strv_split(value);
		struct gb_sim_cache sc;

		/* the parser `run` uses, so that `validate` refuses what `run` would */
		rc = v[0] ? 0 : -1;
		for (size_t i = 0; !rc && v[i]; i++)
			rc = gb_sim_cache_parse(v[i], &sc, "sim_cache");
		if (rc) {
			gb_strv_free(v);
		} else {
			gb_strv_free(c->sim_cache);
			c->sim_cache = v;
		}
	} else {
		bad(r, "unknown key '%s' in [%s]", key, section);
		return 1;
	}
	if (rc)
		bad(r, "bad value '%s' for '%s'", value, key);
	return 1;
}

static char *find_config(const char *name)
{
	const char *dir = gb_datadir();
	char *p;

	if (strchr(name, '/') || strstr(name, ".ini"))
		return gb_xstrdup(name);
	p = gb_xasprintf("%s/bench/configs/%s.ini", dir, name);
	if (gb_file_exists(p))
		return p;
	free(p);
	p = gb_xasprintf("%s/configs/%s.ini", dir, name);
	if (gb_file_exists(p))
		return p;
	free(p);
	return NULL;
}

int gb_config_load(struct gb_config *c, const char *name_or_path)
{
	struct reader r = { .c = c };
	char *path = find_config(name_or_path);
	const char *base;
	int rc;

	if (!path)
		return gb_error("no config named '%s' (looked in %s/bench/configs)",
				name_or_path, gb_datadir());
	r.f = fopen(path, "r");
	if (!r.f) {
		gb_error("cannot open config '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	r.path = path;
	rc = ini_parse_stream(read_line, &r, on_key, &r);
	fclose(r.f);
	if (rc > 0) {
		/* on_key never fails, so this is a line inih could not parse. */
		gb_error_at(path, (unsigned)rc, "syntax error");
		r.errors++;
	} else if (rc < 0) {
		r.errors++;
		gb_error("cannot read config '%s'", path);
	}
	if (r.errors) {
		free(path);
		return -1;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	free(c->name);
	c->name = gb_xstrdup(base);
	if (strstr(c->name, ".ini"))
		*strstr(c->name, ".ini") = '\0';
	free(c->path);
	c->path = path;
	return 0;
}
