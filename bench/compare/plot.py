"""Charts for `npm run bench:compare` (called by charts.ts with one JSON file).

Input: {"rows": [SummaryRow...], "results": [PhaseResult...],
        "out": {"throughput": path, "lateness": path, "rss": path}}
Writes PNGs: scenario-A throughput per system (median, min-max whiskers); scenario-B lateness
p50/p99/max per tier and system; RSS over time per system and scenario (last run).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


COLOURS = {}


def colour(system):
    """One colour per system across every chart (assigned in order of first appearance)."""
    return COLOURS.setdefault(system, f"C{len(COLOURS)}")


def whiskers(spread):
    return [[spread["median"] - spread["min"]], [spread["max"] - spread["median"]]]


def throughput(rows, path):
    rows = [r for r in rows if r["scenario"] == "A"]
    if not rows:
        return False
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, r in enumerate(rows):
        ax.bar(i, r["rate"]["median"], yerr=whiskers(r["rate"]), capsize=6, color=colour(r["system"]))
        label = f'{r["rate"]["median"]:.0f}/s'
        if r.get("ratio"):
            label += f'\n{r["ratio"]["median"]:.2f}× ceiling'
        ax.text(i, r["rate"]["median"] / 2, label, ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(rows)), [r["system"] for r in rows])
    ax.set_ylabel("first attempts per second")
    ax.set_title("Scenario A: throughput (median, whiskers min–max)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def lateness(rows, path):
    rows = [r for r in rows if r["scenario"] == "B" and r["tiers"]]
    if not rows:
        return False
    tiers = sorted({t["tier"] for r in rows for t in r["tiers"]})
    fig, axes = plt.subplots(1, len(tiers), figsize=(7 * len(tiers), 4), squeeze=False)
    stats = [("latenessP50", "p50"), ("latenessP99", "p99"), ("latenessMax", "max")]
    width = 0.8 / len(rows)
    for ax, tier in zip(axes[0], tiers):
        for j, r in enumerate(rows):
            t = next((t for t in r["tiers"] if t["tier"] == tier), None)
            if t is None:
                continue
            xs = [k + j * width for k in range(len(stats))]
            ax.bar(
                xs,
                [t[key]["median"] for key, _ in stats],
                width,
                yerr=[sum((whiskers(t[key])[0] for key, _ in stats), []), sum((whiskers(t[key])[1] for key, _ in stats), [])],
                capsize=4,
                label=r["system"],
                color=colour(r["system"]),
            )
        ax.set_xticks([k + width * (len(rows) - 1) / 2 for k in range(len(stats))], [s for _, s in stats])
        nominal = next(t["nominalMs"] for r in rows for t in r["tiers"] if t["tier"] == tier)
        ax.set_title(f"Scenario B: tier {tier} ({nominal / 1000:g} s) lateness")
        ax.set_ylabel("ms after the jitter band")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def rss(results, path):
    if not results:
        return False
    last = max(r["run"] for r in results)
    scenarios = sorted({r["scenario"] for r in results})
    fig, axes = plt.subplots(1, len(scenarios), figsize=(7 * len(scenarios), 4), squeeze=False)
    for ax, scenario in zip(axes[0], scenarios):
        for r in results:
            if r["run"] != last or r["scenario"] != scenario:
                continue
            samples = r["rss"]["samples"]
            ax.plot(
                [s["t"] for s in samples],
                [s["rssMb"] for s in samples],
                label=r["system"],
                color=colour(r["system"]),
            )
        ax.set_title(f"RSS over time, scenario {scenario} (run {last})")
        ax.set_xlabel("seconds since start")
        ax.set_ylabel("VmRSS MB")
        ax.set_ylim(bottom=0)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    out = data["out"]
    for r in data["rows"]:
        colour(r["system"])
    written = {}
    if throughput(data["rows"], out["throughput"]):
        written["throughput"] = out["throughput"]
    if lateness(data["rows"], out["lateness"]):
        written["lateness"] = out["lateness"]
    if rss(data["results"], out["rss"]):
        written["rss"] = out["rss"]
    print(json.dumps(written))


main()
