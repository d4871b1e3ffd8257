package orbit.artifacts;

import orbit.OrbitException;
import orbit.artifacts.LogFindings.Line;
import orbit.artifacts.LogFindings.Traceback;
import orbit.artifacts.Postmortem.Cause;
import orbit.artifacts.Postmortem.Evidence;
import orbit.artifacts.Postmortem.Question;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a bundle's files and answers the post-mortem's five questions, then ranks the likely causes. Each
 * cause gets a rank (higher is more probable); ties keep the order found. The order says which failure
 * explains the others: a failed precheck, a cancel or a time limit end a run on purpose; a GPU that fell off
 * the bus or lost memory makes the CUDA and NCCL errors that follow; one rank's out-of-memory or exception
 * makes the other ranks' NCCL watchdogs time out.
 */
final class PostmortemAnalysis {
    static final String RUN_FILE = "runtime/last_run.json";
    static final String RUNTIME_LOG = "runtime/runtime.log";
    static final String TRAINING_LOG = "artifacts/training.log";
    static final String PRECHECK_JSON = "artifacts/precheck.json";
    static final String PRECHECK_LOG = "artifacts/runtime-precheck.log";

    static final String Q1 = "Did the worker stage the bundle and probe the host?";
    static final String Q2 = "Did the dependencies resolve as meant (precheck, fork proof)?";
    static final String Q3 = "When and how did training end (exit code, signal, last traceback)?";
    static final String Q4 = "Did the optimizer make progress (last step, loss trend, NaN/inf)?";
    static final String Q5 = "Did GPU memory climb before the end, and did any GPU report XID, ECC or thermal trouble?";

    static final Duration HEARTBEAT_STALE = Duration.ofMinutes(5);

    private record Ranked(int rank, Cause cause) {}

    /**
     * One training.log and what it says: the bundle-level one (rank 0's, {@code where} null) or a rank's under
     * artifacts/nodes/NODE/ranks/RANK/ ({@code where} "node NODE, rank RANK").
     */
    private record LogSource(String file, String node, String rank, List<Line> lines, LogFindings findings) {
        String where() {
            return node == null ? null : "node " + node + ", rank " + rank;
        }

        /** " (node a, rank 3)" to follow a summary, or nothing for the bundle-level log. */
        String tag() {
            return node == null ? "" : " (" + where() + ")";
        }
    }

    /** The GPU audit of one node of a multi-node run (artifacts/nodes/NODE/nvml-audit.jsonl). */
    private record NodeGpu(String node, GpuFindings findings) {}

    private final Artifacts a;
    private final List<String> notes = new ArrayList<>();
    private final List<Ranked> causes = new ArrayList<>();
    private RunRecord run;
    private List<Line> runJson = List.of(), runtimeLog = List.of(), precheckLog = List.of(), trainingLog = List.of();
    private LogFindings log = LogFindings.scan(List.of());
    /** The bundle-level training.log first, then every rank's, by node and rank. */
    private final List<LogSource> logs = new ArrayList<>();
    private GpuFindings gpu;
    private final List<NodeGpu> nodeGpus = new ArrayList<>();
    private Instant end;

    private PostmortemAnalysis(Artifacts a) {
        this.a = a;
    }

    static Postmortem of(Artifacts a) {
        return new PostmortemAnalysis(a).build();
    }

