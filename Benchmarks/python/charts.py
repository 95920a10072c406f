#!/usr/bin/env python3
"""SVG charts of the benchmark results files (issue 8).

Usage: .venv-bench/bin/python Benchmarks/python/charts.py [--out DIR] [--library F] [--producer F] [--drain F]
       [--backlog F]

Each input defaults to the newest matching file in Benchmarks/results (library-*.json from scripts/bench,
producer-*.json from scripts/bench-producer, drain-*.json from scripts/bench-drain, backlog-*.json from
scripts/bench-backlog); a chart whose input is missing is skipped with a message. Writes into DIR (default
docs/charts):
  library-cpu.svg         client CPU µs per message, per scenario and client (log scale)
  library-throughput.svg  msgs/s per scenario and client
  producer-scaling.svg    POST /v1/events req/s and p99 against connections, the library's ceiling marked
  drain.svg               consumer drain events/s against concurrency per sleep_ms, the raw C ceiling and 50 % of it
  backlog-rss.svg         RSS of producer, consumer and broker against queue depth
The SVGs are reproducible: no date in the metadata and a fixed hash salt for the element ids.
Needs matplotlib (Benchmarks/python/requirements.txt; scripts/bench installs it into .venv-bench).
"""

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "Benchmarks" / "results"
CLIENTS = [("warren", "Warren"), ("rawc", "raw C"), ("pika", "pika"), ("aio-pika", "aio-pika")]
COLORS = {"warren": "#d95f02", "rawc": "#1b9e77", "pika": "#7570b3", "aio-pika": "#e7298a"}

plt.rcParams.update({
    "svg.hashsalt": "warren-benchmarks",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.axisbelow": True,
})


class Skip(Exception):
    """The chart cannot be drawn from this input (the message says why)."""


def newest(pattern):
    files = sorted(RESULTS.glob(pattern))
    return files[-1] if files else None


def load(path):
    with open(path) as f:
        return json.load(f)


def save(fig, out, name, source):
    path = out / name
    fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    print(f"charts: {path.relative_to(REPO) if path.is_relative_to(REPO) else path} (from {source.name})")


def thousands(value, _pos=None):
    return f"{value:,.0f}"


def library_rows(data):
    rows = data["results"] if isinstance(data, dict) else data
    if not rows or not all("scenario" in r for r in rows):
        raise Skip("no rows with a scenario")
    return rows


def grouped_bars(rows, metric, ylabel, title, log):
    clients = [(key, label) for key, label in CLIENTS if any(key in r for r in rows)]
    width = 0.8 / len(clients)
    fig, ax = plt.subplots(figsize=(12, 5.5))
    for i, (key, label) in enumerate(clients):
        xs, ys = [], []
        for x, row in enumerate(rows):
            value = row.get(key, {}).get(metric)
            if value:
                xs.append(x - 0.4 + width * (i + 0.5))
                ys.append(value)
        ax.bar(xs, ys, width, label=label, color=COLORS[key])
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r["scenario"] for r in rows], rotation=35, ha="right")
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(top=ax.get_ylim()[1] * 2)  # room for the legend above the tallest bars
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    else:
        ax.set_ylim(top=ax.get_ylim()[1] * 1.1)
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.grid(axis="x", visible=False)
    ax.legend(ncols=len(clients), loc="upper left")
    return fig


def chart_library(path, out):
    rows = library_rows(load(path))
    fig = grouped_bars(rows, "cpuMicrosPerMsg", "client CPU per message (µs, log scale)",
                       "Client CPU per message (user + system), lower is better", log=True)
    save(fig, out, "library-cpu.svg", path)
    fig = grouped_bars(rows, "msgsPerSec", "messages per second",
                       "Throughput (median of the rounds), higher is better", log=False)
    save(fig, out, "library-throughput.svg", path)


def chart_producer(path, out):
    rows = load(path)
    if isinstance(rows, dict):
        rows = rows.get("results", [])
    series = {}
    for run in ("broker-up", "outbox"):
        points = sorted((r["connections"], r) for r in rows if r.get("run") == run and "connections" in r)
        if points:
            series[run] = points
    if "broker-up" not in series:
        raise Skip('no "broker-up" rows')
    ceiling = sorted((r["connections"], r) for r in rows if r.get("run") == "ceiling" and "connections" in r)
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    right = ax.twinx()
    labels = {"broker-up": "async, broker up", "outbox": "broker down (outbox)"}
    styles = {"broker-up": "-", "outbox": "--"}
    for run, points in series.items():
        xs = [c for c, _ in points]
        ax.plot(xs, [r["rps"] for _, r in points], styles[run], marker="o", color="#d95f02",
                label=f"req/s, {labels[run]}")
        right.plot(xs, [r["p99_ms"] for _, r in points], styles[run], marker="s", color="#7570b3",
                   label=f"p99, {labels[run]}")
    if ceiling:
        xs = [c for c, _ in ceiling]
        ax.plot(xs, [r["rps"] for _, r in ceiling], ":", marker="^", markersize=8, color="#1b9e77",
                label="ceiling: library publish with confirms (window = connections)")
        if all("rawc_rps" in r for _, r in ceiling):
            ax.plot(xs, [r["rawc_rps"] for _, r in ceiling], linestyle="none", marker="v", markersize=7, color="#1b9e77",
                    label="ceiling: raw C")
    ax.set_xscale("log", base=2)
    ticks = sorted({c for points in series.values() for c, _ in points} | {c for c, _ in ceiling})
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("keep-alive connections (log scale)")
    ax.set_ylabel("requests (messages) per second")
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_ylim(bottom=0)
    right.set_ylabel("p99 latency (ms)")
    right.set_ylim(bottom=0)
    right.grid(False)
    ax.set_title("POST /v1/events (wrk) against the library's confirmed-publish ceiling")
    handles = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper center", bbox_to_anchor=(0.5, -0.15),
              ncols=2, fontsize=8)
    save(fig, out, "producer-scaling.svg", path)


