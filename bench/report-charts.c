/*
 * report-charts.c - the report's charts: for each, NAME.dat (the numbers,
 * written here from the measured results), NAME.gp (a header of variables
 * followed by the template reports/<kind>.gp) and, drawn by gnuplot,
 * NAME.svg and NAME.png, all side by side so a user can restyle the
 * template and run `gnuplot NAME.gp` again.
 *
 * Data files hold one gnuplot index block per series (two blank lines
 * between blocks); the first line of a block is its title, read with
 * columnheader(1). gnuplot writes to NAME.svg.tmp.PID (the variable `tmp`
 * given on its command line) and the files are renamed when it succeeds,
 * so a failed or killed drawing never leaves half a picture.
 *
 * Names in charts come from the results folder, which anyone can edit, and
 * gnuplot runs shell commands: every name reaches a script, a data file or
 * a file name only through escape.h (the chart's file stem is a safe file
 * name, script strings are single-quoted literals, data-file strings are
 * escaped for gnuplot's data reader), and the templates print such text
 * with noenhanced so it is shown, not interpreted as markup.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "peak.h"
#include "report.h"
#include "stats.h"

static struct gb_report_chart *chart_add(struct gb_report *r, const char *name, const char *title)
{
	struct gb_report_chart *c;

	r->charts = gb_xrealloc(r->charts, (r->ncharts + 1) * sizeof(*r->charts));
	c = &r->charts[r->ncharts++];
	memset(c, 0, sizeof(*c));
	c->name = gb_escape_fname(name);   /* the stem of four file names and a script comment */
	c->title = gb_xstrdup(title);
	return c;
}

/* A string literal in a gnuplot script. */
static void gp_quote(struct gb_sbuf *b, const char *s)
{
	char *e = gb_escape_gnuplot(s);

	gb_sbuf_printf(b, "%s", e);
	free(e);
}

/* A string in a data file: a block's title, a cell id, a bar's label. */
static void dat_title(struct gb_sbuf *b, const char *s)
{
	char *e = gb_escape_gnuplot_data(s);

	gb_sbuf_printf(b, "%s", e);
	free(e);
}

static char *template_text(const char *kind)
{
	char *path = gb_xasprintf("%s/reports/%s.gp", gb_datadir(), kind);
	char *t = gb_read_file(path, NULL);

	free(path);
	return t;
}

