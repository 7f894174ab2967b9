# baseline.gp - current over baseline medians per cell (gbench report template).
# Variables: datafile, out, title_text, nbars. Data: a header line, then
# cell, throughput ratio, p50 latency ratio.
if (!exists("tmp")) tmp = ''
set terminal svg size 1100,600 dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'current / baseline'
set xtics rotate by -60 font ',8' noenhanced
set grid ytics
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead linecolor rgb 'red'
set key outside right top box noenhanced
plot datafile using 2:xtic(1) title 'throughput' linecolor rgb 'steelblue', \
     '' using 3 title 'p50 latency' linecolor rgb 'orange'
set terminal pngcairo size 1100,600 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
