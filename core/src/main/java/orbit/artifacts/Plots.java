package orbit.artifacts;

import orbit.OrbitException;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.InstantColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.instant.PackedInstant;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PNG charts of a run with JFreeChart: GPU memory per GPU with its total as a dashed line, utilization,
 * loss with eval points. Long series are thinned to about one min and one max per pixel column before
 * drawing, so a day at 1 Hz draws as fast as a minute and a one-second spike is still visible.
 */
public final class Plots {
    public static final int WIDTH = 960;
    public static final int HEIGHT = 420;

    static {
        // charts are drawn off-screen: in a kernel, a CI runner or over SSH there is no display
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    public static Plot gpuMemory(Table samples, String title) {
        String label = simulatedLabel(samples);
        XYSeriesCollection data = new XYSeriesCollection();
        Map<Integer, double[][]> used = perGpu(samples, "mem_used_mib");
        Map<Integer, double[][]> total = perGpu(samples, "mem_total_mib");
        used.forEach((g, xy) -> data.addSeries(series("GPU " + g, xy)));
        // one total line when every GPU has the same size, else one per GPU
        java.util.Set<Double> totals = new java.util.TreeSet<>();
        total.values().forEach(xy -> { for (double v : xy[1]) totals.add(v); });
        int firstTotal = data.getSeriesCount();
        if (totals.size() == 1 && !total.isEmpty()) {
            double v = totals.iterator().next();
            double[] x = {minX(used), maxX(used)};
            data.addSeries(series("total", new double[][] {x, {v, v}}));
        } else {
            total.forEach((g, xy) -> data.addSeries(series("GPU " + g + " total", xy)));
        }
        JFreeChart chart = timeChart(title + ": GPU memory" + label, "MiB", data);
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) chart.getXYPlot().getRenderer();
        for (int s = firstTotal; s < data.getSeriesCount(); s++) {
            r.setSeriesStroke(s, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            if (totals.size() == 1) r.setSeriesPaint(s, Color.RED);
        }
        return render(title + ": GPU memory" + label, chart);
    }

    public static Plot utilization(Table samples, String title) {
        String label = simulatedLabel(samples);
        XYSeriesCollection data = new XYSeriesCollection();
        perGpu(samples, "util_gpu").forEach((g, xy) -> data.addSeries(series("GPU " + g, xy)));
        JFreeChart chart = timeChart(title + ": GPU utilization" + label, "%", data);
        ((NumberAxis) chart.getXYPlot().getRangeAxis()).setRange(0, 105);
        return render(title + ": GPU utilization" + label, chart);
    }

    /** " (SIMULATED GPUs)" when any sample came from the simulator: a chart must never pass for a measurement. */
    static String simulatedLabel(Table samples) {
        if (!samples.containsColumn("source")) return "";
        return samples.stringColumn("source").contains("simulated") ? " (SIMULATED GPUs)" : "";
    }

    /** Training loss by step as a line, eval loss as points. */
    public static Plot loss(Table metrics, String title) {
        if (!metrics.containsColumn("step")) throw new OrbitException("no step column in the metrics: cannot plot loss by step");
        XYSeriesCollection data = new XYSeriesCollection();
        NumericColumn<?> step = metrics.numberColumn("step");
        for (String col : new String[] {"loss", "eval_loss"}) {
            if (!metrics.containsColumn(col)) continue;
            DoubleColumn y = metrics.doubleColumn(col);
            StringColumn kind = metrics.containsColumn("kind") ? metrics.stringColumn("kind") : null;
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < metrics.rowCount(); i++) {
                if (step.isMissing(i) || y.isMissing(i)) continue;
                if (col.equals("loss") && kind != null && !kind.get(i).equals("train")) continue;
                pts.add(new double[] {step.getDouble(i), y.get(i)});
            }
            if (pts.isEmpty()) continue;
            double[][] xy = new double[2][pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                xy[0][i] = pts.get(i)[0];
                xy[1][i] = pts.get(i)[1];
            }
            data.addSeries(series(col.equals("loss") ? "train loss" : "eval loss", xy));
        }
        if (data.getSeriesCount() == 0) throw new OrbitException("no loss values in the metrics yet: nothing to plot");
        JFreeChart chart = ChartFactory.createXYLineChart(title + ": loss", "step", "loss", data);
        style(chart);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
        for (int s = 0; s < data.getSeriesCount(); s++) {
            boolean eval = data.getSeriesKey(s).toString().startsWith("eval");
            r.setSeriesLinesVisible(s, !eval);
            r.setSeriesShapesVisible(s, eval);
        }
        chart.getXYPlot().setRenderer(r);
        ((NumberAxis) chart.getXYPlot().getRangeAxis()).setAutoRangeIncludesZero(false);
        return render(title + ": loss", chart);
    }

