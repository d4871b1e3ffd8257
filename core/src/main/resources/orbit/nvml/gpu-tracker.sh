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
# Same fields, same order as orbit.nvml.NvidiaSmiCsv.
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
function hexval(h,    i, c, n, digits) {
    digits = "0123456789abcdef"
    h = tolower(h); sub(/^0x/, "", h); n = 0
    for (i = 1; i <= length(h); i++) {
        c = index(digits, substr(h, i, 1))
        if (c == 0) return -1
        n = n * 16 + (c - 1)
    }
    return n
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
    mask = "null"; names = "null"
    if (!missing(f[17], "throttle_reasons")) {
        m = hexval(f[17])
        if (m < 0) errs = errs (errs == "" ? "" : ",") "\"throttle_reasons\":" jstr("unreadable: " f[17])
        else {
            mask = sprintf("%d", m); names = ""; rest = m
            for (b = 0; b < 9; b++) {
                if (int(m / (2 ^ b)) % 2 == 1) { names = names (names == "" ? "" : ",") "\"" reason_names[b + 1] "\""; rest -= 2 ^ b }
            }
            if (rest > 0) names = names (names == "" ? "" : ",") "\"unknown_" sprintf("%d", rest) "\""
            names = "[" names "]"
        }
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
        ",\"pstate\":" str(f[20]) ",\"procs\":null,\"source\":\"nvidia-smi\""
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
