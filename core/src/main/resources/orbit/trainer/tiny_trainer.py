#!/usr/bin/env python3
"""A tiny, dependency-free trainer for demos and tests (no GPU needed).

Fits y = w.x + b on synthetic data by mini-batch SGD and writes ms-swift style metrics:
<output-dir>/v0-YYYYMMDD-HHMMSS/logging.jsonl beside checkpoint-<step>/ directories, with train rows,
eval rows every --eval-every steps, the end-of-training row and a final summary row.

Failure switches: --crash-at-step K raises at step K (traceback on stderr, exit 1);
--grow-memory-mib N keeps N more MiB alive at every step (to look like a leak before an OOM).
The default output dir is $ORBIT_ARTIFACTS/checkpoints when launched by ORBIT, else ./checkpoints.
"""
import argparse
import datetime
import json
import math
import os
import random
import resource
import sys
import time


def fmt_time(seconds):
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return "%dh %dm %ds" % (h, m, s)
    if m:
        return "%dm %ds" % (m, s)
    return "%ds" % s


def memory_gib():
    """Resident memory now (what a leak grows), from /proc; elsewhere the peak from getrusage (KiB on Linux)."""
    try:
        with open("/proc/self/statm") as f:
            resident_pages = int(f.read().split()[1])
        return round(resident_pages * os.sysconf("SC_PAGE_SIZE") / (1 << 30), 4)
    except (OSError, ValueError, IndexError):
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024), 4)


def make_data(n, dim, rng, true_w, true_b):
    data = []
    for _ in range(n):
        x = [rng.gauss(0, 1) for _ in range(dim)]
        y = sum(wi * xi for wi, xi in zip(true_w, x)) + true_b + rng.gauss(0, 0.1)
        data.append((x, y))
    return data


