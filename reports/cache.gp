# cache.gp - result-cache hit rate against capacity (miss-ratio curve) per workload
# (gbench report template). Variables: datafile, out, title_text, nseries.
# Data: one block per workload: capacity (entries), hit rate (0..1).
if (!exists("tmp")) tmp = ''
set terminal svg size 960,600 dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
set logscale x 2
set xlabel 'cache capacity (entries)'
set ylabel 'hit rate'
set yrange [0:1]
set format y '%.0f%%'
set ytics ('0%%' 0, '20%%' 0.2, '40%%' 0.4, '60%%' 0.6, '80%%' 0.8, '90%%' 0.9, '100%%' 1)
set grid
set key outside right top box noenhanced
plot for [i=0:nseries-1] datafile index i using 1:2 with linespoints title columnheader(1) linewidth 2 pointtype 7 pointsize 0.6
set terminal pngcairo size 960,600 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
