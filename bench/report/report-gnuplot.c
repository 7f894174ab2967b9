/*
 * report-gnuplot.c - drawing the report's charts: NAME.dat, NAME.gp (a
 * header of variables followed by the template reports/<kind>.gp) and,
 * drawn by gnuplot, NAME.svg and NAME.png, all side by side so a user can
 * restyle the template and run `gnuplot NAME.gp` again.
 *
 * Data files hold one gnuplot index block per series (two blank lines
 * between blocks); the first line of a block is its title, read with
 * columnheader(1). gnuplot writes to NAME.svg.tmp.PID (the variable `tmp`
 * given on its command line) and the files are renamed when it succeeds,
 * so a failed or killed drawing never leaves half a picture.
 *
 * gnuplot runs shell commands: every name reaches a script, a data file or
 * a file name only through escape.h (the chart's file stem is a safe file
 * name, script strings are single-quoted literals, data-file strings are
 * escaped for gnuplot's data reader), and the templates print such text
 * with noenhanced so it is shown, not interpreted as markup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "report/report.h"

struct gb_report_chart *gb_report_chart_add(struct gb_report *r, const char *name, const char *title)
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
void gb_report_gp_quote(struct gb_sbuf *b, const char *s)
{
	char *e = gb_escape_gnuplot(s);

	gb_sbuf_printf(b, "%s", e);
	free(e);
}

/* A string in a data file: a block's title, a cell id, a bar's label. */
void gb_report_dat_title(struct gb_sbuf *b, const char *s)
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

static char *not_runnable(const char *cmd)
{
	return gb_xasprintf("'%s' cannot be run (not installed? set $GNUPLOT)", cmd);
}

int gb_gnuplot_run(const char *gnuplot, const char *dir, const char *script, const char *tmp,
		   char **err)
{
	const char *cmd = gnuplot ? gnuplot : getenv("GNUPLOT") ? getenv("GNUPLOT") : "gnuplot";
	char *log = gb_xasprintf("%s/.gnuplot.log.%d", dir, (int)getpid());
	char *tmpvar = gb_xasprintf("tmp='%s'", tmp ? tmp : "");
	int status = -1;
	pid_t pid;

	/* a path that names no program: said without a fork (the fuzzers draw no chart) */
	if (strchr(cmd, '/') && access(cmd, X_OK) < 0) {
		if (err)
			*err = not_runnable(cmd);
		free(log);
		free(tmpvar);
		return -1;
	}
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
		if (chdir(dir) < 0)
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
			*err = not_runnable(cmd);
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

/* Run gnuplot in the report folder; 0 when it exits 0. err gets its last stderr line. */
int gb_report_gnuplot_run(struct gb_report *r, const char *script, const char *tmp, char **err)
{
	return gb_gnuplot_run(r->o->gnuplot, r->out, script, tmp, err);
}

/*
 * Write NAME.dat and NAME.gp (header + template) and draw the chart.
 * header holds gnuplot assignments (datafile, out, title are added here).
 */
void gb_report_chart_emit(struct gb_report *r, struct gb_report_chart *c, const char *kind,
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
	gb_report_gp_quote(&gp, c->name);
	gb_sbuf_printf(&gp, ".'.dat'\nout = ");
	gb_report_gp_quote(&gp, c->name);
	gb_sbuf_printf(&gp, "\ntitle_text = ");
	gb_report_gp_quote(&gp, c->title);
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
	if (gb_report_gnuplot_run(r, name, tmp, &c->render_error) == 0) {
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
