package org.rnnkernels.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.text.DecimalFormat;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's charts (JFreeChart), rendered to PNG at a readable size. */
public final class Charts {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 450;
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Paint[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {
    }

    /** A bar: category (x), series (legend), value and its error half-width. */
    public record Bar(String category, String series, double value, double error) {
    }

    /** A horizontal reference line. */
    public record Marker(double value, String label, Color color, boolean dashed, boolean labelLeft) {
    }

    /** Bars with error bars, grouped by category, one colour per series; optional reference lines. */
    public static JFreeChart bars(String title, String xLabel, String yLabel, List<Bar> bars, List<Marker> markers,
                                  boolean valueLabels) {
        return bars(title, xLabel, yLabel, bars, markers, valueLabels, Double.NaN);
    }

    /** As above; the value axis stops at {@code cap} when a bar goes beyond it (the bar is drawn clipped). */
    public static JFreeChart bars(String title, String xLabel, String yLabel, List<Bar> bars, List<Marker> markers,
                                  boolean valueLabels, double cap) {
        DefaultStatisticalCategoryDataset ds = new DefaultStatisticalCategoryDataset();
        double max = 0;
        for (Bar b : bars) {
            ds.add(b.value(), b.error(), b.series(), b.category());
            // the axis follows the bars (and markers), not the error bars: a noisy run's 99.9% interval
            // can be ten times the value and would flatten every other bar; long error bars are clipped
            max = Math.max(max, b.value() + Math.min(b.error(), 0.25 * b.value()));
        }
        for (Marker m : markers) {
            max = Math.max(max, m.value());
        }
        CategoryAxis x = new CategoryAxis(xLabel);
        NumberAxis y = new NumberAxis(yLabel);
        if (max > cap) {
            max = cap;
            title += " (axis cut at " + significant(cap) + ")";
        }
        y.setRange(0, max * 1.12 + 1e-9);
        StatisticalBarRenderer r = new StatisticalBarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setErrorIndicatorPaint(Color.BLACK);
        r.setItemMargin(0.05);
        r.setDrawBarOutline(false);
        if (valueLabels) {
            r.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator() {
                @Override
                public String generateLabel(org.jfree.data.category.CategoryDataset dataset, int row, int column) {
                    Number v = dataset.getValue(row, column);
                    return v == null ? null : significant(v.doubleValue());
                }
            });
            r.setDefaultItemLabelsVisible(true);
            r.setDefaultItemLabelFont(SMALL);
        }
        for (int i = 0; i < PALETTE.length; i++) {
            r.setSeriesPaint(i, PALETTE[i]);
        }
        CategoryPlot plot = new CategoryPlot(ds, x, y, r);
        plot.setOrientation(PlotOrientation.VERTICAL);
        for (Marker m : markers) {
            ValueMarker vm = new ValueMarker(m.value(), m.color(), m.dashed()
                    ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f)
                    : new BasicStroke(2.5f));
            vm.setLabel(m.label());
            vm.setLabelFont(SMALL);
            vm.setLabelPaint(m.color().darker());
            vm.setLabelBackgroundColor(new Color(255, 255, 255, 0));
            vm.setLabelAnchor(m.labelLeft() ? RectangleAnchor.TOP_LEFT : RectangleAnchor.TOP_RIGHT);
            vm.setLabelTextAnchor(m.labelLeft() ? TextAnchor.BOTTOM_LEFT : TextAnchor.BOTTOM_RIGHT);
            vm.setLabelOffset(new org.jfree.chart.ui.RectangleInsets(2, 4, 2, 6));
            plot.addRangeMarker(vm);
        }
        x.setMaximumCategoryLabelLines(2);
        x.setLowerMargin(0.01);
        x.setUpperMargin(0.01);
        x.setCategoryMargin(0.12);
        if (ds.getColumnCount() > 10) {
            x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        JFreeChart chart = style(new JFreeChart(title, TITLE, plot, true), plot.getDomainAxis(), y);
        if (ds.getColumnCount() > 6) {
            x.setTickLabelFont(SMALL);
        }
        return chart;
    }

    /** Log-log lines: one series per entry, x and y values. */
    public static JFreeChart logLog(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        XYSeriesCollection ds = collection(series);
        LogAxis x = new LogAxis(xLabel);
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        LogAxis y = new LogAxis(yLabel);
        y.setBase(2);
        y.setTickUnit(new NumberTickUnit(1));
        y.setNumberFormatOverride(new DecimalFormat("0.###"));
        y.setMinorTickMarksVisible(true);
        XYPlot plot = new XYPlot(ds, x, y, lineRenderer(ds.getSeriesCount()));
        return style(new JFreeChart(title, TITLE, plot, true), x, y);
    }

    /** Lines on linear axes (learning curves): one series per entry, x and y values. */
    public static JFreeChart lines(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        XYSeriesCollection ds = collection(series);
        org.jfree.chart.axis.NumberAxis x = new org.jfree.chart.axis.NumberAxis(xLabel);
        x.setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createIntegerTickUnits());
        org.jfree.chart.axis.NumberAxis y = new org.jfree.chart.axis.NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(ds, x, y, lineRenderer(ds.getSeriesCount()));
        return style(new JFreeChart(title, TITLE, plot, true), x, y);
    }

    // One XY series per entry: its name, its (x, y) points.
    private static XYSeriesCollection collection(Map<String, double[][]> series) {
        XYSeriesCollection ds = new XYSeriesCollection();
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            for (double[] p : e.getValue()) {
                s.add(p[0], p[1]);
            }
            ds.addSeries(s);
        }
        return ds;
    }

    // Lines with markers, the palette's colours in order, 2 px wide.
    private static XYLineAndShapeRenderer lineRenderer(int seriesCount) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < seriesCount; i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        return r;
    }

    private static JFreeChart style(JFreeChart chart, org.jfree.chart.axis.Axis x, org.jfree.chart.axis.Axis y) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        var plot = chart.getPlot();
        plot.setBackgroundPaint(new Color(0xf7f7f7));
        if (plot instanceof CategoryPlot cp) {
            cp.setRangeGridlinePaint(new Color(0xb0b0b0));
        } else if (plot instanceof XYPlot xp) {
            xp.setRangeGridlinePaint(new Color(0xb0b0b0));
            xp.setDomainGridlinePaint(new Color(0xb0b0b0));
        }
        for (var a : List.of(x, y)) {
            a.setLabelFont(LABEL);
            a.setTickLabelFont(TICK);
        }
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setItemFont(TICK);
            legend.setPosition(RectangleEdge.BOTTOM);
        }
        return chart;
    }

    /** Three significant digits, no exponent: 7750, 297, 15.3, 0.512. */
    static String significant(double v) {
        double a = Math.abs(v);
        String pattern = a >= 100 ? "0" : a >= 10 ? "0.0" : a >= 1 ? "0.00" : "0.000";
        return new DecimalFormat(pattern, java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT)).format(v);
    }

    public static byte[] png(JFreeChart chart) throws IOException {
        return ChartUtils.encodeAsPNG(chart.createBufferedImage(WIDTH, HEIGHT));
    }

    public static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }
}
