# throughput.gp - throughput against batch size, one line per executor and quant
# (gbench report template). Variables: datafile, out, title_text, nseries,
# xticlist (the measured batch sizes, the only ticks), xlo, xhi (the x range,
# a little wider than the sizes), and per block i
# (1-based): lcol[i] (colour: the quant level), dash[i] (dash type: the executor).
# Data: one block per series: batch, median, min, max (requests per second).
if (!exists("tmp")) tmp = ''
set terminal svg size 960,600 dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
# batch sizes and throughputs span decades: both axes logarithmic, so a slow
# executor is a line of its own rather than one flat at zero
set logscale x 2
set logscale y
set xrange [xlo:xhi]
set xtics @xticlist
set mxtics 1
set xlabel 'batch size (measured sizes only)'
set ylabel 'throughput (requests/s)'
set format y '%.0s%c'
set grid
set key outside right top box noenhanced
plot for [i=1:nseries] datafile index (i-1) using 1:2:3:4 with yerrorlines title columnheader(1) \
     linewidth 2 pointtype 7 linecolor lcol[i] dashtype dash[i]
set terminal pngcairo size 960,600 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
