# roofline.gp - one executor's roofline: its device's measured ceilings and
# its cells (or its op kinds) placed (gbench report template). Variables:
# datafile, out, title_text, nceil, nseries, ceilcolor. Data: nceil blocks
# of ceilings (intensity, attainable GFLOP/s), then nseries blocks of points:
# intensity (FLOP/byte), achieved GFLOP/s, cell id.
if (!exists("tmp")) tmp = ''
set terminal svg size 960,640 dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
set logscale xy
set xlabel 'arithmetic intensity (FLOP/byte)'
set ylabel 'GFLOP/s'
set format y '%g'
set grid
set key outside right top box noenhanced
# eight distinct colours for the points (the ceilings are lines in ceilcolor)
array pcolor[8] = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#f0e442']
plot for [i=0:nceil-1] datafile index i using 1:2 with lines linewidth 2 dashtype i+1 \
         linecolor rgb ceilcolor title columnheader(1), \
     for [i=nceil:nceil+nseries-1] datafile index i using 1:2 with points pointsize 1.3 \
         pointtype (i-nceil)%8+5 linecolor rgb pcolor[(i-nceil)%8+1] title columnheader(1)
set terminal pngcairo size 960,640 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
