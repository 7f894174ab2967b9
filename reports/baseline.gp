# baseline.gp - current over baseline medians per cell, one panel per metric
# direction so no bar points the opposite way to its neighbour (gbench report
# template). Variables: datafile, out, title_text, nbars, showtics (0 when
# there are too many cells to label; the Baseline table names them). Data: a
# comment line, then cell, throughput ratio, p50 latency ratio.
if (!exists("tmp")) tmp = ''
w = (nbars > 40) ? 1400 : 1100
do for [term=1:2] {
    if (term == 1) {
        set terminal svg size w,800 dynamic enhanced font 'sans,11' background rgb 'white'
        set output out.'.svg'.tmp
    } else {
        set terminal pngcairo size w,800 enhanced font 'sans,10' background rgb 'white'
        set output out.'.png'.tmp
    }
    # titles, keys and labels hold names from the results: noenhanced shows
    # them as written instead of reading _ ^ { } @ & ~ as markup
    set multiplot layout 2,1 title title_text noenhanced
    # bars grow from 1 (no change), up or down, so their length is the change
    set style fill solid 0.8 border -1
    set grid ytics
    set key off
    set xrange [-0.7:nbars-0.3]
    set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead linecolor rgb 'black'
    if (showtics) {
        set xtics rotate by -60 font ',8' noenhanced
    } else {
        set xtics format '' scale 0
    }
    set title 'throughput, current / baseline: above 1 is faster'
    set ylabel 'throughput ratio'
    if (showtics) {
        plot datafile using 0:(1):($0-0.3):($0+0.3):(1):2:xtic(1) with boxxyerror linecolor rgb 'steelblue'
    } else {
        plot datafile using 0:(1):($0-0.3):($0+0.3):(1):2 with boxxyerror linecolor rgb 'steelblue'
    }
    set title 'p50 latency, current / baseline: below 1 is faster'
    set ylabel 'p50 latency ratio'
    if (showtics) {
        plot datafile using 0:(1):($0-0.3):($0+0.3):(1):3:xtic(1) with boxxyerror linecolor rgb 'dark-orange'
    } else {
        plot datafile using 0:(1):($0-0.3):($0+0.3):(1):3 with boxxyerror linecolor rgb 'dark-orange'
    }
    unset multiplot
}
unset output
