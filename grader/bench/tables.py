"""The tables of ``makemore bench`` in Markdown: bench.md and the generated region of docs/performance.md."""
from __future__ import annotations

TARGETS = {32: 0.8, 256: 1.0}  # the targets: NumPy / PyTorch at most this, one thread, same dtype


def ms(seconds) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.3f} ms"


def seconds(value) -> str:
    return "-" if value is None else f"{value:.1f} s"


def mib(value) -> str:
    return "-" if value is None else f"{value:.0f} MiB"


def table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)]


def verdict(row: dict) -> str:
    target = TARGETS.get(row["batch"]) if row["threads"] == 1 else None
    if row["ratio"] is None:
        return "-"
    if target is None:
        return f"{row['ratio']:.2f}"
    return f"{row['ratio']:.2f} {'✓' if row['ratio'] <= target else '✗'} (≤ {target})"


def step_section(result: dict) -> list[str]:
    lines = []
    rows = []
    for run in result["steps"]:
        gemm = run["gemm"]
        for r in run["steps"]:
            rate = r["numpy_flop_rate"] / 1e9
            torch_rate = "-" if r["torch_flop_rate"] is None else f"{r['torch_flop_rate'] / 1e9:.2f}"
            rows.append([r["model"], r["dtype"], r["batch"], r["threads"], ms(r["numpy_s"]), ms(r["torch_s"]),
                         verdict(r), f"{rate:.2f} ({rate * 1e9 / gemm[r['dtype']]:.0%})", torch_rate])
    if rows:
        lines += ["### Training step (forward + backward + SGD update): NumPy reference vs PyTorch, CPU", "",
                  *table(["model", "dtype", "batch", "threads", "NumPy", "PyTorch", "NumPy / PyTorch",
                          "NumPy GFLOP/s (of GEMM)", "PyTorch GFLOP/s"], rows), ""]
        gemm_rows = [[name, run["threads"], f"{run['gemm'][name] / 1e9:.1f}", f"{run['gemm_after'][name] / 1e9:.1f}"]
                     for run in result["steps"] for name in run["gemm"]]
        n = result["options"].get("gemm_size", 512)
        lines += [f"NumPy's GEMM rate (({n}, {n}) @ ({n}, {n})), at the start and the end of the step timings:", "",
                  *table(["dtype", "threads", "GFLOP/s (start)", "GFLOP/s (end)"], gemm_rows), ""]
    scaling = [s for run in result["steps"] for s in run["scaling"]]
    if scaling:
        rows = [[s["model"], f"{s['axis']} ({s['key']})", " → ".join(map(str, s["sizes"])),
                 " → ".join(ms(t) for t in s["numpy_s"]), " , ".join(f"{g:.2f}x" for g in s["growth"]),
                 " , ".join(f"{g:.2f}x" for g in s.get("flop_growth", [])) or "-",
                 "**worse than linear**" if s["worse_than_linear"] else "no"]
                for s in scaling]
        lines += ["### How the NumPy step grows as one size doubles (one thread; linear would be 2.00x per doubling)",
                  "", *table(["model", "size", "sizes", "step time", "growth per doubling", "FLOP growth", "flag"],
                             rows),
                  "", "Flagged: a doubling that costs more than 1.1x both linear growth and the growth of the "
                  "matrix products' FLOPs (which the architecture sets: 4x for a Transformer's width).", ""]
    return lines


def training_section(result: dict) -> list[str]:
    if not result["training"]:
        return []
    rows = [[r["model"], f"{r['steps']:,}", r["dtype"],
             "-" if r["train_s"] is None else f"{r['train_s']:.1f} s", f"{r['wall_s']:.1f} s", seconds(r.get("cpu_s")),
             "-" if r["dev_loss"] is None else f"{r['dev_loss']:.4f}", mib(r["peak_rss_mib"])]
            for r in result["training"]]
    return [f"### `makemore train --reference` ({result['training'][0]['data']}, one BLAS thread)", "",
            *table(["model", "steps", "dtype", "training (wall)", "whole command (wall)", "whole command (CPU)",
                    "dev loss", "peak RSS"], rows),
            "", "CPU time is the process's user + system time: on a shared machine it is what the run costs "
            "one core; the wall time includes waiting for a core." + memory_growth(result["training"]), ""]


def memory_growth(rows: list[dict]) -> str:
    """One sentence comparing the peak RSS of the same model trained for different numbers of steps."""
    by_steps = {r["steps"]: r["peak_rss_mib"] for r in rows if r["model"] == "mlp" and r["dtype"] == "float32"
                and r["peak_rss_mib"] is not None}
    if len(by_steps) < 2:
        return ""
    short, long = min(by_steps), max(by_steps)
    grows = by_steps[long] - by_steps[short] > 5  # MiB: allocator noise, not a leak
    return (f" Memory {'**grows**' if grows else 'does not grow'} with the number of steps: the MLP's peak RSS is "
            f"{by_steps[long]:.0f} MiB after {long:,} steps and {by_steps[short]:.0f} MiB after {short:,}.")