    private Postmortem build() {
        run = a.run();
        runJson = lines(RUN_FILE);
        runtimeLog = lines(RUNTIME_LOG);
        precheckLog = lines(PRECHECK_LOG);
        PrecheckFacts pre = a.precheck();

        try {
            Table t = a.log().table();
            IntColumn no = t.intColumn("line");
            StringColumn text = t.stringColumn("text");
            List<Line> l = new ArrayList<>(t.rowCount());
            for (int i = 0; i < t.rowCount(); i++) l.add(new Line(no.get(i), text.get(i)));
            trainingLog = l;
            log = LogFindings.scan(trainingLog);
            logs.add(new LogSource(TRAINING_LOG, null, null, trainingLog, log));
        } catch (OrbitException e) {
            if (a.rankLogs().isEmpty()) notes.add(e.getMessage());
            else notes.add("no bundle-level " + TRAINING_LOG + "; read the ranks' logs under artifacts/nodes/");
        }
        for (Artifacts.RankLog r : a.rankLogs()) {
            String file = a.dir().relativize(r.file()).toString();
            try {
                List<Line> l = lines(file);
                logs.add(new LogSource(file, r.node(), r.rank(), l, LogFindings.scan(l)));
            } catch (RuntimeException e) {
                notes.add(file + ": " + e.getMessage());
            }
        }

        Audit audit = null;
        String auditFile = null;
        Map<String, Path> nodeAudits = a.nodeAuditFiles();
        try {
            Path f = a.auditFile();
            if (f != null) {
                auditFile = a.dir().relativize(f).toString();
                audit = Artifacts.audit(f);
                if (!audit.report().clean()) notes.add(auditFile + ": " + String.join("; ", audit.report().remarks()));
            } else if (nodeAudits.isEmpty()) {
                audit = a.audit(); // says what is missing
            }
        } catch (OrbitException e) {
            notes.add(e.getMessage());
        }
        Map<String, Audit> perNode = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : nodeAudits.entrySet()) {
            String file = a.dir().relativize(e.getValue()).toString();
            try {
                Audit n = AuditLoader.load(e.getValue());
                if (!n.report().clean()) notes.add(file + ": " + String.join("; ", n.report().remarks()));
                perNode.put(e.getKey(), n);
            } catch (OrbitException x) {
                notes.add(x.getMessage());
            }
        }
        Table samples = audit == null ? null : audit.samples();
        Instant lastSample = samples == null || samples.rowCount() == 0 ? null : samples.instantColumn("ts").max();
        for (Audit n : perNode.values()) {
            if (n.samples().rowCount() > 0) lastSample = latest(lastSample, n.samples().instantColumn("ts").max());
        }
        end = run.endedAt() != null ? run.endedAt() : latest(run.latestHeartbeat(), lastSample);
        gpu = new GpuFindings(auditFile, samples, audit == null ? null : audit.events(), run.startedAt(), end);
        perNode.forEach((node, n) -> nodeGpus.add(new NodeGpu(node, new GpuFindings(a.dir().relativize(nodeAudits.get(node)).toString(),
                n.samples(), n.events(), run.startedAt(), end))));

        Metrics metrics = Metrics.read(a, notes);

