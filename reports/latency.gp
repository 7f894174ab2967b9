# latency.gp - latency percentile spectrum (gbench report template).
# Variables set above by the report: datafile, out, title_text, nseries.
# Data: one block per cell: 1/(1-p), latency in microseconds, percentile.
if (!exists("tmp")) tmp = ''
set terminal svg size 960,600 dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
set logscale x
set logscale y
set xlabel 'percentile'
set ylabel 'latency (us)'
set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000, '99.9999%%' 1000000)
set grid xtics ytics mytics
set key outside right top box noenhanced
set style data lines
plot for [i=0:nseries-1] datafile index i using 1:2 title columnheader(1) linewidth 2 dashtype i/8+1
set terminal pngcairo size 960,600 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
