/*
 * chart.c - a history series as a gnuplot trend chart (chart.h).
 *
 * Cells, metrics and commits come from results folders, which anyone can
 * write, and gnuplot runs shell commands: each reaches the script only as
 * a single-quoted literal (gb_escape_gnuplot) and the data file only as a
 * quoted data field (gb_escape_gnuplot_data); the script prints them with
 * noenhanced. gnuplot writes NAME.svg.tmp.PID and NAME.png.tmp.PID (the
 * variable tmp, given on its command line), renamed into place here, so a
 * reader never sees half an image; `gnuplot NAME.gp` redraws them by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "history/chart.h"
#include "report/report.h"

static int write_dat(const struct gb_history_series *s, const char *path)
{
	struct gb_atomic a;

	if (gb_atomic_open(&a, path) < 0)
		return -1;
	fprintf(a.f, "# run commit median start\n");
	for (size_t i = 0; i < s->n; i++) {
		char *c = gb_escape_gnuplot_data(s->commit[i]);
		char *t = gb_escape_gnuplot_data(s->start[i]);

		fprintf(a.f, "%zu %s %.17g %s\n", i + 1, c, s->v[i], t);
		free(c);
		free(t);
	}
	return gb_atomic_commit(&a);
}

static int write_gp(const struct gb_history_series *s, const struct gb_changepoint *cp,
		    size_t ncp, const char *name, const char *path)
{
	struct gb_atomic a;
	char *title = gb_xasprintf("%s %s (%s, %s, branch %s)", s->cell, s->metric, s->klass,
				   s->config, s->branch);
	char *ylabel = gb_xasprintf("median per run (%s)", s->unit);
	char *t = gb_escape_gnuplot(title), *y = gb_escape_gnuplot(ylabel), *n = gb_escape_gnuplot(name);

	if (gb_atomic_open(&a, path) < 0) {
		free(title);
		free(ylabel);
		free(t);
		free(y);
		free(n);
		return -1;
	}
	fprintf(a.f,
		"# %s.gp - written by gbench history show from %s.dat. Redraw: gnuplot %s.gp\n"
		"if (!exists('tmp')) tmp = ''\n"
		"name = %s\n"
		"set title %s noenhanced\n"
		"set ylabel %s noenhanced\n"
		"set xlabel 'commit (oldest run first)'\n"
		"set xtics rotate by -60 noenhanced font ',8'\n"
		"set grid ytics\n"
		"set key off\n"
		"set offsets 0.5, 0.5, 0, 0\n",
		name, name, name, n, t, y);
	/* a dashed line where each new level begins, between the two runs */
	for (size_t i = 0; i < ncp; i++)
		fprintf(a.f,
			"set arrow from %.1f, graph 0 to %.1f, graph 1 nohead dashtype 2 lc rgb 'red'\n"
			"set label '%+.1f%%' at %.1f, graph 0.95 left tc rgb 'red'\n",
			(double)cp[i].index + 0.5, (double)cp[i].index + 0.5, cp[i].shift * 100,
			(double)cp[i].index + 0.6);
	fprintf(a.f,
		"set terminal svg size 960,540 dynamic font 'sans,11' background rgb 'white'\n"
		"set output name.'.svg'.tmp\n"
		"plot name.'.dat' using 1:3:xticlabels(2) with linespoints pt 7 ps 0.6\n"
		"set terminal pngcairo size 960,540 font 'sans,10' background rgb 'white'\n"
		"set output name.'.png'.tmp\n"
		"replot\n"
		"unset output\n");
	free(title);
	free(ylabel);
	free(t);
	free(y);
	free(n);
	return gb_atomic_commit(&a);
}

int gb_history_chart(const struct gb_history_series *s, const struct gb_changepoint *cp,
		     size_t ncp, const char *dir, char **name, int *drawn)
{
	char *id = gb_xasprintf("history-%s.%s", s->cell, s->metric);
	char *nm = gb_escape_fname(id), *dat, *gp, *tmp, *why = NULL;
	int rc = -1;

	free(id);
	*drawn = 0;
	*name = nm;
	if (gb_mkdir_p(dir) < 0)
		return -1;
	dat = gb_xasprintf("%s/%s.dat", dir, nm);
	gp = gb_xasprintf("%s/%s.gp", dir, nm);
	tmp = gb_xasprintf(".tmp.%d", (int)getpid());
	if (write_dat(s, dat) < 0 || write_gp(s, cp, ncp, nm, gp) < 0)
		goto out;
	rc = 0;
	if (gb_gnuplot_run(NULL, dir, strrchr(gp, '/') + 1, tmp, &why) == 0) {
		int ok = 1;

		for (int k = 0; k < 2; k++) {
			const char *ext = k ? "png" : "svg";
			char *from = gb_xasprintf("%s/%s.%s%s", dir, nm, ext, tmp);
			char *to = gb_xasprintf("%s/%s.%s", dir, nm, ext);

			if (rename(from, to) < 0) {
				ok = 0;
				unlink(from);
			}
			free(from);
			free(to);
		}
		*drawn = ok;
		if (!ok)
			gb_warn("gnuplot did not write %s.svg and %s.png", nm, nm);
	} else {
		gb_warn("the chart is not drawn: %s; its data and script are in '%s'", why, dir);
	}
out:
	free(why);
	free(dat);
	free(gp);
	free(tmp);
	return rc;
}