    // ---- helpers ----

    /** Per GPU: {x = epoch millis, y}, rows without a time or a value left out. */
    private static Map<Integer, double[][]> perGpu(Table samples, String column) {
        InstantColumn ts = samples.instantColumn("ts");
        IntColumn gpu = samples.intColumn("gpu");
        NumericColumn<?> y = samples.numberColumn(column);
        Map<Integer, double[][]> out = new TreeMap<>();
        Map<Integer, Integer> counts = new TreeMap<>();
        int n = samples.rowCount();
        for (int i = 0; i < n; i++) {
            if (ts.isMissing(i) || gpu.isMissing(i) || y.isMissing(i)) continue;
            counts.merge(gpu.get(i), 1, Integer::sum);
        }
        Map<Integer, Integer> fill = new TreeMap<>();
        counts.forEach((g, c) -> {
            out.put(g, new double[2][c]);
            fill.put(g, 0);
        });
        for (int i = 0; i < n; i++) {
            if (ts.isMissing(i) || gpu.isMissing(i) || y.isMissing(i)) continue;
            int g = gpu.get(i);
            int k = fill.get(g);
            double[][] xy = out.get(g);
            xy[0][k] = PackedInstant.asInstant(ts.getLongInternal(i)).toEpochMilli();
            xy[1][k] = y.getDouble(i);
            fill.put(g, k + 1);
        }
        return out;
    }

    /** Keeps the first, last, and the min and max of each of about {@code buckets} equal slices of x. */
    static double[][] thin(double[] x, double[] y, int buckets) {
        int n = x.length;
        if (n <= 2L * buckets) return new double[][] {x, y};
        double lo = x[0], hi = x[n - 1];
        // samples may be out of order (several files, clock steps): thin by position then
        boolean sorted = true;
        for (int i = 1; i < n && sorted; i++) sorted = x[i] >= x[i - 1];
        double[] ox = new double[2 * buckets + 2];
        double[] oy = new double[2 * buckets + 2];
        int k = 0;
        int start = 0;
        for (int b = 0; b < buckets && start < n; b++) {
            int end;
            if (sorted && hi > lo) {
                double edge = lo + (hi - lo) * (b + 1) / buckets;
                end = start;
                while (end < n && (x[end] <= edge || b == buckets - 1)) end++;
            } else {
                end = (int) ((long) n * (b + 1) / buckets);
            }
            if (end <= start) continue;
            int mn = start, mx = start;
            for (int i = start; i < end; i++) {
                if (y[i] < y[mn]) mn = i;
                if (y[i] > y[mx]) mx = i;
            }
            int a = Math.min(mn, mx), c = Math.max(mn, mx);
            ox[k] = x[a];
            oy[k++] = y[a];
            if (c != a) {
                ox[k] = x[c];
                oy[k++] = y[c];
            }
            start = end;
        }
        return new double[][] {java.util.Arrays.copyOf(ox, k), java.util.Arrays.copyOf(oy, k)};
    }

    private static XYSeries series(String name, double[][] xy) {
        double[][] t = thin(xy[0], xy[1], WIDTH);
        XYSeries s = new XYSeries(name, false, true);
        for (int i = 0; i < t[0].length; i++) s.add(t[0][i], t[1][i], false);
        s.fireSeriesChanged();
        return s;
    }

    private static double minX(Map<Integer, double[][]> m) {
        double v = Double.POSITIVE_INFINITY;
        for (double[][] xy : m.values()) for (double x : xy[0]) v = Math.min(v, x);
        return v;
    }

    private static double maxX(Map<Integer, double[][]> m) {
        double v = Double.NEGATIVE_INFINITY;
        for (double[][] xy : m.values()) for (double x : xy[0]) v = Math.max(v, x);
        return v;
    }

    private static JFreeChart timeChart(String title, String unit, XYSeriesCollection data) {
        if (data.getSeriesCount() == 0) throw new OrbitException("no GPU samples to plot: the audit is empty");
        JFreeChart chart = ChartFactory.createXYLineChart(title, "time (UTC)", unit, data);
        XYPlot plot = chart.getXYPlot();
        DateAxis time = new DateAxis("time (UTC)");
        time.setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
        plot.setDomainAxis(time);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        plot.setRenderer(r);
        style(chart);
        return chart;
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getXYPlot().setBackgroundPaint(Color.WHITE);
        chart.getXYPlot().setDomainGridlinePaint(Color.LIGHT_GRAY);
        chart.getXYPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    private static Plot render(String title, JFreeChart chart) {
        BufferedImage img = chart.createBufferedImage(WIDTH, HEIGHT);
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding failed", e);
        }
        return new Plot(title, out.toByteArray(), WIDTH, HEIGHT);
    }
}
