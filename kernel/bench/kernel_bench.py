"""Benchmark: the Java (ORBIT) kernel beside ipykernel, in one run, with the reference figures.

    install/install-kernel --prefix "$D" && JUPYTER_PATH="$D/share/jupyter" /usr/bin/python3 kernel/bench/kernel_bench.py

With ORBIT_BENCH_BASELINE=KERNELSPEC (another build's kernelspec, installed under another name), that kernel is
measured in the same run too, in a column of its own.

Measures cold start to kernel_info and to the first execute reply, execute `1+1` round trips (reply and idle)
median/p95 over 100 runs, complete median, and the same medians after 1,000 executed cells; then each goal as a
ratio (to ipykernel in the same run, or to the fresh kernel) and the load average before and after, since figures
from a busy machine are not comparable with a quiet one's.
"""
import os
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
CELLS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000


def roundtrip(kc, code):
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    reply = None
    idle = False
    while reply is None or not idle:
        if reply is None:
            m = kc.get_shell_msg(timeout=60)
            if m["parent_header"].get("msg_id") == msg_id:
                reply = m
            continue
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" \
                and m["content"]["execution_state"] == "idle":
            idle = True
    return (time.perf_counter() - t0) * 1000, reply["content"]["status"]


def complete(kc, code):
    t0 = time.perf_counter()
    msg_id = kc.complete(code, len(code))
    while kc.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != msg_id:
        pass
    return (time.perf_counter() - t0) * 1000


def p(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def bench(kernel_name, expr, decl, complete_code):
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    info = time.perf_counter() - t0
    ms, status = roundtrip(kc, expr)
    first = time.perf_counter() - t0
    assert status == "ok", status
    for _ in range(10):
        roundtrip(kc, expr)
    ex = [roundtrip(kc, expr)[0] for _ in range(RUNS)]
    co = [complete(kc, complete_code) for _ in range(RUNS // 2)]
    t_fill = time.perf_counter()
    for i in range(CELLS):
        roundtrip(kc, decl(i) if i % 2 == 0 else expr_after(kernel_name, i))
    fill = time.perf_counter() - t_fill
    ex2 = [roundtrip(kc, expr)[0] for _ in range(RUNS)]
    co2 = [complete(kc, complete_code) for _ in range(RUNS // 2)]
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    return dict(info=info, first=first, ex_med=statistics.median(ex), ex_p95=p(ex, 0.95),
                co_med=statistics.median(co), ex2_med=statistics.median(ex2), ex2_p95=p(ex2, 0.95),
                co2_med=statistics.median(co2), fill=fill)


def expr_after(kernel_name, i):
    return "v%d + %d" % ((i - 1) % 50, i)


def main():
    load_before = os.getloadavg()
    print("kernel benchmark: %d runs per median, %d cells of history (declarations of 50 names, re-declared, and expressions)"
          % (RUNS, CELLS))
    orbit = bench("orbit", "1+1", lambda i: "int v%d = %d;" % (i % 50, i), "String.valueO")
    ipy = bench("python3", "1+1", lambda i: "v%d = %d" % (i % 50, i), "str.jo")
    baseline_name = os.environ.get("ORBIT_BENCH_BASELINE")
    base = bench(baseline_name, "1+1", lambda i: "int v%d = %d;" % (i % 50, i), "String.valueO") if baseline_name else None
    rows = [
        ("start to kernel_info reply (s)", "info", "1.25-1.33", "0.5", "<= ipykernel"),
        ("start to first execute reply (s)", "first", "1.5", "0.54", "-"),
        ("execute 1+1 median (ms)", "ex_med", "74-78", "3.4-4.9", "<= 1.0x ipykernel"),
        ("execute 1+1 p95 (ms)", "ex_p95", "-", "-", "-"),
        ("complete median (ms)", "co_med", "60", "10-14", "<= 0.5x ipykernel"),
        ("execute median after %d cells (ms)" % CELLS, "ex2_med", "-", "-", "<= 1.2x fresh"),
        ("execute p95 after %d cells (ms)" % CELLS, "ex2_p95", "-", "-", "-"),
        ("complete median after %d cells (ms)" % CELLS, "co2_med", "-", "-", "-"),
        ("time to run the %d cells (s)" % CELLS, "fill", "-", "-", "-"),
    ]
    print("%-40s %10s %10s %10s | %-16s %-16s %s" % ("", "orbit", "ipykernel", baseline_name or "", "ref JJava",
                                                   "ref ipykernel", "goal"))
    for label, key, rj, ri, goal in rows:
        print("%-40s %10.2f %10.2f %10s | %-16s %-16s %s" % (label, orbit[key], ipy[key],
                                                           "%.2f" % base[key] if base else "", rj, ri, goal))
    goals = [
        ("start to kernel_info, orbit/ipykernel", orbit["info"] / ipy["info"], 1.0),
        ("execute 1+1 median, orbit/ipykernel", orbit["ex_med"] / ipy["ex_med"], 1.0),
        ("complete median, orbit/ipykernel", orbit["co_med"] / ipy["co_med"], 0.5),
        ("execute median after %d cells / fresh" % CELLS, orbit["ex2_med"] / orbit["ex_med"], 1.2),
    ]
    for label, ratio, goal in goals:
        print("%-40s %6.2fx  goal <= %.1fx: %s" % (label, ratio, goal, "met" if ratio <= goal else "NOT met"))
    print("orbit complete after/fresh: %.2fx" % (orbit["co2_med"] / orbit["co_med"]))
    print("load average (1, 5, 15 min) before: %.2f %.2f %.2f, after: %.2f %.2f %.2f, on %d CPUs"
          % (load_before + os.getloadavg() + (os.cpu_count(),)))


if __name__ == "__main__":
    main()
