# latency.gp - latency percentile spectrum, small multiples (gbench report template).
# Variables set above by the report: datafile, out, title_text, npanels, and per
# panel p (1-based): pfirst[p], pcount[p] (its data blocks), ptitle[p]; per data
# block i (1-based, block i-1 in the file): lcol[i] (colour: the batch size's
# rank) and dash[i] (dash type: the executor). At most ~8 series per panel.
# Data: one block per cell: 1/(1-p), latency in microseconds, percentile.
if (!exists("tmp")) tmp = ''
cols = (npanels > 1) ? 2 : 1
rows = (npanels + cols - 1) / cols
do for [term=1:2] {
    if (term == 1) {
        set terminal svg size 1100,(300 + 320 * rows) dynamic enhanced font 'sans,11' background rgb 'white'
        set output out.'.svg'.tmp
    } else {
        set terminal pngcairo size 1100,(300 + 320 * rows) enhanced font 'sans,10' background rgb 'white'
        set output out.'.png'.tmp
    }
    # titles, keys and labels hold names from the results: noenhanced shows
    # them as written instead of reading _ ^ { } @ & ~ as markup
    set multiplot layout rows,cols title title_text noenhanced
    set logscale x
    set logscale y
    set xlabel 'percentile'
    set ylabel 'latency'
    set ytics ('100 ns' 0.1, '1 us' 1, '10 us' 10, '100 us' 100, '1 ms' 1000, '10 ms' 1e4, '100 ms' 1e5, '1 s' 1e6, '10 s' 1e7)
    set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000) font ',9'
    set grid xtics ytics mytics
    set key inside right bottom box opaque noenhanced font ',9'
    set style data lines
    do for [p=1:npanels] {
        set title ptitle[p] noenhanced
        plot for [i=pfirst[p]:pfirst[p]+pcount[p]-1] datafile index (i-1) using 1:2 \
             title columnheader(1) linewidth 2 linecolor lcol[i] dashtype dash[i]
    }
    unset multiplot
}
unset output
