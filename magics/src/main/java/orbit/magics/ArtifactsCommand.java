package orbit.magics;

import orbit.OrbitException;
import orbit.artifacts.Artifacts;
import orbit.artifacts.Audit;
import orbit.artifacts.Loaded;
import orbit.artifacts.LoadReport;
import orbit.artifacts.Plot;
import orbit.artifacts.Postmortem;
import orbit.bundle.Bundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tech.tablesaw.api.Table;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** `orbit artifacts VIEW PATH_OR_BUNDLE` / `%artifacts ...`: a run's artifacts as tables, a post-mortem, plots. */
@Command(name = "artifacts", mixinStandardHelpOptions = true,
        description = {"Show what a run left behind: the GPU audit, training metrics, training.log, a post-mortem, plots.",
                "PATH_OR_BUNDLE is a bundle name, a bundle directory, or a single file (audit, metrics, log)."})
public final class ArtifactsCommand extends Subcommand implements Runnable {
    enum View { audit, events, metrics, log, manifest, postmortem, plot_memory, plot_utilization, plot_loss }

    /** Lets users type plot-memory as well as plot_memory. */
    static final class ViewConverter implements picocli.CommandLine.ITypeConverter<View> {
        @Override
        public View convert(String value) {
            try {
                return View.valueOf(value.strip().toLowerCase(java.util.Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("unknown view '" + value
                        + "': use audit, events, metrics, log, manifest, postmortem, plot-memory, plot-utilization or plot-loss");
            }
        }
    }

    @Parameters(index = "0", paramLabel = "VIEW", converter = ViewConverter.class,
            description = "audit | events | metrics | log | manifest | postmortem | plot-memory | plot-utilization | plot-loss")
    View view;

    @Parameters(index = "1", paramLabel = "PATH_OR_BUNDLE", description = "A bundle name, a bundle directory, or a file.")
    String target;

    @Option(names = "--csv", description = "Print the table as CSV (warnings go to stderr).")
    boolean csv;

    @Option(names = "--json", description = "For postmortem: print it as one orbit.postmortem.v1 JSON object.")
    boolean json;

    @Option(names = "--as", paramLabel = "VAR", description = "Bind the result to a variable of the notebook / JShell session.")
    String as;

    @Option(names = "--png", paramLabel = "FILE", description = "For plots: write the PNG to FILE.")
    Path png;

    @Override
    public void run() {
        if (json && view != View.postmortem) throw new OrbitException("--json prints a post-mortem: use it with `artifacts postmortem`, or --csv for tables");
        Object value = load();
        if (json) {
            console().out().println(((Postmortem) value).toJson());
            console().out().flush();
            if (as != null) console().bind(as, value);
            return;
        }
        if (value instanceof Plot plot && png != null) {
            console().out().println("wrote " + plot.write(png));
            console().out().flush();
            return;
        }
        if (csv) {
            Table t = table(value);
            StringWriter w = new StringWriter();
            t.write().csv(w);
            console().out().print(w);
            console().out().flush();
            LoadReport r = report(value);
            if (r != null && !r.clean()) {
                for (String remark : r.remarks()) console().err().println("orbit: warning: " + remark);
                console().err().flush();
            }
            return;
        }
        if (as != null) console().bind(as, value);
        else console().display(value);
    }

    private Object load() {
        Path asFile = Path.of(target);
        if (Files.isRegularFile(asFile)) {
            return switch (view) {
                case audit -> Artifacts.audit(asFile);
                case events -> Artifacts.audit(asFile).events();
                case metrics -> Artifacts.metrics(asFile);
                case log -> Artifacts.log(asFile);
                default -> throw new OrbitException(view.name().replace('_', ' ') + " needs a bundle, not a single file: pass the bundle name or directory");
            };
        }
        Artifacts a = artifacts();
        return switch (view) {
            case audit -> a.audit();
            case events -> a.audit().events();
            case metrics -> a.metrics();
            case log -> a.log();
            case manifest -> a.manifest();
            case postmortem -> a.postmortem();
            case plot_memory -> a.plotGpuMemory();
            case plot_utilization -> a.plotUtilization();
            case plot_loss -> a.plotLoss();
        };
    }

    private Artifacts artifacts() {
        Path p = Path.of(target);
        if (Files.isDirectory(p) && (target.contains("/") || !Files.isDirectory(bundleRoot().dir().resolve(target)))) {
            return Files.isRegularFile(p.resolve(Bundle.JOB_FILE)) ? Artifacts.of(Bundle.open(p)) : Artifacts.of(p);
        }
        Path located = bundleRoot().locate(target);
        if (Files.isRegularFile(located.resolve(Bundle.JOB_FILE))) return Artifacts.of(bundleRoot().open(target));
        if (Files.isDirectory(located)) return Artifacts.of(located);
        throw new OrbitException("no bundle or file named " + target + " under " + bundleRoot().dir()
                + ": list bundles with `orbit bundle list`, pass --root, or give a path");
    }

    private static Table table(Object value) {
        if (value instanceof Table t) return t;
        if (value instanceof Loaded l) return l.table();
        if (value instanceof Audit a) return a.samples();
        if (value instanceof Postmortem p) {
            if (p.lastMinute() == null) throw new OrbitException("--csv of a post-mortem prints its last minute of GPU samples, and this bundle has no GPU audit");
            return p.lastMinute();
        }
        throw new OrbitException("--csv prints tables: use it with audit, events, metrics, log or manifest");
    }

    private static LoadReport report(Object value) {
        if (value instanceof Loaded l) return l.report();
        if (value instanceof Audit a) return a.report();
        return null;
    }
}
