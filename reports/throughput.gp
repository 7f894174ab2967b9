# throughput.gp - throughput against batch size, one line per executor and quant
# (gbench report template). Variables: datafile, out, title_text, nseries.
# Data: one block per series: batch, median, min, max (requests per second).
if (!exists("tmp")) tmp = ''
set terminal svg size 960,600 dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
set logscale x 2
set xlabel 'batch size'
set ylabel 'throughput (requests/s)'
set yrange [0:*]
set grid
set key outside right top box noenhanced
plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with yerrorlines title columnheader(1) linewidth 2 pointtype 7
set terminal pngcairo size 960,600 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