        List<Question> questions = List.of(staging(), precheck(pre), ending(), progress(metrics), gpus());
        findCauses(pre, metrics);
        List<Cause> ordered = causes.stream().sorted(Comparator.comparingInt((Ranked r) -> -r.rank())).map(Ranked::cause).toList();
        if (nodeGpus.isEmpty()) {
            return new Postmortem(a.name(), run, end, metrics.lastStep, metrics.maxSteps, metrics.lastLoss, metrics.lastEval,
                    gpu.peaks(), gpu.events(), gpu.lastMinute(), questions, ordered, notes);
        }
        return new Postmortem(a.name(), run, end, metrics.lastStep, metrics.maxSteps, metrics.lastLoss, metrics.lastEval,
                byNode(GpuFindings::peaks), byNode(GpuFindings::events), byNode(GpuFindings::lastMinute), questions, ordered, notes);
    }

    /** One of the GPU tables of every audit, stacked with a leading node column (empty for the bundle-level audit). */
    private Table byNode(java.util.function.Function<GpuFindings, Table> part) {
        List<Table> parts = new ArrayList<>();
        if (gpu.present()) parts.add(Artifacts.withNode(part.apply(gpu), ""));
        for (NodeGpu n : nodeGpus) parts.add(Artifacts.withNode(part.apply(n.findings()), n.node()));
        return Artifacts.union(parts, parts.isEmpty() ? "GPU" : parts.get(0).name());
    }

    // ---- the five questions ----

    private Question staging() {
        if (runtimeLog.isEmpty()) {
            return new Question(Q1, "unknown: no " + RUNTIME_LOG + " in the bundle (the run never started here, or runtime/ was not pulled)",
                    keyLines("state"));
        }
        Line staged = first(runtimeLog, " staged: ");
        List<Line> probes = all(runtimeLog, " probe: ");
        List<Evidence> ev = new ArrayList<>();
        if (staged != null) ev.add(ev(RUNTIME_LOG, staged));
        for (Line p : probes) {
            String t = p.text();
            if (t.contains("probe: host=") || t.contains("nvidia-smi") || t.contains("driver_version") || t.contains("CUDA_VISIBLE_DEVICES")) ev.add(ev(RUNTIME_LOG, p));
        }
        String answer;
        if (staged == null) answer = "no: " + RUNTIME_LOG + " has no staging line";
        else if (probes.isEmpty()) answer = "staged at " + tsOf(staged) + ", but the worker stopped before probing the host";
        else {
            Line host = first(probes, "probe: host=");
            long gpus = probes.stream().filter(p -> p.text().contains("nvidia-smi -L: GPU ")).count();
            boolean noDriver = probes.stream().anyMatch(p -> p.text().contains("nvidia-smi not found"));
            answer = "yes: staged at " + tsOf(staged) + (host == null ? "" : "; probed host " + after(host.text(), "probe: host="))
                    + (gpus > 0 ? "; nvidia-smi listed " + gpus + " GPU" + (gpus == 1 ? "" : "s") : noDriver ? "; no NVIDIA driver (nvidia-smi not found)" : "");
        }
        return new Question(Q1, answer, ev);
    }

    private Question precheck(PrecheckFacts pre) {
        List<Evidence> ev = new ArrayList<>();
        Line verdict = last(runtimeLog, " precheck: ok", " precheck: FAILED");
        if (verdict != null) ev.add(ev(RUNTIME_LOG, verdict));
        for (Line l : precheckLog) {
            String t = l.text();
            if (t.contains("FAILED") || t.contains("FORK MISMATCH") || t.contains("not found") || t.contains("differs")) ev.add(ev(PRECHECK_LOG, l));
        }
        if (ev.size() > 8) ev = new ArrayList<>(ev.subList(0, 8));
        String answer;
        if (!pre.present()) {
            if ("precheck_failed".equals(run.state())) answer = "no: the precheck failed before writing " + PRECHECK_JSON + " (see " + PRECHECK_LOG + ")";
            else if (verdict == null) answer = "not reached: no " + PRECHECK_JSON + " and no precheck line in " + RUNTIME_LOG;
            else answer = verdict.text().contains("FAILED") ? "no: " + after(verdict.text(), "precheck: ") : "yes, by " + RUNTIME_LOG + " (no " + PRECHECK_JSON + ")";
        } else {
            ev.addAll(keyLinesOf(PRECHECK_JSON, "\"ok\""));
            List<String> failures = pre.failures();
            if (failures.isEmpty() && !Boolean.FALSE.equals(pre.ok())) {
                StringBuilder s = new StringBuilder("yes: ");
                s.append(pre.deps().isEmpty() ? "no dependencies declared" : pre.deps().size() + " dependenc" + (pre.deps().size() == 1 ? "y" : "ies") + " resolved (");
                if (!pre.deps().isEmpty()) {
                    List<String> names = pre.deps().stream().limit(6).map(d -> d.name() + (d.version() == null ? "" : " " + d.version())).toList();
                    s.append(String.join(", ", names)).append(pre.deps().size() > 6 ? ", …)" : ")");
                }
                s.append(pre.forkOk() == null ? "; no fork declared" : "; fork proof ok");
                if (pre.pythonVersion() != null) s.append("; python ").append(pre.pythonVersion());
                answer = s.toString();
            } else {
                answer = "no: " + String.join("; ", failures);
            }
        }
        return new Question(Q2, answer, ev);
    }

    private Question ending() {
        List<Evidence> ev = new ArrayList<>(keyLines("state", "ended_at", "exit_code", "signal", "reason", "slurm_job_id", "slurm_state", "slurm_reason"));
        Line exited = last(runtimeLog, " training exited: ");
        if (exited != null) ev.add(ev(RUNTIME_LOG, exited));
        Traceback tb = log.lastTraceback();
        if (tb != null) ev.add(ev(TRAINING_LOG, tb.exceptionLine()));
        StringBuilder s = new StringBuilder();
        if (!run.ended()) {
            s.append("not ended: state ").append(run.state());
            if (run.latestHeartbeat() != null) s.append(", last heartbeat ").append(run.latestHeartbeat());
        } else {
            s.append(run.state());
            if (run.endedAt() != null) {
                s.append(" at ").append(run.endedAt());
                if (run.startedAt() != null) s.append(" after ").append(human(Duration.between(run.startedAt(), run.endedAt())));
            }
            s.append(": ").append(run.exitCode() == null ? "no exit code" : "exit code " + run.exitCode());
            s.append(run.signal() == null ? ", no signal" : ", signal " + run.signal());
        }
        if (run.slurmJobId() != null || run.slurmState() != null) {
            s.append("; Slurm job ").append(run.slurmJobId() == null ? "(no id)" : run.slurmJobId()).append(": ")
                    .append(run.slurmState() == null ? "no state recorded" : run.slurmState())
                    .append(run.slurmReason() == null ? "" : " (" + run.slurmReason() + ")");
        }
        if (tb != null) s.append("; last traceback: ").append(exceptionText(tb)).append(" (").append(TRAINING_LOG).append(" line ").append(tb.exceptionLine().number()).append(')');
        else if (!trainingLog.isEmpty()) s.append("; no traceback in ").append(TRAINING_LOG);
        for (LogSource src : logs) {
            if (src.where() == null) continue;
            Traceback rtb = src.findings().lastTraceback();
            if (rtb == null) continue;
            s.append("; ").append(src.where()).append(": ").append(exceptionText(rtb)).append(" (").append(src.file()).append(" line ")
                    .append(rtb.exceptionLine().number()).append(')');
            ev.add(ev(src.file(), rtb.exceptionLine()));
        }
        return new Question(Q3, s.toString(), ev);
    }

    private Question progress(Metrics m) {
        List<Evidence> ev = new ArrayList<>();
        if (m.firstLossLine != null) ev.add(Evidence.line(m.firstFile, m.firstLossLine.number(), m.firstLossLine.text()));
        if (m.lastLossLine != null && m.lastLossLine != m.firstLossLine) ev.add(Evidence.line(m.lastFile, m.lastLossLine.number(), m.lastLossLine.text()));
        Evidence nan = firstNan(m);
        if (nan != null) ev.add(nan);
        if (m.lastStep == null && m.firstLoss == null) {
            return new Question(Q4, "unknown: no training metrics in the bundle" + (nan == null ? "" : "; a NaN/inf loss in " + nan.file()), ev);
        }
        StringBuilder s = new StringBuilder();
        s.append(m.lastStep == null ? "no step logged" : "last step " + m.lastStep + (m.maxSteps == null ? "" : " of " + m.maxSteps
                + String.format(Locale.ROOT, " (%.0f %%)", 100.0 * m.lastStep / Math.max(1, m.maxSteps))));
        if (m.firstLoss != null && m.lastLoss != null) {
            s.append(String.format(Locale.ROOT, "; loss %.4g → %.4g (%s)", m.firstLoss, m.lastLoss, m.trend()));
        }
        if (m.lastEval != null) s.append(String.format(Locale.ROOT, "; last eval loss %.4g", m.lastEval));
        s.append(nan == null ? "; no NaN/inf loss" : "; NaN/inf loss first at " + nan.where());
        return new Question(Q4, s.toString(), ev);
    }

    private Question gpus() {
        if (nodeGpus.isEmpty()) {
            if (!gpu.present()) return new Question(Q5, "unknown: no GPU audit in the bundle", List.of());
            return new Question(Q5, (gpu.simulated() ? "SIMULATED samples, not measured: " : "") + gpu.answer(), gpu.answerEvidence());
        }
        List<String> parts = new ArrayList<>();
        List<Evidence> ev = new ArrayList<>();
        if (gpu.present()) {
            parts.add((gpu.simulated() ? "SIMULATED samples, not measured: " : "") + gpu.answer());
            ev.addAll(gpu.answerEvidence());
        }
        for (NodeGpu n : nodeGpus) {
            GpuFindings f = n.findings();
            parts.add("node " + n.node() + ": " + (f.simulated() ? "SIMULATED samples, not measured: " : "") + f.answer());
            ev.addAll(f.answerEvidence());
        }
        return new Question(Q5, String.join("; ", parts), ev);
    }

    /** Every GPU audit's findings: the bundle-level one, then each node's, with a sink that names the node in the summary. */
    private void eachGpu(java.util.function.BiConsumer<GpuFindings, Sink> action) {
        if (gpu.present() || nodeGpus.isEmpty()) action.accept(gpu, this::add);
        for (NodeGpu n : nodeGpus) {
            action.accept(n.findings(), (rank, kind, summary, simulated, evidence) -> add(rank, kind, summary + " (node " + n.node() + ")", simulated, evidence));
        }
    }

    /** The GPU findings of a node (null: the bundle-level audit); null when that node has no audit. */
    private GpuFindings gpuOf(String node) {
        if (node == null) return gpu.present() ? gpu : null;
        for (NodeGpu n : nodeGpus) if (n.node().equals(node)) return n.findings();
        return null;
    }

    // ---- causes ----

    private void add(int rank, String kind, String summary, boolean simulated, List<Evidence> evidence) {
        causes.add(new Ranked(rank, new Cause(kind, summary, simulated, evidence)));
    }

    /** Slurm's verdicts that name the cause themselves; any other Slurm state is shown, not ranked. */
    static final java.util.Set<String> SLURM_VERDICTS = java.util.Set.of("TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED");
    /** Slurm's verdict ranks above anything the files suggest: the scheduler saw why it ended the job. */
    static final int SLURM_RANK = 101;

    private void findCauses(PrecheckFacts pre, Metrics metrics) {
        String state = run.state();
        if (state.equals("succeeded") || state.equals("never_run")) return;
        boolean ended = run.ended();
        Instant beat = run.latestHeartbeat();
        boolean stale = false;
        if (!ended && beat != null) stale = Duration.between(beat, Instant.now()).compareTo(HEARTBEAT_STALE) > 0;
        if (ended && run.endedAt() != null && beat != null) stale = Duration.between(beat, run.endedAt()).compareTo(HEARTBEAT_STALE) > 0;
        String slurm = run.slurmVerdict();
        boolean slurmSays = slurm != null && SLURM_VERDICTS.contains(slurm);
        if (!ended && !stale && !state.equals("lost") && !slurmSays) {
            notes.add("the run has not ended (state " + state + "): causes are given once it ends or stops sending heartbeats");
            return;
        }
        String job = "Slurm job " + (run.slurmJobId() == null ? "" : run.slurmJobId() + " ") + "ended " + slurm
                + (run.slurmReason() == null ? "" : " (reason " + run.slurmReason() + ")");

        if (state.equals("precheck_failed") || Boolean.FALSE.equals(pre.ok()) || !pre.failures().isEmpty()) {
            List<Evidence> ev = new ArrayList<>(keyLines("state", "reason"));
            for (Line l : precheckLog) {
                if (l.text().contains("FAILED") || l.text().contains("FORK MISMATCH") || l.text().contains("interpreter not found")) ev.add(ev(PRECHECK_LOG, l));
            }
            List<String> f = pre.failures();
            add(100, "precheck_failed", f.isEmpty() ? "the precheck failed before training started (see " + PRECHECK_LOG + ")" : String.join("; ", f), false, cap(ev, 8));
        }
        if (state.equals("cancelled")) {
            List<Evidence> ev = new ArrayList<>(keyLines("state", "signal", "reason", "slurm_state"));
            Line req = first(runtimeLog, "cancel requested");
            if (req != null) ev.add(ev(RUNTIME_LOG, req));
            add(95, "cancelled", "the run was cancelled" + (run.reason() == null ? "" : ": " + run.reason()), false, ev);
        }
        if ("TIMEOUT".equals(slurm)) {
            List<Evidence> ev = new ArrayList<>(keyLines("slurm_job_id", "slurm_state", "slurm_reason", "state", "signal"));
            add(SLURM_RANK, "timeout", job + ": the job reached its Slurm time limit and Slurm stopped it", false, ev);
        } else if (state.equals("timeout")) {
            List<Evidence> ev = new ArrayList<>(keyLines("state", "signal", "reason"));
            Line l = last(runtimeLog, "max_runtime", "timeout", "time limit");
            if (l != null) ev.add(ev(RUNTIME_LOG, l));
            add(90, "timeout", "the run exceeded its max_runtime and was stopped" + (run.reason() == null ? "" : ": " + run.reason()), false, ev);
        }
        if ("PREEMPTED".equals(slurm)) {
            add(SLURM_RANK, "preempted", job + ": Slurm took the nodes back for other work; the run did not fail by itself (requeue or resume it)",
                    false, keyLines("slurm_job_id", "slurm_state", "slurm_reason", "state"));
        }

        // the GPU's own errors come before the CUDA and NCCL errors they cause
        eachGpu(GpuFindings::xidCauses);
        for (LogSource src : logs) {
            for (Line l : src.findings().xid) {
                String[] x = LogFindings.kernelXid(l.text());
                int code = Integer.parseInt(x[0]);
                add(XidCodes.hardware(code) ? 88 : 85, "gpu_xid", "XID " + code + " on the GPU at PCI " + x[2] + ": " + XidCodes.meaning(code) + src.tag(),
                        false, List.of(ev(src.file(), l)));
            }
        }
        eachGpu(GpuFindings::eccCauses);

        if ("NODE_FAIL".equals(slurm)) {
            List<Evidence> ev = new ArrayList<>(keyLines("slurm_job_id", "slurm_state", "slurm_reason", "state", "last_heartbeat"));
            if (beat != null) ev.add(Evidence.at("runtime/heartbeat", beat, "last heartbeat " + beat));
            add(SLURM_RANK, "host_lost", job + ": a node of the job's allocation stopped answering Slurm" + (beat == null ? "" : "; last heartbeat " + beat), false, ev);
        } else if (state.equals("lost") || stale) {
            List<Evidence> ev = new ArrayList<>(keyLines("state", "last_heartbeat", "reason"));
            String s = state.equals("lost") ? "the host stopped answering (state lost)" : "the heartbeat stopped " + human(Duration.between(beat,
                    run.ended() ? run.endedAt() : Instant.now())) + " before " + (run.ended() ? "the recorded end" : "now") + " while the state is " + state;
            if (beat != null) ev.add(Evidence.at("runtime/heartbeat", beat, "last heartbeat " + beat));
            add(80, "host_lost", s + (beat == null ? "" : "; last heartbeat " + beat) + (run.reason() == null ? "" : "; " + run.reason()), false, ev);
        }

        Integer code = run.exitCode();
        String sig = run.signal() == null ? "" : run.signal().toUpperCase(Locale.ROOT);
        boolean slurmOom = "OUT_OF_MEMORY".equals(slurm);
        boolean killed = slurmOom || (!state.equals("cancelled") && !state.equals("timeout") && !"TIMEOUT".equals(slurm) && !"PREEMPTED".equals(slurm)
                && (Integer.valueOf(137).equals(code) || sig.equals("SIGKILL") || sig.equals("KILL") || sig.equals("9")));
        if (killed) {
            List<Evidence> ev = new ArrayList<>(slurmOom ? keyLines("slurm_job_id", "slurm_state", "slurm_reason", "exit_code", "signal")
                    : keyLines("exit_code", "signal"));
            Line exited = last(runtimeLog, " training exited: ");
            if (exited != null) ev.add(ev(RUNTIME_LOG, exited));
            List<Line> killerLines = new ArrayList<>();
            String killerFile = null;
            for (LogSource src : logs) {
                for (Line l : src.findings().oomKiller) {
                    ev.add(ev(src.file(), l));
                    if (killerFile == null) killerFile = src.file();
                    killerLines.add(l);
                }
            }
            GpuFindings.HostMemory hm = null;
            if (gpu.present()) hm = gpu.hostMemoryLow();
            for (NodeGpu n : nodeGpus) if (hm == null) hm = n.findings().hostMemoryLow();
            boolean anyHostMemory = gpu.hasHostMemory() || nodeGpus.stream().anyMatch(n -> n.findings().hasHostMemory());
            String s = slurmOom ? job + ": the job went past its memory allocation and was killed (host memory, not GPU memory)"
                    : "killed by SIGKILL" + (code == null ? "" : " (exit " + code + ")");
            boolean simulated = false;
            if (hm != null) {
                s += slurmOom ? "; host memory available fell to " + hm.describe() : ": likely the kernel's OOM killer — host memory available fell to " + hm.describe();
                ev.add(hm.evidence());
                simulated = hm.simulated();
            } else if (!killerLines.isEmpty()) {
                s += (slurmOom ? "; " : ": ") + "the kernel's OOM killer (" + killerFile + " line " + killerLines.get(0).number() + ")";
            } else if (!slurmOom) {
                s += " from outside the program: the kernel's OOM killer, a memory limit or an operator"
                        + (anyHostMemory ? "; host memory was not low in the audit" : "; the audit has no host memory figures");
            }
            add(slurmOom ? SLURM_RANK : 75, "killed", s, simulated, ev);
        }

        boolean oomFromLog = false;
        boolean ncclSeen = false;
        for (LogSource src : logs) {
            LogFindings f = src.findings();
            Traceback tb = f.lastTraceback();
            if (!f.oom.isEmpty()) {
                oomFromLog = true;
                Line line = LogFindings.isOomException(tb) ? tb.exceptionLine() : f.oom.get(f.oom.size() - 1);
                String text = LogFindings.strip(line.text()).strip();
                Integer cudaGpu = LogFindings.oomGpu(text);
                GpuFindings g = gpuOf(src.node());
                List<Evidence> ev = new ArrayList<>();
                ev.add(ev(src.file(), line));
                String climb = null;
                if (g != null) {
                    // CUDA_VISIBLE_DEVICES was probed on the bundle-level host only
                    Integer auditGpu = cudaGpu == null ? null : g.auditIndex(cudaGpu, src.node() == null ? cudaVisibleDevices() : null);
                    climb = g.climb(auditGpu != null ? auditGpu : g.fullestGpu(), ev);
                }
                String s = "CUDA out of memory" + (cudaGpu == null ? "" : " on GPU " + cudaGpu) + src.tag() + ": " + firstSentences(text)
                        + (climb == null ? "" : "; " + climb);
                // an out-of-memory the program caught and lived past is less likely than the traceback that ended it
                boolean survived = tb != null && !LogFindings.isOomException(tb) && line.number() < tb.startLine();
                add(survived ? 62 : 70, "cuda_oom", s, false, ev);
            }
            if (tb != null && !LogFindings.isOomException(tb) && !LogFindings.isNcclException(tb)) {
                List<Evidence> ev = new ArrayList<>();
                ev.add(ev(src.file(), tb.exceptionLine()));
                Line start = lineAt(src.lines(), tb.startLine());
                if (start != null) ev.add(ev(src.file(), start));
                Line frame = lastFrame(src.lines(), tb);
                if (frame != null) ev.add(ev(src.file(), frame));
                add(65, "python_exception", exceptionText(tb) + src.tag(), false, ev);
            }
            if (!f.nccl.isEmpty()) {
                List<Evidence> ev = new ArrayList<>();
                for (Line l : f.nccl) {
                    if (ev.size() == 4) break;
                    ev.add(ev(src.file(), l));
                }
                Line firstLine = f.nccl.get(0);
                String t = LogFindings.strip(firstLine.text()).strip();
                String s = t.contains("Watchdog caught collective operation timeout") ? "NCCL collective timed out: " + after(t, "Watchdog caught collective operation timeout: ")
                        : "NCCL error: " + t;
                // the first rank with NCCL trouble is named first; the others' are the same failure seen from elsewhere
                add(ncclSeen ? 59 : 60, "nccl_error", s + src.tag(), false, ev);
                ncclSeen = true;
            }
        }
        Evidence nan = firstNan(metrics);
        if (nan != null) add(55, "nan_loss", "the loss became NaN/inf (" + nan.where() + ")", false, List.of(nan));
        if (!oomFromLog) {
            boolean failed = run.failed() || !ended;
            eachGpu((g, sink) -> g.probableOom(failed, sink));
        }
        eachGpu(GpuFindings::thermalCauses);

        if (causes.isEmpty() && code != null && code != 0) {
            List<Evidence> ev = new ArrayList<>(keyLines("exit_code", "signal", "reason"));
            Line exited = last(runtimeLog, " training exited: ");
            if (exited != null) ev.add(ev(RUNTIME_LOG, exited));
            if (!trainingLog.isEmpty()) {
                Line lastLine = trainingLog.get(trainingLog.size() - 1);
                ev.add(ev(TRAINING_LOG, lastLine));
            }
            add(10, "nonzero_exit", "training exited with code " + code + (run.signal() == null ? "" : " (" + run.signal() + ")")
                    + " and the bundle shows no traceback, GPU error or other cause: read the end of " + TRAINING_LOG, false, ev);
        }
    }

    interface Sink {
        void add(int rank, String kind, String summary, boolean simulated, List<Evidence> evidence);
    }

    // ---- NaN/inf loss ----

    private Evidence firstNan(Metrics m) {
        if (m.nan != null) return m.nan;
        for (LogSource src : logs) {
            if (!src.findings().nan.isEmpty()) return ev(src.file(), src.findings().nan.get(0));
        }
        return null;
    }

    // ---- helpers ----

    /** CUDA_VISIBLE_DEVICES as the probe recorded it, to map CUDA's GPU numbers onto the audit's. */
    private String cudaVisibleDevices() {
        Line l = last(runtimeLog, "probe: CUDA_VISIBLE_DEVICES=");
        return l == null ? null : after(l.text(), "probe: CUDA_VISIBLE_DEVICES=").strip();
    }

    private static String exceptionText(Traceback tb) {
        if (tb.type() == null) return tb.message();
        return tb.message().isEmpty() ? tb.type() : tb.type() + ": " + tb.message();
    }

    /** The last "File ..., line N, in f" of a traceback: where it was raised. */
    private static Line lastFrame(List<Line> lines, Traceback tb) {
        Line found = null;
        for (Line l : lines) {
            if (l.number() <= tb.startLine()) continue;
            if (l.number() >= tb.exceptionLine().number()) break;
            if (LogFindings.strip(l.text()).strip().startsWith("File \"")) found = l;
        }
        return found;
    }

    /** A long PyTorch message cut after its first two sentences (what happened, and the GPU's capacity). */
    private static String firstSentences(String text) {
        int cut = -1, from = 0;
        for (int i = 0; i < 3; i++) {
            int dot = text.indexOf(". ", from);
            if (dot < 0) break;
            cut = dot;
            from = dot + 2;
        }
        String s = cut > 0 && text.length() > 200 ? text.substring(0, cut + 1) : text;
        return s.length() > 300 ? s.substring(0, 299) + "…" : s;
    }

    static Evidence ev(String file, Line l) {
        return Evidence.line(file, l.number(), l.text());
    }

    /** The lines of last_run.json that hold these keys, as evidence. */
    private List<Evidence> keyLines(String... keys) {
        List<Evidence> ev = new ArrayList<>();
        for (String k : keys) {
            for (Line l : runJson) {
                if (l.text().strip().startsWith("\"" + k + "\"")) {
                    ev.add(ev(RUN_FILE, l));
                    break;
                }
            }
        }
        return ev;
    }

    private List<Evidence> keyLinesOf(String file, String key) {
        List<Evidence> ev = new ArrayList<>();
        for (Line l : lines(file)) {
            if (l.text().strip().startsWith(key)) {
                ev.add(ev(file, l));
                break;
            }
        }
        return ev;
    }

    /** A small text file of the bundle as lines; empty when it is missing or unreadable. */
    private List<Line> lines(String file) {
        Path p = a.dir().resolve(file);
        try {
            String text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
            List<Line> out = new ArrayList<>();
            int n = 0;
            for (String s : text.split("\n", -1)) {
                n++;
                if (!s.isEmpty() || n == 1) out.add(new Line(n, s.endsWith("\r") ? s.substring(0, s.length() - 1) : s));
            }
            if (out.size() == 1 && out.get(0).text().isEmpty()) out.clear();
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    static Line first(List<Line> lines, String needle) {
        for (Line l : lines) if (l.text().contains(needle)) return l;
        return null;
    }

    static Line last(List<Line> lines, String... needles) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            for (String n : needles) if (lines.get(i).text().contains(n)) return lines.get(i);
        }
        return null;
    }

    private static List<Line> all(List<Line> lines, String needle) {
        return lines.stream().filter(l -> l.text().contains(needle)).toList();
    }

    private static Line lineAt(List<Line> lines, int number) {
        for (Line l : lines) if (l.number() == number) return l;
        return null;
    }

    private static List<Evidence> cap(List<Evidence> ev, int n) {
        return ev.size() <= n ? ev : ev.subList(0, n);
    }

    private static String tsOf(Line l) {
        String t = l.text();
        int sp = t.indexOf(' ');
        return sp > 0 ? t.substring(0, sp) : t;
    }

    private static String after(String text, String marker) {
        int i = text.indexOf(marker);
        return i < 0 ? text : text.substring(i + marker.length());
    }

    private static Instant latest(Instant x, Instant y) {
        if (x == null) return y;
        if (y == null) return x;
        return x.isAfter(y) ? x : y;
    }

    static String human(Duration d) {
        long s = d.getSeconds();
        if (s < 120) return s + " s";
        if (s < 7200) return (s / 60) + " min";
        return (s / 3600) + " h " + (s % 3600) / 60 + " min";
    }

    /** Training progress from the metrics table, and the raw logging.jsonl lines that show it. */
    static final class Metrics {
        Integer lastStep, maxSteps;
        Double firstLoss, lastLoss, lastEval;
        final List<Double> losses = new ArrayList<>();
        String firstFile, lastFile;
        Line firstLossLine, lastLossLine;
        Evidence nan;

        static Metrics read(Artifacts a, List<String> notes) {
            Metrics m = new Metrics();
            try {
                Table t = a.metrics().table();
                IntColumn step = t.intColumn("step");
                IntColumn max = t.intColumn("max_steps");
                DoubleColumn loss = t.doubleColumn("loss");
                DoubleColumn eval = t.doubleColumn("eval_loss");
                for (int i = 0; i < t.rowCount(); i++) {
                    if (!step.isMissing(i)) m.lastStep = m.lastStep == null ? step.get(i) : Math.max(m.lastStep, step.get(i));
                    if (!max.isMissing(i)) m.maxSteps = max.get(i);
                    if (!loss.isMissing(i)) {
                        m.losses.add(loss.get(i));
                        if (m.firstLoss == null) m.firstLoss = loss.get(i);
                        m.lastLoss = loss.get(i);
                    }
                    if (!eval.isMissing(i)) m.lastEval = eval.get(i);
                }
            } catch (OrbitException e) {
                notes.add(e.getMessage());
            }
            // NaN and missing are one value in a Tablesaw column, so NaN/inf losses are read from the lines themselves
            for (Path p : a.loggingJsonl()) {
                String rel = a.dir().relativize(p).toString();
                List<Line> ls = new ArrayList<>();
                try {
                    int n = 0;
                    for (String s : new String(Files.readAllBytes(p), StandardCharsets.UTF_8).split("\n")) {
                        n++;
                        ls.add(new Line(n, s));
                    }
                } catch (IOException e) {
                    continue;
                }
                for (Line l : ls) {
                    if (!l.text().contains("\"loss\"")) continue;
                    if (m.firstLossLine == null) {
                        m.firstLossLine = l;
                        m.firstFile = rel;
                    }
                    m.lastLossLine = l;
                    m.lastFile = rel;
                }
                if (m.nan == null) {
                    LogFindings f = LogFindings.scan(ls);
                    if (!f.nan.isEmpty()) m.nan = ev(rel, f.nan.get(0));
                }
            }
            return m;
        }

        /** Falling, rising or flat: the mean of the last three losses against the first three. */
        String trend() {
            if (losses.size() < 2) return "one value";
            int k = Math.min(3, losses.size() / 2);
            double head = 0, tail = 0;
            for (int i = 0; i < k; i++) {
                head += losses.get(i);
                tail += losses.get(losses.size() - 1 - i);
            }
            head /= k;
            tail /= k;
            if (Double.isNaN(head) || Double.isNaN(tail)) return "NaN";
            if (tail < head * 0.95) return "falling";
            if (tail > head * 1.05) return "rising";
            return "flat";
        }
    }
}
