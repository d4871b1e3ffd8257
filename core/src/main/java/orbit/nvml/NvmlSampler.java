package orbit.nvml;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Samples every GPU through NVML and watches XID critical errors on an event set registered on all
 * devices; each XID is reported the moment {@code nvmlEventSetWait} returns it, not at the next sample.
 */
public final class NvmlSampler implements GpuSampler {
    private static final int EVENT_WAIT_MS = 200;

    private final Nvml nvml;
    private final List<NvmlDevice> devices;
    private final boolean[] reportedLost;
    private final Map<String, Object> description = new LinkedHashMap<>();
    private volatile Consumer<GpuEvent> sink = e -> { };
    private volatile boolean closing;
    private Thread xidWatcher;
    private long eventSet;

    public NvmlSampler(Nvml nvml) {
        this.nvml = nvml;
        this.devices = nvml.devices();
        this.reportedLost = new boolean[devices.size()];
        description.put("driver_version", nvml.driverVersion());
        description.put("cuda_driver_version", nvml.cudaDriverVersion());
        description.put("gpus", devices.size());
        if (!nvml.deviceErrors().isEmpty()) description.put("device_errors", nvml.deviceErrors());
        // calls an older driver lacks: the fields they fill are null on every line, said once here
        description.put("missing_calls", nvml.missingCalls());
    }

    /** Opens NVML and samples through it, or says why it cannot. */
    public static NvmlSampler openOrThrow() {
        return new NvmlSampler(Nvml.openOrThrow());
    }

    @Override
    public String source() {
        return "nvml";
    }

    @Override
    public Map<String, Object> describe() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(description));
    }

    public Nvml nvml() {
        return nvml;
    }

    @Override
    public GpuSnapshot sample() {
        Instant ts = Instant.now();
        List<GpuSample> out = new ArrayList<>(devices.size());
        for (int i = 0; i < devices.size(); i++) {
            NvmlDevice d = devices.get(i);
            if (reportedLost[i]) continue; // NVML needs a GPU reset before a lost GPU answers again
            GpuSample s = d.read();
            if (d.lost()) {
                reportedLost[i] = true;
                Map<String, Object> details = new LinkedHashMap<>();
                if (d.uuid() != null) details.put("uuid", d.uuid());
                if (d.pciBusId() != null) details.put("pci_bus_id", d.pciBusId());
                sink.accept(new GpuEvent(ts, GpuEvent.GPU_LOST, d.index(), source(), "NVML_ERROR_GPU_IS_LOST: GPU is lost", details));
                continue;
            }
            out.add(s);
        }
        return new GpuSnapshot(ts, source(), out);
    }

    @Override
    public synchronized void onEvent(Consumer<GpuEvent> sink) {
        this.sink = sink;
        if (xidWatcher == null) startXidWatcher();
    }

    private void startXidWatcher() {
        if (!nvml.capabilities().events()) {
            description.put("xid_events", "not available: this driver lacks nvmlEventSetWait_v2");
            return;
        }
        long[] set = new long[1];
        int r = NvmlNative.Events.nvmlEventSetCreate(set);
        if (r != NvmlNative.SUCCESS) {
            description.put("xid_events", "not available: " + nvml.errorString(r));
            return;
        }
        eventSet = set[0];
        List<String> refused = new ArrayList<>();
        int registered = 0;
        for (NvmlDevice d : devices) {
            r = NvmlNative.Events.nvmlDeviceRegisterEvents(d.handle(), NvmlNative.EVENT_TYPE_XID_CRITICAL_ERROR, eventSet);
            if (r == NvmlNative.SUCCESS) registered++;
            else refused.add("gpu " + d.index() + ": " + nvml.errorString(r));
        }
        description.put("xid_events", registered + " of " + devices.size() + " GPUs registered");
        if (!refused.isEmpty()) description.put("xid_refused", refused);
        if (registered == 0) return;
        xidWatcher = new Thread(this::watchXid, "orbit-nvml-xid");
        xidWatcher.setDaemon(true);
        xidWatcher.start();
    }

    private void watchXid() {
        long[] data = new long[4]; // nvmlEventData_t: device, eventType, eventData, instance ids
        while (!closing) {
            int r = NvmlNative.Events.nvmlEventSetWait_v2(eventSet, data, EVENT_WAIT_MS);
            if (r == NvmlNative.ERROR_TIMEOUT) continue;
            if (r != NvmlNative.SUCCESS) {
                if (closing) return;
                sink.accept(new GpuEvent(Instant.now(), GpuEvent.SAMPLER_ERROR, null, source(),
                        "XID watch stopped: " + nvml.errorString(r), Map.of()));
                return;
            }
            NvmlDevice device = null;
            for (NvmlDevice d : devices) if (d.handle() == data[0]) device = d;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("xid", data[2]);
            if (device != null && device.uuid() != null) details.put("uuid", device.uuid());
            sink.accept(new GpuEvent(Instant.now(), GpuEvent.XID, device == null ? null : device.index(), source(),
                    "XID " + data[2] + " critical error", details));
        }
    }

    @Override
    public synchronized void close() {
        closing = true;
        if (xidWatcher != null) {
            try {
                xidWatcher.join(EVENT_WAIT_MS * 3L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (eventSet != 0 && (xidWatcher == null || !xidWatcher.isAlive())) NvmlNative.Events.nvmlEventSetFree(eventSet);
        nvml.close();
    }
}
