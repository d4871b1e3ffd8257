package orbit.artifacts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What training.log says about how a run ended: its tracebacks, PyTorch's CUDA out-of-memory errors, NCCL
 * errors and watchdog timeouts, NaN/inf losses, kernel XID lines and OOM-killer lines. Lines launched through
 * torchrun or srun carry a rank prefix ({@code [rank0]:}, {@code [default0]:}, {@code 0: }); it is read past.
 */
final class LogFindings {
    /** A line of a text file: its number (1-based) and its text. */
    record Line(int number, String text) {}

    /** A Python traceback: where it starts, its exception line, the exception's type and message. */
    record Traceback(int startLine, Line exceptionLine, String type, String message) {}

    final List<Traceback> tracebacks = new ArrayList<>();
    final List<Line> oom = new ArrayList<>();
    final List<Line> nccl = new ArrayList<>();
    final List<Line> nan = new ArrayList<>();
    final List<Line> xid = new ArrayList<>();
    final List<Line> oomKiller = new ArrayList<>();

    private static final Pattern PREFIX = Pattern.compile("^(?:\\[\\d+\\]\\s*)?(?:\\[(?:rank|default)\\d+\\]:\\s?|\\d{1,4}: )");
    private static final Pattern EXCEPTION = Pattern.compile("^([A-Za-z_][\\w.]*(?:::[\\w]+)*)(?::\\s?(.*))?$");
    private static final Pattern NCCL = Pattern.compile("Watchdog caught collective operation timeout|NCCL error|DistBackendError"
            + "|ncclInternalError|ncclUnhandledCudaError|ncclSystemError|ncclRemoteError|ncclInvalidUsage|ncclInvalidArgument"
            + "|NCCL WARN|NCCL communicator was aborted|ProcessGroupNCCL's watchdog got stuck|Some NCCL operations have failed or timed out");
    private static final Pattern NAN = Pattern.compile("(?i)[\"']?\\b(?:train_|eval_)?loss[\"']?\\s*[:=]\\s*(?:tensor\\(\\s*)?[\"']?(nan|[-+]?inf(?:inity)?)\\b");
    private static final Pattern KERNEL_XID = Pattern.compile("NVRM: Xid \\(PCI:([0-9A-Fa-f:.]+)\\): (\\d+),?\\s*(.*)");
    private static final Pattern GPU_IN_OOM = Pattern.compile("\\(GPU (\\d+);|GPU (\\d+) has a total capac");

    static LogFindings scan(List<Line> lines) {
        LogFindings f = new LogFindings();
        Integer tbStart = null;
        for (Line raw : lines) {
            String t = strip(raw.text());
            String lower = t.toLowerCase(Locale.ROOT);
            if (isOom(lower)) f.oom.add(raw);
            if (NCCL.matcher(t).find()) f.nccl.add(raw);
            if (NAN.matcher(t).find()) f.nan.add(raw);
            if (KERNEL_XID.matcher(t).find()) f.xid.add(raw);
            if (lower.contains("out of memory: killed process") || lower.contains("oom-kill") || lower.contains("oom_reaper")) f.oomKiller.add(raw);

            if (t.startsWith("Traceback (most recent call last)")) {
                tbStart = raw.number();
            } else if (tbStart != null && !t.isEmpty() && !Character.isWhitespace(t.charAt(0))) {
                Matcher m = EXCEPTION.matcher(t.strip());
                if (m.matches()) {
                    f.tracebacks.add(new Traceback(tbStart, raw, m.group(1), m.group(2) == null ? "" : m.group(2).strip()));
                } else {
                    f.tracebacks.add(new Traceback(tbStart, raw, null, t.strip()));
                }
                tbStart = null;
            }
        }
        return f;
    }

    /** The traceback that ended the program: the last, passing over torchrun's own ChildFailedError that only reports a child's. */
    Traceback lastTraceback() {
        for (int i = tracebacks.size() - 1; i >= 0; i--) {
            Traceback tb = tracebacks.get(i);
            if (tb.type() == null || !tb.type().endsWith("ChildFailedError")) return tb;
        }
        return tracebacks.isEmpty() ? null : tracebacks.get(tracebacks.size() - 1);
    }

    static String strip(String text) {
        Matcher m = PREFIX.matcher(text);
        return m.find() ? text.substring(m.end()) : text;
    }

    /** Every spelling PyTorch, the CUDA runtime, cuBLAS and NCCL use for running out of GPU memory. */
    static boolean isOom(String lower) {
        return lower.contains("cuda out of memory") || lower.contains("outofmemoryerror") || lower.contains("cuda error: out of memory")
                || lower.contains("cuda_error_out_of_memory") || lower.contains("cublas_status_alloc_failed")
                || lower.contains("cuda failure 'out of memory'");
    }

    static boolean isOomException(Traceback tb) {
        return tb != null && isOom((tb.type() + ": " + tb.message()).toLowerCase(Locale.ROOT));
    }

    static boolean isNcclException(Traceback tb) {
        return tb != null && NCCL.matcher(tb.type() + ": " + tb.message()).find();
    }

    /** The GPU index a CUDA out-of-memory message names ("(GPU 0; ..." or "GPU 0 has a total capacity"), or null. */
    static Integer oomGpu(String text) {
        Matcher m = GPU_IN_OOM.matcher(text);
        if (!m.find()) return null;
        return Integer.valueOf(m.group(1) != null ? m.group(1) : m.group(2));
    }

    /** An XID from a kernel log line: {code, text after it}, or null. */
    static String[] kernelXid(String text) {
        Matcher m = KERNEL_XID.matcher(text);
        return m.find() ? new String[] {m.group(2), m.group(3), m.group(1)} : null;
    }
}
