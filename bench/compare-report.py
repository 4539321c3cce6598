"""Turns bench/compare.sh's runs (one JSON line each) into BENCHMARKS.md tables and a plot TSV.

Usage: compare-report.py ROWS.jsonl PLOTS.tsv DATE CORES DURATION LOAD_BEFORE LOAD_AFTER PEERS NOFILE
"""
import json
import math
import sys

rows_path, plots_path, date, cores, duration, load_before, load_after, peers, nofile = sys.argv[1:]
runs = []
for line in open(rows_path):
    run = json.loads(line)
    try:
        run["r"] = json.load(open(run["report"]))
    except Exception as error:  # a crashed run still gets a row
        run["r"] = None
        run["why"] = f"no report ({error})"
    runs.append(run)


def cpu_seconds(run):
    return int(run["ticks"]) / int(run["hz"])


def note(run):
    r = run["r"]
    if r is None:
        return run["why"]
    ok = r.get("all_delivered", r.get("all_synced"))
    if ok and not r["errors"]:
        return ""
    missing = "" if ok else "not all delivered/synced; "
    first = f": {r['errors'][0][:160]}" if r["errors"] else ""
    return f"{missing}{len(r['errors'])} errors (first 10 kept); exit {run['status']}{first}"


def ms(summary, key):
    return f"{summary[key]:.2f}"


plots = []


def plot(metric, unit, label, value):
    shown = "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value}"
    plots.append(f"{metric}\t{unit}\t{label}\t{shown}")


out = []
out.append(f"Run {date} on {cores} cores, {duration} s of sending per timed scenario, load average "
           f"before {load_before}, after {load_after}, descriptor limit {nofile} per process: "
           f"`bash bench/compare.sh`. Peers: {peers}.")
out.append("")

fanout = [run for run in runs if run["scenario"].startswith("fanout")]
if fanout:
    out.append("**Fan-out** (one board, 5 writers, 50 edits/s in total, ~110-byte updates; a writer's own echoes are not counted):")
    out.append("")
    out.append("| scenario | server | delivered | deliveries/s | p50 ms | p95 ms | p99 ms | max ms | server CPU µs/delivery | server peak RSS MB | notes |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for run in fanout:
        r = run["r"]
        if r is None:
            out.append(f"| {run['scenario']} | {run['server']} | - | - | - | - | - | - | - | - | {note(run)} |")
            plot(f"{run['scenario']} delivery p99", "ms", run["server"], None)
            continue
        d = r["delivery_latency"]
        cpu = cpu_seconds(run) * 1e6 / r["delivered"] if r["delivered"] else float("nan")
        out.append(f"| {run['scenario']} | {run['server']} | {r['delivered']}/{r['expected_deliveries']} | {r['deliveries_per_s']:.0f} | "
                   f"{ms(d, 'p50_ms')} | {ms(d, 'p95_ms')} | {ms(d, 'p99_ms')} | {ms(d, 'max_ms')} | {cpu:.1f} | "
                   f"{int(run['peak_rss_kb']) / 1024:.0f} | {note(run)} |")
        plot(f"{run['scenario']} delivery p99", "ms", run["server"], round(d["p99_ms"], 3))
        plot(f"{run['scenario']} server CPU per delivery", "µs", run["server"], round(cpu, 2))
    out.append("")

durable = [run for run in runs if run["scenario"].startswith(("ack", "throughput"))]
if durable:
    out.append("**Durable acknowledgements** (Tack only: the peers acknowledge nothing; PostgreSQL on the same machine):")
    out.append("")
    out.append("| scenario | loadgen args | sent/s | acked/s while sending | ack p50 ms | p95 ms | p99 ms | max ms | server CPU µs/update | notes |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for run in durable:
        r = run["r"]
        if r is None:
            out.append(f"| {run['scenario']} | `{run['args']}` | - | - | - | - | - | - | - | {note(run)} |")
            continue
        a = r["ack_latency"]
        cpu = cpu_seconds(run) * 1e6 / r["acked"] if r["acked"] else float("nan")
        out.append(f"| {run['scenario']} | `{run['args']}` | {r['sent_per_s']:.0f} | {r['acked_in_window_per_s']:.0f} | "
                   f"{ms(a, 'p50_ms')} | {ms(a, 'p95_ms')} | {ms(a, 'p99_ms')} | {ms(a, 'max_ms')} | {cpu:.1f} | {note(run)} |")
        if run["scenario"].startswith("ack"):
            plot("durable ack p99 (Tack, PostgreSQL)", "ms", run["scenario"], round(a["p99_ms"], 3))
        plot("durable updates per second (Tack, PostgreSQL)", "updates/s", run["scenario"], round(r["acked_in_window_per_s"]))
    out.append("")

idle = [run for run in runs if run["scenario"].startswith(("capacity", "boards", "storm"))]
if idle:
    out.append("**Idle connections** (each socket authenticated and synced: the server's Step2 for each of its boards):")
    out.append("")
    out.append("| scenario | server | synced / clients | boards (per socket) | time to open s | handshake p50 / p99 ms | server RSS before → after MB | RSS per connection KB | storm: close → all resynced s | notes |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for run in idle:
        r = run["r"]
        if r is None:
            out.append(f"| {run['scenario']} | {run['server']} | - | - | - | - | - | - | - | {note(run)} |")
            continue
        h = r["handshake_latency"]
        per = r["server_rss_per_connection_bytes"]
        per_kb = per / 1024 if per is not None else None
        rss = (f"{r['server_rss_before_kb'] / 1024:.0f} → {r['server_rss_after_kb'] / 1024:.0f}"
               if r["server_rss_before_kb"] and r["server_rss_after_kb"] else "-")
        storm = f"{r['storm_seconds']:.2f} ({r['resynced']} resynced, {r['reconnect_attempts']} attempts)" if r["storm_seconds"] is not None else "-"
        out.append(f"| {run['scenario']} | {run['server']} | {r['connected']}/{r['clients']} | {r['boards']} ({r['boards_per_socket']}) | "
                   f"{r['open_seconds']:.1f} | {ms(h, 'p50_ms')} / {ms(h, 'p99_ms')} | {rss} | "
                   f"{'-' if per_kb is None else f'{per_kb:.2f}'} | {storm} | {note(run)} |")
        if run["scenario"] == "storm":
            plot("reconnect storm: first close to all resynced", "s", run["server"], None if r["storm_seconds"] is None else round(r["storm_seconds"], 2))
        else:
            plot(f"{run['scenario']} RSS per connection", "KB", run["server"], None if per_kb is None else round(per_kb, 2))
            plot(f"{run['scenario']} time to open", "s", run["server"], round(r["open_seconds"], 2))
    out.append("")

print("\n".join(out))
open(plots_path, "w").write("\n".join(plots) + "\n")
