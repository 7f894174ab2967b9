# roofline.gp - roofline with measured ceilings and every cell placed
# (gbench report template). Variables: datafile, out, title_text, nceil, ndev,
# nseries. Data: nceil blocks of ceilings (intensity, attainable GFLOP/s), the
# last ndev of them the vulkan device's own, then one block per workload and
# executor: intensity (FLOP/byte), achieved GFLOP/s, cell id.
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
plot for [i=0:nceil-1] datafile index i using 1:2 with lines linewidth 2 dashtype i+1 \
         linecolor rgb (i < nceil - ndev ? 'gray30' : 'red') title columnheader(1), \
     for [i=nceil:nceil+nseries-1] datafile index i using 1:2 with points pointsize 1.3 pointtype (i-nceil+5) title columnheader(1)
set terminal pngcairo size 960,640 enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
