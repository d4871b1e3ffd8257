#!/usr/bin/env bash
# ORBIT GPU tracker for hosts without Java: appends orbit.nvml_audit.v1 lines to AUDIT_FILE.
#
#   bash gpu-tracker.sh AUDIT_FILE INTERVAL_MS        (runs until SIGTERM)
#
# ONE long-lived `nvidia-smi --query-gpu=... -lms INTERVAL_MS` streams CSV into awk, which writes one JSON
# line per GPU per sample (flushed per line). Not one process per sample: at 1 Hz for days that would
# cost more than the GPUs it watches. Events: sampler_start, sampler_stop, gpu_unavailable (nvidia-smi
# missing or failing), sampler_error (a line nvidia-smi printed that is not a sample).
# Environment: ORBIT_NVIDIA_SMI names the nvidia-smi to run (default: nvidia-smi on PATH).
set -u

audit=${1:?usage: gpu-tracker.sh AUDIT_FILE INTERVAL_MS}
interval_ms=${2:-1000}
smi=${ORBIT_NVIDIA_SMI:-nvidia-smi}
host=$(hostname 2>/dev/null || uname -n)

case "$interval_ms" in
    ''|*[!0-9]*) echo "gpu-tracker.sh: INTERVAL_MS must be a whole number of milliseconds, not '$interval_ms'" >&2; exit 2 ;;
esac
if [ "$interval_ms" -lt 100 ]; then
    echo "gpu-tracker.sh: INTERVAL_MS must be at least 100" >&2
    exit 2
fi

now() {
    local t
    t=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ 2>/dev/null)
    case "$t" in *N*|'') t=$(date -u +%Y-%m-%dT%H:%M:%S.000Z) ;; esac  # a date without %N
    printf '%s' "$t"
}

json_str() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/ }
    s=${s//$'\r'/ }
    s=${s//$'\t'/ }
    printf '"%s"' "$s"
}

# event NAME REASON [EXTRA_JSON]  — EXTRA_JSON is ',"key":value...' already encoded
event() {
    local reason=''
    [ -n "${2:-}" ] && reason=",\"reason\":$(json_str "$2")"
    printf '{"ts":"%s","host":%s,"event":"%s","source":"nvidia-smi"%s%s}\n' \
        "$(now)" "$(json_str "$host")" "$1" "$reason" "${3:-}" >> "$audit"
}

mkdir -p "$(dirname -- "$audit")" || exit 1

if ! command -v -- "$smi" >/dev/null 2>&1; then
    event gpu_unavailable "nvidia-smi not found (looked for '$smi'): no NVIDIA driver on this host"
    exit 0
fi

# Which reason fields does this nvidia-smi know? clocks_event_reasons replaced clocks_throttle_reasons.
help_text=$("$smi" --help-query-gpu 2>&1)
help_rc=$?
if [ "$help_rc" -ne 0 ]; then
    event gpu_unavailable "nvidia-smi --help-query-gpu failed (exit $help_rc): $(printf '%s\n' "$help_text" | head -n 1)"
    exit 0
fi
case "$help_text" in
    *clocks_event_reasons.active*) reasons=clocks_event_reasons ;;
    *) reasons=clocks_throttle_reasons ;;
esac
# Same fields, same order as orbit.nvml.NvidiaSmiCsv; the lines have the keys of orbit.nvml.AuditSchema, in its order.
query="timestamp,index,uuid,name,pci.bus_id,utilization.gpu,utilization.memory,memory.used,memory.total,memory.free,temperature.gpu,power.draw,power.limit,clocks.sm,clocks.mem,clocks.gr,${reasons}.active,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,pstate"

work=$(mktemp -d "${TMPDIR:-/tmp}/orbit-gpu-tracker.XXXXXX") || exit 1
fifo="$work/smi.csv"
mkfifo "$fifo" || exit 1

event sampler_start "" ",\"schema_version\":\"orbit.nvml_audit.v1\",\"interval_ms\":$interval_ms,\"pid\":$$,\"query\":$(json_str "$query")"

awk_cmd=(awk)
# mawk reads pipes in large blocks unless interactive; samples must reach the file as they come
if awk -W version 2>/dev/null | head -n 1 | grep -qi mawk; then awk_cmd=(awk -W interactive); fi

