# bandwidth.gp - the bandwidth sweep of `gbench peak` (gbench report template).
# Variables: datafile, out, title_text, nseries, cap1..cap3 (cache capacities in
# bytes the threads use; 0 when unknown), cap1label..cap3label, xticlist (ticks
# in IEC units: the sizes are binary). Data: one block per kernel: bytes, GB/s.
if (!exists("tmp")) tmp = ''
set terminal svg size 960,600 dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
set logscale x 2
set logscale y
set xlabel 'working set (all threads)'
set ylabel 'GB/s (10^9 bytes/s)' noenhanced
set xtics @xticlist
set mxtics 1
set grid
set key outside right top box noenhanced
if (cap1 > 0) set arrow 1 from cap1, graph 0 to cap1, graph 1 nohead dashtype 2 linecolor rgb 'gray50'; set label 1 cap1label at cap1, graph 0.97 right offset -0.4,0 font ',9' textcolor rgb 'gray30' noenhanced
if (cap2 > 0) set arrow 2 from cap2, graph 0 to cap2, graph 1 nohead dashtype 2 linecolor rgb 'gray50'; set label 2 cap2label at cap2, graph 0.97 right offset -0.4,0 font ',9' textcolor rgb 'gray30' noenhanced
if (cap3 > 0) set arrow 3 from cap3, graph 0 to cap3, graph 1 nohead dashtype 2 linecolor rgb 'gray50'; set label 3 cap3label at cap3, graph 0.97 right offset -0.4,0 font ',9' textcolor rgb 'gray30' noenhanced
plot for [i=0:nseries-1] datafile index i using 1:2 with linespoints title columnheader(1) linewidth 2 pointtype 7 pointsize 0.6
set terminal pngcairo size 960,600 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
