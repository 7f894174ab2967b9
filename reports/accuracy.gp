# accuracy.gp - NMSE against the float64 oracle (log) against throughput, per quant
# (gbench report template). Variables: datafile, out, title_text, nseries.
# Data: one block per quant level: throughput (req/s), NMSE, cell id.
if (!exists("tmp")) tmp = ''
set terminal svg size 960,600 dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
set logscale x
set logscale y
set format y '10^{%L}'
set xlabel 'throughput (requests/s)'
set ylabel 'NMSE vs float64 oracle (max over ops)'
set grid
set key outside right top box noenhanced
plot for [i=0:nseries-1] datafile index i using 1:2 with points title columnheader(1) pointsize 1.5 pointtype 7
set terminal pngcairo size 960,600 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