def mse(w, b, data):
    return sum((sum(wi * xi for wi, xi in zip(w, x)) + b - y) ** 2 for x, y in data) / len(data)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", metavar="N", type=int, default=200, help="optimizer steps to run")
    p.add_argument("--batch-size", metavar="N", type=int, default=16, help="samples per step")
    p.add_argument("--dim", metavar="N", type=int, default=8, help="features of the synthetic data")
    p.add_argument("--lr", metavar="X", type=float, default=0.05, help="learning rate")
    p.add_argument("--logging-steps", metavar="N", type=int, default=5, help="a train row in logging.jsonl every N steps")
    p.add_argument("--eval-every", metavar="N", type=int, default=50, help="an eval row every N steps")
    p.add_argument("--save-every", metavar="N", type=int, default=100, help="a checkpoint-<step>/ every N steps")
    p.add_argument("--step-sleep", metavar="SECONDS", type=float, default=0.0, help="sleep per step, to make runs watchable")
    p.add_argument("--crash-at-step", metavar="K", type=int, default=None, help="raise RuntimeError at step K (traceback, exit 1)")
    p.add_argument("--grow-memory-mib", metavar="N", type=int, default=0, help="N more MiB of host memory held per step")
    p.add_argument("--seed", metavar="N", type=int, default=0, help="random seed")
    p.add_argument("--output-dir", metavar="DIR", default=None, help="where v0-*/ goes (default: $ORBIT_ARTIFACTS/checkpoints)")
    args = p.parse_args(argv)

    out_root = args.output_dir or os.path.join(os.environ.get("ORBIT_ARTIFACTS", "."), "checkpoints")
    run_dir = os.path.join(out_root, "v0-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(run_dir, exist_ok=True)
    log_path = os.path.join(run_dir, "logging.jsonl")
    log_file = open(log_path, "a", encoding="utf-8")

    def emit(row):
        log_file.write(json.dumps(row) + "\n")
        log_file.flush()

    rng = random.Random(args.seed)
    true_w = [rng.uniform(-2, 2) for _ in range(args.dim)]
    true_b = rng.uniform(-1, 1)
    train = make_data(512, args.dim, rng, true_w, true_b)
    evalset = make_data(128, args.dim, rng, true_w, true_b)
    w = [0.0] * args.dim
    b = 0.0
    steps_per_epoch = max(1, len(train) // args.batch_size)
    ballast = []
    history = []
    best_metric, best_ckpt, last_ckpt = None, None, None
    start = time.time()
    print("tiny_trainer: %d steps, dim=%d, lr=%g, writing %s" % (args.steps, args.dim, args.lr, log_path), flush=True)

    def progress(step):
        elapsed = time.time() - start
        remaining = elapsed / step * (args.steps - step) if step else 0.0
        return {"epoch": round(step / steps_per_epoch, 4), "global_step/max_steps": "%d/%d" % (step, args.steps),
                "percentage": "%.2f%%" % (100.0 * step / args.steps),
                "elapsed_time": fmt_time(elapsed), "remaining_time": fmt_time(remaining)}

    loss_sum, loss_count = 0.0, 0
    for step in range(1, args.steps + 1):
        if args.crash_at_step is not None and step == args.crash_at_step:
            raise RuntimeError("simulated crash at step %d (--crash-at-step)" % step)
        if args.grow_memory_mib:
            ballast.append(b"\x01" * (args.grow_memory_mib * 1024 * 1024))  # filled, so the pages are really resident
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * (step - 1) / args.steps))  # cosine decay
        batch = rng.sample(train, args.batch_size)
        gw, gb, loss = [0.0] * args.dim, 0.0, 0.0
        for x, y in batch:
            err = sum(wi * xi for wi, xi in zip(w, x)) + b - y
            loss += err * err
            for i in range(args.dim):
                gw[i] += 2 * err * x[i]
            gb += 2 * err
        n = len(batch)
        loss /= n
        gw = [g / n for g in gw]
        gb /= n
        grad_norm = math.sqrt(sum(g * g for g in gw) + gb * gb)
        w = [wi - lr * g for wi, g in zip(w, gw)]
        b -= lr * gb
        loss_sum += loss
        loss_count += 1
        if args.step_sleep:
            time.sleep(args.step_sleep)

        if step % args.logging_steps == 0 or step == args.steps:
            elapsed = time.time() - start
            row = {"loss": round(loss, 6), "grad_norm": round(grad_norm, 6), "learning_rate": lr,
                   "memory(GiB)": memory_gib(), "train_speed(iter/s)": round(step / elapsed, 4) if elapsed else None}
            row.update(progress(step))
            emit(row)
            history.append(row)
            print("step %d/%d loss=%.6f grad_norm=%.6f lr=%.6g" % (step, args.steps, loss, grad_norm, lr), flush=True)
        if step % args.eval_every == 0 or step == args.steps:
            t0 = time.time()
            eval_loss = mse(w, b, evalset)
            rt = max(time.time() - t0, 1e-6)
            row = {"eval_loss": round(eval_loss, 6), "eval_runtime": round(rt, 4),
                   "eval_samples_per_second": round(len(evalset) / rt, 3),
                   "eval_steps_per_second": round(1 / rt, 3)}
            row.update(progress(step))
            emit(row)
            history.append(row)
            print("eval at step %d: eval_loss=%.6f" % (step, eval_loss), flush=True)
            if best_metric is None or eval_loss < best_metric:
                best_metric = eval_loss
                best_ckpt = os.path.join(run_dir, "checkpoint-%d" % step)
        if step % args.save_every == 0 or step == args.steps:
            ckpt = os.path.join(run_dir, "checkpoint-%d" % step)
            os.makedirs(ckpt, exist_ok=True)
            with open(os.path.join(ckpt, "model.json"), "w") as f:
                json.dump({"w": w, "b": b}, f)
            with open(os.path.join(ckpt, "trainer_state.json"), "w") as f:
                json.dump({"global_step": step, "max_steps": args.steps, "log_history": history}, f)
            last_ckpt = ckpt
            if best_ckpt is not None and not os.path.isdir(best_ckpt):
                best_ckpt = ckpt

    runtime = time.time() - start
    end_row = {"train_runtime": round(runtime, 4), "train_samples_per_second": round(args.steps * args.batch_size / runtime, 3),
               "train_steps_per_second": round(args.steps / runtime, 3), "total_flos": 0.0,
               "train_loss": round(loss_sum / max(loss_count, 1), 6)}
    end_row.update(progress(args.steps))
    emit(end_row)
    history.append(end_row)
    emit({"last_model_checkpoint": last_ckpt, "best_model_checkpoint": best_ckpt,
          "best_metric": None if best_metric is None else round(best_metric, 6),
          "global_step": args.steps, "log_history": history, "memory": memory_gib()})
    log_file.close()
    print("tiny_trainer: done in %s, last checkpoint %s" % (fmt_time(runtime), last_ckpt), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
