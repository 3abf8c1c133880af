package io.quire.replay;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A latency percentile distribution as a PNG, drawn like HdrHistogram's plotter: the x axis is
 * {@code log10(1 / (1 - percentile))}, a log-scaled percentile axis on which 90%, 99%, 99.9%, ... are evenly spaced
 * and the tail is visible. (The log is taken here rather than by XChart, whose log axes ignore custom tick labels.)
 */
public final class LatencyPlot
{
    private static final int TICKS_PER_HALF_DISTANCE = 5;

    private LatencyPlot()
    {
    }

    /**
     * @param histogram values in ns.
     * @param title     chart title.
     * @param file      the PNG to write.
     * @throws IOException if it cannot be written.
     */
    public static void write(final Histogram histogram, final String title, final Path file) throws IOException
    {
        write(Map.of("latency", histogram), title, file);
    }

    /**
     * One curve per histogram, in the map's order. With more than one, a legend, and a logarithmic latency axis so
     * that curves an order of magnitude apart both stay readable.
     *
     * @param histograms values in ns, by series name.
     * @param title      chart title.
     * @param file       the PNG to write.
     * @throws IOException if it cannot be written.
     */
    public static void write(final Map<String, Histogram> histograms, final String title, final Path file)
        throws IOException
    {
        final XYChart chart = new XYChartBuilder().width(900).height(histograms.size() > 1 ? 600 : 520)
            .title(title).xAxisTitle("percentile").yAxisTitle("latency (µs)").build();
        chart.getStyler().setLegendVisible(histograms.size() > 1);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setYAxisLogarithmic(histograms.size() > 1);
        chart.setCustomXAxisTickLabelsFormatter(LatencyPlot::percentileLabel);
        for (final Map.Entry<String, Histogram> e : histograms.entrySet())
        {
            final Histogram histogram = e.getValue();
            if (histograms.size() > 1 && histogram.getTotalCount() == 0)
            {
                continue;
            }
            final List<Double> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (final HistogramIterationValue v : histogram.percentiles(TICKS_PER_HALF_DISTANCE))
            {
                final double percentile = v.getPercentileLevelIteratedTo();
                if (percentile >= 100.0)
                {
                    break;
                }
                x.add(Math.log10(1.0 / (1.0 - percentile / 100.0)));
                // A log axis cannot show 0: a sub-microsecond value is drawn at 1 ns.
                y.add(Math.max(0.001, v.getValueIteratedTo() / 1000.0));
            }
            if (x.isEmpty())
            {
                x.add(0.0);
                y.add(Math.max(0.001, histogram.getMaxValue() / 1000.0));
            }
            final XYSeries series = chart.addSeries(e.getKey(), x, y);
            series.setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * @param x {@code log10(1 / (1 - p))}.
     * @return the percentile p as a label, e.g. {@code 99.9%}.
     */
    static String percentileLabel(final double x)
    {
        final double p = 100.0 * (1.0 - Math.pow(10, -x));
        final String s = String.format(Locale.ROOT, "%.6f", p).replaceAll("0+$", "").replaceAll("\\.$", "");
        return s + "%";
    }
}