def grading_section(result: dict) -> list[str]:
    lines = []
    separate = result.get("grading_run")  # merged in from another run (merge_grading): say when and how loaded
    if separate and (result["grading"] or result["batch"]):
        lines += [f"Grading measured in a separate run, {separate['when']}, load average {separate['load_before']:.1f} "
                  f"before and {separate['load_after']:.1f} after.", ""]
    if result["grading"]:
        rows = [[r["assignment"], r["checks"], f"{r['wall_s']:.1f} s", seconds(r.get("cpu_s")), mib(r["peak_rss_mib"]),
                 "-" if not r["score"] else f"{r['score'][0]:g}/{r['score'][1]:g}"] for r in result["grading"]]
        lines += ["### `makemore grade --reference` (one submission, one BLAS thread)", "",
                  *table(["assignment", "checks", "wall time", "CPU time", "peak RSS (largest process)", "score"], rows),
                  ""]
    if result["batch"]:
        rows = [[f"-j {r['jobs']}", r["graded"], f"{r['seconds']:.1f} s",
                 "-" if r["per_minute"] is None else f"{r['per_minute']:.0f}", len(r["unexpected"])]
                for r in result["batch"]]
        lines += ["### `makemore batch` on a generated a2 class (tests/bench/batch_throughput.py)", "",
                  *table(["jobs", "submissions", "wall time", "per minute", "unexpected scores"], rows), ""]
    return lines


def describe(result: dict) -> str:
    m = result["machine"]
    clocks = ", ".join(f"{run['threads']} thread(s): {'CPU time of the process' if run['clock'] == 'cpu' else 'wall time'}"
                       for run in result["steps"])
    return (f"Measured {result['when']} by `makemore bench{' --quick' if result['options']['quick'] else ''}` on "
            f"{m['cpus']} CPUs ({m['processor']}), Python {m['python']}, NumPy {m['numpy']} ({m['blas']}), "
            f"PyTorch {m['torch'] or 'not installed'}; load average {result['load_before']:.1f} before, "
            f"{result['load_after']:.1f} after. Step times are medians over {result['options']['rounds']} rounds that "
            f"alternate NumPy and PyTorch blocks after warm-up" + (f" ({clocks})" if clocks else "") + "."
            + skipped(result))


def skipped(result: dict) -> str:
    """The parts this run left out (--no-training, --no-grading, --quick), so a table's absence is explained."""
    options = result["options"]
    missing = [name for name, ran in (("the training steps", options.get("steps", True)),
                                      ("the training runs", options.get("training", True)),
                                      ("grading", options.get("grading", True))) if not ran]
    return f" Not measured in this run: {' and '.join(missing)}." if missing else ""


def overloaded(result: dict) -> bool:
    """More runnable processes than CPUs, at the start or the end of the run."""
    return max(result["load_before"], result.get("load_after", 0)) > (result["machine"]["cpus"] or 1)


def warning(result: dict) -> list[str]:
    if not overloaded(result):
        return []
    return [f"**The machine was oversubscribed** (load average {max(result['load_before'], result['load_after']):.1f} "
            f"on {result['machine']['cpus']} CPUs): absolute times are inflated, and the two-thread figures "
            "(wall time, threads waiting for each other's turn on a core) measure the contention more than the "
            "code. The one-thread ratios, interleaved and timed in CPU time, are the figures to read.", ""]


def markdown(result: dict) -> str:
    return "\n".join(["# makemore bench", "", describe(result), "", *warning(result), *step_section(result),
                      *training_section(result), *grading_section(result), *feedback_section(result)])


def readme_tables(result: dict) -> str:
    return "\n".join([describe(result), "", *warning(result), *step_section(result), *training_section(result),
                      *grading_section(result), *feedback_section(result)])


def feedback_section(result: dict) -> list[str]:
    from grader.bench import feedback

    return feedback.section(result.get("feedback"))


def merge_grading(steps_run: dict, grading_run: dict) -> dict:
    """One table from two runs: ``steps_run``'s step and training figures with ``grading_run``'s grading and
    batch figures, the latter labelled with their own time and load (grading_section prints them)."""
    merged = dict(steps_run, grading=grading_run["grading"], batch=grading_run["batch"])
    merged["options"] = dict(steps_run["options"], grading=True)
    merged["grading_run"] = {k: grading_run[k] for k in ("when", "load_before", "load_after")}
    return merged
