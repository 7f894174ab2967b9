# speedup.gp - vulkan against cpu per pair of cells, a sorted horizontal bar chart
# (gbench report template). Variables: datafile, out, title_text, nbars,
# xlo, xhi (the ratio axis). Data: one block, sorted by the ratio: the pair's
# label, cpu wall / vulkan wall, the ratio in words ("3.2x faster", "4.1x slower").
if (!exists("tmp")) tmp = ''
h = 160 + 22 * nbars
set terminal svg size 1000,h dynamic enhanced font 'sans,11' background rgb 'white'
set output out.'.svg'.tmp
# titles, keys and labels hold names from the results: noenhanced shows them as
# written instead of reading _ ^ { } @ & ~ as markup
set title title_text noenhanced
set logscale x 10
set xrange [xlo:xhi]
set yrange [-0.7:nbars-0.3]
set xlabel 'cpu wall time / vulkan wall time (right of 1: vulkan faster; left: vulkan slower)'
set ytics noenhanced font ',9' nomirror
set grid xtics
set style fill solid 0.8 border -1
set key off
set arrow 1 from 1, graph 0 to 1, graph 1 nohead linecolor rgb 'black' linewidth 1.5
plot datafile index 0 using (1):0:(1):2:($0-0.35):($0+0.35):($2 >= 1 ? 0x4682b4 : 0xd2691e):ytic(1) \
         with boxxyerror linecolor rgb variable, \
     '' index 0 using ($2 >= 1 ? $2 : NaN):0:3 with labels left offset 0.5,0 font ',9' noenhanced, \
     '' index 0 using ($2 < 1 ? $2 : NaN):0:3 with labels right offset -0.5,0 font ',9' noenhanced
set terminal pngcairo size 1000,h enhanced font 'sans,10' background rgb 'white'
set output out.'.png'.tmp
replot
unset output
