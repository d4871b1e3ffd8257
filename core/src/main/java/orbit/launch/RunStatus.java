package orbit.launch;

import orbit.display.MimeBundle;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run is doing, as read from runtime/: the recorded state plus whether its process is alive now.
 *
 * @param bundleName   the bundle's name
 * @param run          the content of runtime/last_run.json
 * @param alive        true when the recorded pid is running with the recorded start time (a Slurm job: when Slurm
 *                     says the job has not ended)
 * @param heartbeat    the content of runtime/heartbeat (may be fresher than run.last_heartbeat)
 */
public record RunStatus(String bundleName, LastRun run, boolean alive, String heartbeat) implements MimeBundle {
    public RunState state() {
        return run.state();
    }

    public boolean succeeded() {
        return run.state() == RunState.SUCCEEDED;
    }

    /** One line: `run ID of NAME: STATE (details)`. */
    public String line() {
        StringBuilder sb = new StringBuilder("run ").append(run.runId()).append(" of ").append(bundleName)
                .append(": ").append(run.state().wire()).append(" (target ").append(run.target());
        if (run.slurmJobId() != null) {
            // a Slurm job's pid lives on a compute node: Slurm's word on the job is what is shown
            sb.append(", slurm job ").append(run.slurmJobId());
            if (run.slurmState() != null) sb.append(' ').append(run.slurmState());
            if (run.slurmReason() != null) sb.append(" (").append(run.slurmReason()).append(')');
        } else if (run.pid() != null) {
            sb.append(", pid ").append(run.pid()).append(alive ? " alive" : " gone");
        }
        if (run.startedAt() != null) sb.append(", started ").append(run.startedAt());
        if (run.endedAt() != null) sb.append(", ended ").append(run.endedAt());
        if (run.exitCode() != null) sb.append(", exit code ").append(run.exitCode());
        if (run.signal() != null) sb.append(", signal ").append(run.signal());
        if (heartbeat != null && !run.state().terminal()) sb.append(", heartbeat ").append(heartbeat);
        if (run.reason() != null) sb.append(", reason: ").append(run.reason());
        return sb.append(')').toString();
    }

    @Override
    public String toString() {
        return line();
    }

    @Override
    public Map<String, String> mimeBundle() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", line());
        StringBuilder html = new StringBuilder("<table class=\"orbit-run\">");
        row(html, "bundle", bundleName);
        row(html, "run", run.runId());
        row(html, "state", run.state().wire());
        row(html, "target", run.target());
        row(html, "host", run.host());
        row(html, "slurm job", run.slurmJobId());
        row(html, "slurm state", run.slurmState() == null ? null
                : run.slurmState() + (run.slurmReason() == null ? "" : " (" + run.slurmReason() + ")"));
        row(html, "pid", run.pid() == null || run.slurmJobId() != null ? null : run.pid() + (alive ? " (alive)" : " (gone)"));
        row(html, "started", run.startedAt());
        row(html, "ended", run.endedAt());
        row(html, "exit code", run.exitCode() == null ? null : run.exitCode().toString());
        row(html, "signal", run.signal());
        row(html, "heartbeat", heartbeat);
        row(html, "reason", run.reason());
        m.put("text/html", html.append("</table>").toString());
        return m;
    }

    private static void row(StringBuilder html, String key, String value) {
        if (value == null) return;
        html.append("<tr><th>").append(key).append("</th><td>").append(escape(value)).append("</td></tr>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