"${awk_cmd[@]}" -v host="$host" -v audit="$audit" '
function jstr(s,    out, i, c) {
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\") out = out "\\\\"
        else if (c == "\"") out = out "\\\""
        else if (c == "\t") out = out " "
        else out = out c
    }
    return "\"" out "\""
}
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
function missing(v, key) {
    if (v == "" || substr(v, 1, 1) == "[") {
        if (v == "") errs = errs (errs == "" ? "" : ",") jstr(key) ":\"empty\""
        else { t = v; sub(/^\[/, "", t); sub(/\]$/, "", t); errs = errs (errs == "" ? "" : ",") jstr(key) ":" jstr(t) }
        return 1
    }
    return 0
}
function num(v, key) {
    if (missing(v, key)) return "null"
    if (v ~ /^-?[0-9]+(\.[0-9]+)?$/) return v
    errs = errs (errs == "" ? "" : ",") jstr(key) ":" jstr("unreadable: " v)
    return "null"
}
function int_of(v, key) {
    v = num(v, key)
    if (v == "null") return v
    return sprintf("%d", v + 0.5)
}
function str(v) { return (v == "" || substr(v, 1, 1) == "[") ? "null" : jstr(v) }
# A hex bitmask of up to 64 bits, decoded without awk numbers (doubles, exact only to 2^53): digit by digit.
# Sets mask_dec (the unsigned decimal) and mask_names (the JSON list of names, as orbit.nvml.ClockReasons
# writes them: known bits in bit order, then "unknown_0x<hex>" for the other bits). Returns 0 if not hex.
function decode_mask(h,    n, i, j, v, b, bit, t, carry, dn, dec, known, rest, restHex, names) {
    h = tolower(h); sub(/^0x/, "", h)
    n = length(h)
    if (n == 0 || n > 16 || h !~ /^[0-9a-f]+$/) return 0
    dn = 1; dec[1] = 0
    for (i = 0; i < 9; i++) known[i] = 0
    restHex = ""
    for (i = 1; i <= n; i++) {
        v = index("0123456789abcdef", substr(h, i, 1)) - 1
        carry = v   # decimal digits (least significant first) times 16, plus this digit
        for (j = 1; j <= dn; j++) { t = dec[j] * 16 + carry; dec[j] = t % 10; carry = int(t / 10) }
        while (carry > 0) { dec[++dn] = carry % 10; carry = int(carry / 10) }
        rest = 0
        for (b = 0; b < 4; b++) {
            if (int(v / (2 ^ b)) % 2 == 1) {
                bit = 4 * (n - i) + b
                if (bit < 9) known[bit] = 1
                else rest += 2 ^ b
            }
        }
        if (restHex != "" || rest > 0) restHex = restHex substr("0123456789abcdef", rest + 1, 1)
    }
    mask_dec = ""
    for (j = dn; j >= 1; j--) mask_dec = mask_dec dec[j]
    names = ""
    for (i = 0; i < 9; i++) if (known[i]) names = names (names == "" ? "" : ",") "\"" reason_names[i + 1] "\""
    if (restHex != "") names = names (names == "" ? "" : ",") "\"unknown_0x" restHex "\""
    mask_names = "[" names "]"
    return 1
}
# The host memory from /proc/meminfo in MiB (kB / 1024 rounded down, as orbit.nvml.HostMemory), read once per
# sample instant; null where the kernel does not say.
function host_memory(    l, f) {
    host_total = "null"; host_available = "null"
    while ((getline l < "/proc/meminfo") > 0) {
        split(l, f, /[ \t]+/)
        if (f[3] != "kB" || f[2] !~ /^[0-9]+$/) continue
        if (f[1] == "MemTotal:") host_total = sprintf("%d", int(f[2] / 1024))
        else if (f[1] == "MemAvailable:") host_available = sprintf("%d", int(f[2] / 1024))
    }
    close("/proc/meminfo")
}
BEGIN {
    FS = ","
    split("gpu_idle applications_clocks_setting sw_power_cap hw_slowdown sync_boost sw_thermal_slowdown hw_thermal_slowdown hw_power_brake_slowdown display_clock_setting", reason_names, " ")
}
{
    if (NF != 20) {
        line = trim($0)
        if (line != "" && line != last_bad) {
            last_bad = line
            now = ""
            "date -u +%Y-%m-%dT%H:%M:%S.%3NZ" | getline now   # rare: only for lines that are not samples
            close("date -u +%Y-%m-%dT%H:%M:%S.%3NZ")
            printf "{\"ts\":%s,\"host\":%s,\"event\":\"sampler_error\",\"source\":\"nvidia-smi\",\"reason\":%s}\n", jstr(now), jstr(host), jstr(line)
            fflush()
        }
        next
    }
    for (i = 1; i <= NF; i++) f[i] = trim($i)
    errs = ""
    ts = f[1]; gsub(/\//, "-", ts); sub(/ /, "T", ts)
    if (ts !~ /\.[0-9]+$/) ts = ts ".000"
    ts = ts "Z"
    if (ts != last_ts) { host_memory(); last_ts = ts }
    mask = "null"; names = "null"
    if (!missing(f[17], "throttle_reasons")) {
        if (!decode_mask(f[17])) errs = errs (errs == "" ? "" : ",") "\"throttle_reasons\":" jstr("unreadable: " f[17])
        else { mask = mask_dec; names = mask_names }
    }
    out = "{\"ts\":" jstr(ts) ",\"host\":" jstr(host) ",\"gpu\":" int_of(f[2], "gpu") \
        ",\"uuid\":" str(f[3]) ",\"name\":" str(f[4]) ",\"pci_bus_id\":" str(f[5]) \
        ",\"util_gpu\":" int_of(f[6], "util_gpu") ",\"util_mem\":" int_of(f[7], "util_mem") \
        ",\"mem_used_mib\":" int_of(f[8], "mem_used_mib") ",\"mem_total_mib\":" int_of(f[9], "mem_total_mib") \
        ",\"mem_free_mib\":" int_of(f[10], "mem_free_mib") ",\"temp_c\":" int_of(f[11], "temp_c") \
        ",\"power_w\":" num(f[12], "power_w") ",\"power_limit_w\":" num(f[13], "power_limit_w") ",\"energy_j\":null" \
        ",\"sm_clock_mhz\":" int_of(f[14], "sm_clock_mhz") ",\"mem_clock_mhz\":" int_of(f[15], "mem_clock_mhz") \
        ",\"graphics_clock_mhz\":" int_of(f[16], "graphics_clock_mhz") \
        ",\"throttle_reasons\":" mask ",\"throttle_reason_names\":" names \
        ",\"ecc_corrected\":" int_of(f[18], "ecc_corrected") ",\"ecc_uncorrected\":" int_of(f[19], "ecc_uncorrected") \
        ",\"pcie_tx_kbps\":null,\"pcie_rx_kbps\":null,\"pcie_replay\":null" \
        ",\"pstate\":" str(f[20]) ",\"procs\":null" \
        ",\"host_mem_total_mib\":" host_total ",\"host_mem_available_mib\":" host_available ",\"source\":\"nvidia-smi\""
    if (errs != "") out = out ",\"errors\":{" errs "}"
    print out "}"
    fflush()
}' < "$fifo" >> "$audit" &
awk_pid=$!

TZ=UTC "$smi" --query-gpu="$query" --format=csv,noheader,nounits -lms "$interval_ms" > "$fifo" 2> "$work/smi.err" &
smi_pid=$!


stopping=0
stop() {
    stopping=1
    kill -TERM "$smi_pid" 2>/dev/null
    wait "$smi_pid" 2>/dev/null
    wait "$awk_pid" 2>/dev/null   # awk sees end of input and has flushed every line
    event sampler_stop "$1"
    rm -rf -- "$work"
    exit 0
}
trap 'stop SIGTERM' TERM
trap 'stop SIGINT' INT
trap 'stop SIGHUP' HUP

wait "$smi_pid"
rc=$?
[ "$stopping" -eq 1 ] && exit 0
wait "$awk_pid" 2>/dev/null
reason="nvidia-smi exited with status $rc"
err_line=$(grep -v '^[[:space:]]*$' "$work/smi.err" 2>/dev/null | tail -n 1)
[ -n "$err_line" ] && reason="$reason: $err_line"
event gpu_unavailable "$reason"
event sampler_stop "nvidia-smi stopped"
rm -rf -- "$work"
exit 0