def chart_drain(path, out):
    data = load(path)
    runs = data.get("runs") or []
    if not runs:
        raise Skip("no runs")
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    colors = ["#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]
    for i, sleep in enumerate(sorted({r["sleepMs"] for r in runs})):
        points = sorted((r["concurrency"], r["eventsPerSec"], r) for r in runs if r["sleepMs"] == sleep)
        ax.plot([p[0] for p in points], [p[1] for p in points], "-", marker="o", color=colors[i % len(colors)],
                label=f"sleep_ms {sleep}")
        for c, rate, r in points:
            if r.get("stored", 0) < r.get("events", 0):  # stopped at MAX_SECONDS: a lower bound
                ax.annotate("time limit", (c, rate), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ceiling = data.get("ceiling") or {}
    rawc = ceiling.get("rawcConsumeAckPerSec")
    queue = ceiling.get("queueType", "")
    if rawc:
        ax.axhline(rawc, color="#1b9e77", linestyle="--", label=f"raw C consume with ack ({queue}): {rawc:,.0f}/s")
        ax.axhline(rawc / 2, color="#1b9e77", linestyle=":", label=f"50 % of raw C (target at sleep_ms 0)")
    warren = ceiling.get("warrenConsumeAckPerSec")
    if warren:
        ax.axhline(warren, color="#666666", linestyle="-.", linewidth=1,
                   label=f"Warren AMQP consume with ack: {warren:,.0f}/s")
    concurrencies = sorted({r["concurrency"] for r in runs})
    ax.set_xscale("log", base=2)
    ax.set_xticks(concurrencies)
    ax.set_xticklabels([str(c) for c in concurrencies])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_xlabel("consumer concurrency (log scale)")
    ax.set_ylabel("events stored per second (log scale)")
    events = max(r["events"] for r in runs)
    ax.set_title(f"Consumer drain of a pre-filled queue ({events:,} demo.work events per run)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=2, fontsize=8)
    save(fig, out, "drain.svg", path)


def chart_backlog(path, out):
    data = load(path)
    samples = data.get("samples") or []
    if not samples:
        raise Skip("no samples")
    samples = sorted(samples, key=lambda s: s["t"])
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    depth = [s["queueDepth"] for s in samples]
    for key, label, color in (("producerRSSKiB", "producer", "#d95f02"), ("consumerRSSKiB", "consumer", "#7570b3"),
                              ("brokerRSSKiB", "broker (beam.smp)", "#1b9e77")):
        ax.plot(depth, [s[key] / 1024 for s in samples], "-", marker=".", color=color, label=label)
    ax.set_xlabel("queue depth (messages ready + unacknowledged)")
    ax.set_ylabel("resident set size (MiB)")
    ax.xaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_title(f"Memory while the queue grows to {data.get('target', max(depth)):,} messages "
                 f"({data.get('queueType', 'quorum')} queue)")
    ax.legend(loc="upper left")
    save(fig, out, "backlog-rss.svg", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "charts", help="output folder (docs/charts)")
    parser.add_argument("--library", type=Path, help="newest Benchmarks/results/library-*.json by default")
    parser.add_argument("--producer", type=Path, help="newest Benchmarks/results/producer-*.json by default")
    parser.add_argument("--drain", type=Path, help="newest Benchmarks/results/drain-*.json by default")
    parser.add_argument("--backlog", type=Path, help="newest Benchmarks/results/backlog-*.json by default")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name, draw in (("library", chart_library), ("producer", chart_producer), ("drain", chart_drain),
                       ("backlog", chart_backlog)):
        path = getattr(args, name) or newest(f"{name}-*.json")
        if path is None:
            print(f"charts: skipping {name}: no Benchmarks/results/{name}-*.json (or give --{name} FILE)")
            continue
        if not path.is_file():
            print(f"charts: skipping {name}: {path} does not exist", file=sys.stderr)
            failed += 1
            continue
        try:
            draw(path, args.out)
        except Skip as reason:
            print(f"charts: skipping {name}: {path}: {reason}", file=sys.stderr)
            failed += 1
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            print(f"charts: skipping {name}: {path} is not in the expected format ({error!r})", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
