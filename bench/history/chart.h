/*
 * chart.h - the trend chart of one history series: NAME.dat and NAME.gp
 * written into a folder and drawn by gnuplot as NAME.svg and NAME.png, the
 * runs' commits on the x axis and the change points found marked.
 */
#ifndef GB_HISTORY_CHART_H
#define GB_HISTORY_CHART_H

#include "history/changepoint.h"
#include "history/history.h"

/*
 * Write the chart of s into dir (created if needed); NAME is
 * "history-" + the cell and metric as a safe file name, returned in *name
 * (caller frees). Data and script are always written (0 or -1); drawn is
 * set to 1 when gnuplot drew both images, else 0 with a warning saying why
 * (gnuplot from $GNUPLOT or PATH).
 */
int gb_history_chart(const struct gb_history_series *s, const struct gb_changepoint *cp,
		     size_t ncp, const char *dir, char **name, int *drawn);

#endif