/* Run gnuplot in the report folder; 0 when it exits 0. err gets its first stderr line. */
static int gnuplot_run(struct gb_report *r, const char *script, const char *tmp, char **err)
{
	const char *cmd = r->o->gnuplot ? r->o->gnuplot : getenv("GNUPLOT") ? getenv("GNUPLOT") : "gnuplot";
	char *log = gb_xasprintf("%s/.gnuplot.log.%d", r->out, (int)getpid());
	char *tmpvar = gb_xasprintf("tmp='%s'", tmp);
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_RDWR);

		if (fd >= 0)
			dup2(fd, 2);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		if (chdir(r->out) < 0)
			_exit(126);
		if (script)
			execlp(cmd, cmd, "-e", tmpvar, script, (char *)NULL);
		else
			execlp(cmd, cmd, "--version", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (err) {
		char *text = gb_read_file(log, NULL);

		*err = NULL;
		if (pid < 0)
			*err = gb_xasprintf("cannot fork: %s", strerror(errno));
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			*err = gb_xasprintf("'%s' cannot be run (not installed? set $GNUPLOT)", cmd);
		else if (text && text[0]) {
			char *nl;

			/* the last non-empty line says what went wrong */
			while ((nl = strrchr(text, '\n')) && !nl[1])
				*nl = 0;
			nl = strrchr(text, '\n');
			*err = gb_xstrdup(nl ? nl + 1 : text);
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			*err = gb_xasprintf("'%s' exited with status %d", cmd,
					    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		free(text);
	}
	unlink(log);
	free(log);
	free(tmpvar);
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * Write NAME.dat and NAME.gp (header + template) and draw the chart.
 * header holds gnuplot assignments (datafile, out, title are added here).
 */
static void chart_emit(struct gb_report *r, struct gb_report_chart *c, const char *kind,
		       const char *dat, const char *header)
{
	struct gb_sbuf gp = { 0 };
	char *tmpl = template_text(kind), *name, *tmp;

	if (!tmpl) {
		c->missing = gb_xasprintf("the template reports/%s.gp is missing", kind);
		return;
	}
	name = gb_xasprintf("%s.dat", c->name);
	if (gb_report_write_file(r, name, dat) < 0) {
		c->missing = gb_xasprintf("%s could not be written", name);
		free(name);
		free(tmpl);
		return;
	}
	free(name);
	gb_sbuf_printf(&gp, "# %s.gp - written by gbench report from %s.dat; the lines above the\n"
		       "# template are this chart's variables. Redraw: gnuplot %s.gp\n",
		       c->name, c->name, c->name);
	gb_sbuf_printf(&gp, "datafile = ");
	gp_quote(&gp, c->name);
	gb_sbuf_printf(&gp, ".'.dat'\nout = ");
	gp_quote(&gp, c->name);
	gb_sbuf_printf(&gp, "\ntitle_text = ");
	gp_quote(&gp, c->title);
	gb_sbuf_printf(&gp, "\n%s\n%s", header ? header : "", tmpl);
	free(tmpl);
	name = gb_xasprintf("%s.gp", c->name);
	if (gb_report_write_file(r, name, gp.s) < 0) {
		c->missing = gb_xasprintf("%s could not be written", name);
		free(name);
		gb_sbuf_release(&gp);
		return;
	}
	gb_sbuf_release(&gp);
	if (!r->gnuplot_ok) {
		free(name);
		return;
	}
	tmp = gb_xasprintf(".tmp.%d", (int)getpid());
	if (gnuplot_run(r, name, tmp, &c->render_error) == 0) {
		int ok = 1;

		for (int k = 0; k < 2; k++) {
			const char *ext = k ? "png" : "svg";
			char *from = gb_xasprintf("%s/%s.%s%s", r->out, c->name, ext, tmp);
			char *to = gb_xasprintf("%s/%s.%s", r->out, c->name, ext);

			if (rename(from, to) < 0) {
				ok = 0;
				if (!c->render_error)
					c->render_error = gb_xasprintf("gnuplot wrote no %s.%s", c->name, ext);
				unlink(from);
			}
			free(from);
			free(to);
		}
		c->rendered = ok;
		if (ok) {
			free(c->render_error);   /* warnings of a successful drawing */
			c->render_error = NULL;
		}
	} else {
		for (int k = 0; k < 2; k++) {
			char *from = gb_xasprintf("%s/%s.%s%s", r->out, c->name, k ? "png" : "svg", tmp);

			unlink(from);
			free(from);
		}
		if (!c->render_error)
			c->render_error = gb_xstrdup("gnuplot failed");
		gb_warn("chart %s: %s", c->name, c->render_error);
	}
	free(tmp);
	free(name);
}

static int cells_of(struct gb_report *r, const char *wl)
{
	int n = 0;

	for (size_t i = 0; i < r->ncells; i++)
		n += r->cells[i].c && !strcmp(r->cells[i].c->workload, wl);
	return n;
}

/* The smallest cache capacity among a workload's cells (the "no cache" view). */
static uint32_t min_cache(struct gb_report *r, const char *wl)
{
	uint32_t m = UINT32_MAX;

	for (size_t i = 0; i < r->ncells; i++)
		if (r->cells[i].c && !strcmp(r->cells[i].c->workload, wl) && r->cells[i].c->cache < m)
			m = r->cells[i].c->cache;
	return m;
}

/* ---- latency percentile spectrum, per workload ---- */

/* Rows appended for a cell; -1 when its id is no file name (a hand-edited results.csv). */
static int hgrm_block(struct gb_report *r, struct gb_sbuf *d, const char *cell, const char *title)
{
	char *path, *text, *line, *save = NULL;
	int rows = 0;

	/* "../../x" would read a file outside the results folder */
	if (!gb_fname_is_safe(cell))
		return -1;
	path = gb_xasprintf("%s/hist/%s.hgrm", r->o->results, cell);
	text = gb_read_file(path, NULL);
	free(path);
	if (!text)
		return 0;
	dat_title(d, title);
	gb_sbuf_printf(d, " \"1/(1-p)\" \"latency_us\" \"percentile\"\n");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double v, p, cnt, inv;

		if (sscanf(line, "%lf %lf %lf %lf", &v, &p, &cnt, &inv) != 4 || !isfinite(inv))
			continue;
		gb_sbuf_printf(d, "%.6g %.6g %.12g\n", inv, v / 1e3, p);
		rows++;
	}
	free(text);
	gb_sbuf_printf(d, "\n\n");
	return rows;
}

static void chart_latency(struct gb_report *r)
{
	for (size_t w = 0; w < r->nwl; w++) {
		const char *wl = r->wl[w].name;
		uint32_t cache = min_cache(r, wl);
		char *name = gb_xasprintf("latency-%s", wl);
		char *title = gb_xasprintf("Latency percentile spectrum: %s (cache %u)", wl, cache);
		struct gb_report_chart *c = chart_add(r, name, title);
		struct gb_sbuf d = { 0 }, h = { 0 };
		int n = 0, unsafe = 0;
		char *mwl = gb_escape_md(wl), *left = NULL;

		free(name);
		free(title);
		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_cell_result *x = r->cells[i].c;
			char *t;
			int rows;

			if (!x || strcmp(x->workload, wl) || x->cache != cache)
				continue;
			t = gb_xasprintf("%s b%u %s", x->executor, x->batch, gb_quant_name(x->quant));
			rows = hgrm_block(r, &d, x->id, t);
			n += rows > 0;
			unsafe += rows < 0;
			free(t);
		}
		if (unsafe)
			left = gb_xasprintf(" (%d cell id%s not a file name, so no histogram read)", unsafe,
					    unsafe == 1 ? " is" : "s are");
		if (!n) {
			c->missing = gb_xasprintf("%s%s", cells_of(r, wl) ? "no hist/<cell>.hgrm for its cells"
								   : "no cell of this workload has results",
						  left ? left : "");
		} else {
			c->what = gb_xasprintf("Request latency at each percentile (x: 1/(1-p), so 10 is "
					       "p90 and 1000 p99.9, as HdrHistogram's plotter draws it) "
					       "for the %d cells of %s at cache %u, from `hist/<cell>.hgrm` "
					       "(all measured repetitions merged)%s.", n, mwl, cache,
					       left ? left : "");
			gb_sbuf_printf(&h, "nseries = %d\n", n);
			chart_emit(r, c, "latency", d.s, h.s);
		}
		free(mwl);
		free(left);
		gb_sbuf_release(&d);
		gb_sbuf_release(&h);
	}
}

/* ---- throughput against batch, per quant ---- */

static void chart_throughput(struct gb_report *r)
{
	for (size_t w = 0; w < r->nwl; w++) {
		const char *wl = r->wl[w].name;
		uint32_t cache = min_cache(r, wl);
		char *name = gb_xasprintf("throughput-%s", wl);
		char *title = gb_xasprintf("Throughput against batch size: %s (cache %u)", wl, cache);
		struct gb_report_chart *c = chart_add(r, name, title);
		struct gb_sbuf d = { 0 }, h = { 0 };
		int n = 0;
		const char *execs[] = { "cpu", "vulkan" };

		free(name);
		free(title);
		for (int e = 0; e < 2; e++)
			for (int q = 0; q < GB_Q_COUNT; q++) {
				int rows = 0;
				uint32_t last = 0;

				/* batches ascending: pick the next larger each time */
				for (;;) {
					struct gb_cell_result *best = NULL;

					for (size_t i = 0; i < r->ncells; i++) {
						struct gb_cell_result *x = r->cells[i].c;

						if (!x || strcmp(x->workload, wl) || x->cache != cache ||
						    (int)x->quant != q || strcmp(x->executor, execs[e]) ||
						    x->batch <= last)
							continue;
						if (!best || x->batch < best->batch)
							best = x;
					}
					if (!best)
						break;
					last = best->batch;
					{
						const struct gb_metric *m = gb_report_metric(best, "throughput_rps");
						struct gb_summary s;

						if (!m || m->source == GB_SRC_UNAVAILABLE || !m->n)
							continue;
						gb_summarize(m->v, m->n, &s);
						if (!s.n)
							continue;
						if (!rows++) {
							char *t = gb_xasprintf("%s %s", execs[e],
									       gb_quant_name((enum gb_quant)q));

							dat_title(&d, t);
							gb_sbuf_printf(&d, " \"batch\" \"median\" \"min\" \"max\"\n");
							free(t);
						}
						gb_sbuf_printf(&d, "%u %.9g %.9g %.9g\n", best->batch, s.median,
							       s.min, s.max);
					}
				}
				if (rows) {
					gb_sbuf_printf(&d, "\n\n");
					n++;
				}
			}
		if (!n) {
			c->missing = gb_xstrdup("no throughput_rps was measured for this workload");
		} else {
			char *mwl = gb_escape_md(wl);

			c->what = gb_xasprintf("Median throughput (requests per second; bars: min and max "
					       "over the repetitions) against the batch size, one line "
					       "per executor and quant level, %s at cache %u.", mwl, cache);
			free(mwl);
			gb_sbuf_printf(&h, "nseries = %d\n", n);
			chart_emit(r, c, "throughput", d.s, h.s);
		}
		gb_sbuf_release(&d);
		gb_sbuf_release(&h);
	}
}

/* ---- accuracy against throughput, per quant ---- */

static void chart_accuracy(struct gb_report *r)
{
	struct gb_report_chart *c = chart_add(r, "accuracy", "Accuracy against speed, per quant level");
	struct gb_sbuf d = { 0 }, h = { 0 };
	int n = 0, zero = 0;

	for (int q = 0; q < GB_Q_COUNT; q++) {
		int rows = 0;

		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_report_cell *rc = &r->cells[i];
			double thr;

			if (!rc->c || (int)rc->c->quant != q || isnan(rc->nmse))
				continue;
			thr = gb_report_median(rc->c, "throughput_rps");
			if (!(thr > 0))
				continue;
			if (!(rc->nmse > 0)) {
				zero++;   /* exact: no place on a log axis */
				continue;
			}
			if (!rows++) {
				dat_title(&d, gb_quant_name((enum gb_quant)q));
				gb_sbuf_printf(&d, " \"throughput_rps\" \"nmse\" \"cell\"\n");
			}
			gb_sbuf_printf(&d, "%.9g %.6g ", thr, rc->nmse);
			dat_title(&d, rc->id);
			gb_sbuf_printf(&d, "\n");
		}
		if (rows) {
			gb_sbuf_printf(&d, "\n\n");
			n++;
		}
	}
	if (!n) {
		c->missing = gb_xstrdup("no cell has both an NMSE against the f64 oracle and a throughput");
	} else {
		c->what = gb_xasprintf("Each cell's largest NMSE against the float64 oracle (over its "
				       "ops, from accuracy.csv; log scale) against its median "
				       "throughput, coloured by quant level.%s",
				       zero ? " Cells with an NMSE of exactly 0 have no place on the log "
					      "axis and are left out." : "");
		gb_sbuf_printf(&h, "nseries = %d\n", n);
		chart_emit(r, c, "accuracy", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- cache hit rate against capacity ---- */

static void chart_cache(struct gb_report *r)
{
	struct gb_report_chart *c = chart_add(r, "cache", "Result-cache hit rate against capacity");
	struct gb_sbuf d = { 0 }, h = { 0 };
	char *path = gb_xasprintf("%s/mrc.csv", r->o->results);
	char *text = gb_file_exists(path) ? gb_read_file(path, NULL) : NULL;
	int n = 0;
	const char *from = "mrc.csv (the LRU miss-ratio curve of each trace)";

	free(path);
	if (text) {
		/* workload,capacity,hit_rate; rows of one workload are contiguous */
		char *line, *save = NULL, last[256] = "";
		int rows = 0, first = 1;

		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char wl[256];
			double cap, hit;

			if (first) {
				first = 0;
				continue;
			}
			if (sscanf(line, "%255[^,],%lf,%lf", wl, &cap, &hit) != 3 || cap < 1 || !isfinite(hit))
				continue;
			if (strcmp(wl, last)) {
				if (rows)
					gb_sbuf_printf(&d, "\n\n");
				dat_title(&d, wl);
				gb_sbuf_printf(&d, " \"capacity\" \"hit_rate\"\n");
				snprintf(last, sizeof(last), "%s", wl);
				n++;
				rows = 0;
			}
			gb_sbuf_printf(&d, "%.0f %.6g\n", cap, hit);
			rows++;
		}
		if (rows)
			gb_sbuf_printf(&d, "\n\n");
		free(text);
	}
	if (!n) {
		from = "the cells' measured cache_hit_rate (medians)";
		for (size_t w = 0; w < r->nwl; w++) {
			int rows = 0;

			for (size_t i = 0; i < r->ncells; i++) {
				struct gb_cell_result *x = r->cells[i].c;
				double hit;

				if (!x || strcmp(x->workload, r->wl[w].name) || !x->cache)
					continue;
				hit = gb_report_median(x, "cache_hit_rate");
				if (isnan(hit))
					continue;
				if (!rows++) {
					dat_title(&d, r->wl[w].name);
					gb_sbuf_printf(&d, " \"capacity\" \"hit_rate\"\n");
				}
				gb_sbuf_printf(&d, "%u %.6g\n", x->cache, hit);
			}
			if (rows) {
				gb_sbuf_printf(&d, "\n\n");
				n++;
			}
		}
	}
	if (!n) {
		c->missing = gb_xstrdup("no workload has a measured hit rate (no cell with a cache, or "
					"no request with a cache key)");
	} else {
		c->what = gb_xasprintf("Hit rate of the LRU result cache against its capacity in "
				       "entries, per workload, from %s.", from);
		gb_sbuf_printf(&h, "nseries = %d\n", n);
		chart_emit(r, c, "cache", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- roofline ---- */

static void chart_roofline(struct gb_report *r)
{
	struct gb_report_chart *c = chart_add(r, "roofline", "Roofline with the measured ceilings");
	struct gb_sbuf d = { 0 }, h = { 0 };
	int nceil = 0, n = 0;
	double lo = INFINITY, hi = 0;

	if (!r->peak) {
		c->missing = gb_xasprintf("no measured ceilings (%s)", r->peak_why);
		return;
	}
	for (size_t i = 0; i < r->ncells; i++)
		if (isfinite(r->cells[i].ai)) {
			lo = fmin(lo, r->cells[i].ai);
			hi = fmax(hi, r->cells[i].ai);
		}
	if (!(hi > 0)) {
		c->missing = gb_xstrdup("no cell could be placed (no trace FLOPs and bytes, or no wall_ns)");
		return;
	}
	lo = fmin(lo / 4, 1.0 / 16);
	hi *= 4;
	if (isfinite(r->bw[GB_LVL_DRAM]) && r->bw[GB_LVL_DRAM] > 0)
		hi = fmax(hi, 4 * r->peak_gflops / r->bw[GB_LVL_DRAM]);   /* past the ridge */
	for (int l = 0; l < GB_LVL_COUNT; l++) {
		char *t;

		if (!isfinite(r->bw[l]))
			continue;
		t = gb_xasprintf("%s %.0f GB/s, %.0f GFLOP/s", gb_peak_level_name((enum gb_peak_level)l),
				 r->bw[l], r->peak_gflops);
		dat_title(&d, t);
		free(t);
		gb_sbuf_printf(&d, " \"flop_per_byte\" \"gflops\"\n");
		for (double x = lo; x <= hi * 1.0001; x *= pow(2, 0.25))
			gb_sbuf_printf(&d, "%.6g %.6g\n", x, fmin(r->peak_gflops, x * r->bw[l]));
		gb_sbuf_printf(&d, "\n\n");
		nceil++;
	}
	for (size_t w = 0; w < r->nwl; w++)
		for (int e = 0; e < 2; e++) {
			const char *ex = e ? "vulkan" : "cpu";
			int rows = 0;

			for (size_t i = 0; i < r->ncells; i++) {
				struct gb_report_cell *rc = &r->cells[i];

				if (!rc->c || strcmp(rc->c->workload, r->wl[w].name) ||
				    strcmp(rc->c->executor, ex) || !isfinite(rc->ai) || !(rc->gflops > 0))
					continue;
				if (!rows++) {
					char *t = gb_xasprintf("%s (%s)", r->wl[w].name, ex);

					dat_title(&d, t);
					free(t);
					gb_sbuf_printf(&d, " \"flop_per_byte\" \"gflops\" \"cell\"\n");
				}
				gb_sbuf_printf(&d, "%.6g %.6g ", rc->ai, rc->gflops);
				dat_title(&d, rc->id);
				gb_sbuf_printf(&d, "\n");
			}
			if (rows) {
				gb_sbuf_printf(&d, "\n\n");
				n++;
			}
		}
	if (!nceil || !n) {
		c->missing = gb_xstrdup(!nceil ? "the ceilings have no bandwidth level" :
					"no cell could be placed");
	} else {
		c->what = gb_xasprintf("Attainable GFLOP/s = min(peak, intensity x bandwidth) for each "
				       "measured bandwidth level (read kernel) and the f32 FMA peak, from "
				       "%s; every cell placed at its arithmetic intensity and achieved "
				       "GFLOP/s (see Workloads for how both are counted).", r->peak_from);
		gb_sbuf_printf(&h, "nceil = %d\nnseries = %d\n", nceil, n);
		chart_emit(r, c, "roofline", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- the bandwidth sweep behind the ceilings ---- */

static void chart_bandwidth(struct gb_report *r)
{
	struct gb_report_chart *c = chart_add(r, "bandwidth", "Memory bandwidth against working set");
	struct gb_sbuf d = { 0 }, h = { 0 };
	json_t *sweep, *pt;
	size_t i;

	if (!r->peak) {
		c->missing = gb_xasprintf("no measured ceilings (%s)", r->peak_why);
		return;
	}
	sweep = json_object_get(json_object_get(r->peak, "bandwidth"), "sweep");
	if (!json_array_size(sweep)) {
		c->missing = gb_xstrdup("the peak file has no sweep");
		return;
	}
	for (int k = 0; k < GB_BW_COUNT; k++) {
		dat_title(&d, gb_bw_kernel_name((enum gb_bw_kernel)k));
		gb_sbuf_printf(&d, " \"bytes\" \"GB/s\"\n");
		json_array_foreach(sweep, i, pt) {
			json_t *v = json_object_get(pt, gb_bw_kernel_name((enum gb_bw_kernel)k));

			if (json_is_number(v))
				gb_sbuf_printf(&d, "%lld %.6g\n",
					       (long long)json_integer_value(json_object_get(pt, "bytes")),
					       json_number_value(v));
		}
		gb_sbuf_printf(&d, "\n\n");
	}
	c->what = gb_xasprintf("The sweep behind the ceilings (%s): GB/s of each kernel against "
			       "the total working set; dashed lines at the cache capacities the "
			       "threads use (from sysfs).", r->peak_from);
	for (int l = 0; l < GB_LVL_DRAM; l++)
		gb_sbuf_printf(&h, "cap%d = %.0f\n", l + 1, isfinite(r->cap[l]) ? r->cap[l] : 0);
	gb_sbuf_printf(&h, "nseries = %d\n", GB_BW_COUNT);
	chart_emit(r, c, "bandwidth", d.s, h.s);
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- vulkan / cpu speedup ---- */

static void chart_speedup(struct gb_report *r)
{
	struct gb_report_chart *c = chart_add(r, "speedup", "Vulkan over CPU speedup");
	struct gb_sbuf d = { 0 }, h = { 0 };
	int n = 0;
	json_t *vk = json_object_get(json_object_get(r->meta, "executors"), "vulkan");

	dat_title(&d, "vulkan / cpu");
	gb_sbuf_printf(&d, " \"cpu_wall / vulkan_wall\"\n");
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_cell_result *v = r->cells[i].c;

		if (!v || strcmp(v->executor, "vulkan"))
			continue;
		for (size_t k = 0; k < r->ncells; k++) {
			struct gb_cell_result *x = r->cells[k].c;
			double cw, vw;

			if (!x || strcmp(x->executor, "cpu") || strcmp(x->workload, v->workload) ||
			    x->batch != v->batch || x->quant != v->quant || x->cache != v->cache)
				continue;
			cw = gb_report_median(x, "wall_ns");
			vw = gb_report_median(v, "wall_ns");
			if (cw > 0 && vw > 0) {
				char *label = gb_xasprintf("%s b%u %s c%u", v->workload, v->batch,
							   gb_quant_name(v->quant), v->cache);

				dat_title(&d, label);
				gb_sbuf_printf(&d, " %.6g\n", cw / vw);
				free(label);
				n++;
			}
		}
	}
	gb_sbuf_printf(&d, "\n\n");
	if (!n) {
		if (!vk)
			c->missing = gb_xstrdup("this run had no vulkan executor (not in the config's executors)");
		else if (!json_is_true(json_object_get(vk, "available")))
			c->missing = gb_xasprintf("the vulkan executor was unavailable: %s",
						  json_string_value(json_object_get(vk, "reason")));
		else
			c->missing = gb_xstrdup("no vulkan cell has a cpu cell with the same workload, "
						"batch, quant and cache, both with wall_ns");
	} else {
		c->what = gb_xasprintf("Median wall time of the cpu cell over that of the vulkan cell "
				       "with the same workload, batch, quant level and cache (above 1: "
				       "vulkan is faster), for %d pairs. Per workload, not per op: the "
				       "results hold no per-op timings.", n);
		gb_sbuf_printf(&h, "nseries = 1\nnbars = %d\n", n);
		chart_emit(r, c, "speedup", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- baseline comparison bars ---- */

static void chart_baseline(struct gb_report *r)
{
	struct gb_report_chart *c;
	struct gb_sbuf d = { 0 }, h = { 0 };
	int n = 0;

	if (!r->has_base)
		return;
	c = chart_add(r, "baseline", "Current against baseline");
	gb_sbuf_printf(&d, "\"cell\" \"throughput_rps\" \"latency_p50_ns\"\n");
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_cell_result *x = r->cells[i].c;

		if (!x)
			continue;
		for (size_t k = 0; k < r->base.n; k++) {
			struct gb_cell_result *b = &r->base.cells[k];
			double t0, t1, l0, l1;

			if (strcmp(b->id, x->id))
				continue;
			t0 = gb_report_median(b, "throughput_rps");
			t1 = gb_report_median(x, "throughput_rps");
			l0 = gb_report_median(b, "latency_p50_ns");
			l1 = gb_report_median(x, "latency_p50_ns");
			if (!(t0 > 0 && t1 > 0 && l0 > 0 && l1 > 0))
				continue;
			dat_title(&d, x->id);
			gb_sbuf_printf(&d, " %.6g %.6g\n", t1 / t0, l1 / l0);
			n++;
		}
	}
	if (!n) {
		c->missing = gb_xstrdup("no cell of this run is in the baseline with throughput and latency");
	} else {
		c->what = gb_xasprintf("Current median over baseline median per cell, for throughput "
				       "(above 1: faster) and p50 latency (above 1: slower); %d cells in "
				       "both. Descriptive: `gbench compare` decides regressions.", n);
		gb_sbuf_printf(&h, "nbars = %d\n", n);
		chart_emit(r, c, "baseline", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

void gb_report_charts(struct gb_report *r)
{
	char *err = NULL;

	r->gnuplot_ok = gnuplot_run(r, NULL, "", &err) == 0;
	if (!r->gnuplot_ok) {
		r->gnuplot_why = err ? err : gb_xstrdup("gnuplot --version failed");
		gb_warn("charts are not drawn: %s", r->gnuplot_why);
	} else {
		free(err);
	}
	chart_latency(r);
	chart_throughput(r);
	chart_accuracy(r);
	chart_cache(r);
	chart_roofline(r);
	chart_bandwidth(r);
	chart_speedup(r);
	chart_baseline(r);
}
