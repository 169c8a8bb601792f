#!/usr/bin/env bash
# Data collection benchmark: `doppel crawl --delay 0` (crawl + extract +
# store) of a generated 2,000-post loopback blog, against a bare colly crawl
# of the same site that stores nothing, in the same run. The two alternate
# RUNS times (default 3; each doppel run into a fresh data dir) and the
# medians are compared: on a shared machine one pair of runs swings with the
# neighbours' load. CPU time per page (user + sys, from /usr/bin/time) is
# reported too, as it moves far less with that load. Prints one JSON line.
#
# Pages per second are reported two ways, each like for like:
#   *_pages_per_s, *_ratio_to_bare: each crawl's own timer (the bare crawl
#     times Visit..Wait; doppel reports "elapsed", from the robots.txt probe
#     to the last commit), so neither counts its process start;
#   *_wall_pages_per_s, *_wall_ratio_to_bare: the whole process, from
#     /usr/bin/time, which for doppel includes creating and migrating the
#     fresh database (~25 ms).
# Usage: scripts/bench-collect.sh [POSTS]   (needs bin/doppel: make cli)
# BEFORE=path/to/an/older/doppel adds that binary to every round (same
# server, same conditions) and reports it as "before_*".
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS="${1:-2000}"
RUNS="${RUNS:-3}"
TMP="$(mktemp -d /tmp/doppel-bench-collect.XXXXXX)"
go build -tags sqlite_fts5 -o "$TMP/bench-collect" ./scripts/bench-collect
[[ -x bin/doppel ]] || make -s cli
"$TMP/bench-collect" serve "$POSTS" >"$TMP/url" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do [[ -s "$TMP/url" ]] && break; sleep 0.1; done
URL="$(head -1 "$TMP/url")"

crawl() { # crawl NAME BINARY ROUND
	/usr/bin/time -f '%M %e %U %S' -o "$TMP/$1-$3.time" "$2" --data-dir "$TMP/data-$1-$3" crawl "$URL" --delay 0 --max-pages 10000 --json >"$TMP/$1-$3.json" 2>/dev/null
}
for i in $(seq "$RUNS"); do
	/usr/bin/time -f '%U %S %e' -o "$TMP/bare-$i.time" "$TMP/bench-collect" bare "$URL" >"$TMP/bare-$i.json"
	crawl doppel ./bin/doppel "$i"
	if [[ -n "${BEFORE:-}" ]]; then crawl before "$BEFORE" "$i"; fi
done
python3 - "$TMP" "$RUNS" "${BEFORE:+before}" <<'PY'
import json, re, statistics, sys
tmp, runs, names = sys.argv[1], int(sys.argv[2]), ["doppel"] + [n for n in sys.argv[3:] if n]
med = statistics.median

def seconds(d):  # a Go duration string: "877ms", "1.02s", "1m2.5s"
    units = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
    return sum(float(v) * units[u] for v, u in re.findall(r"([0-9.]+)(h|ms|us|µs|ns|m|s)", d))

b_pps, b_wall, b_cpu = [], [], []
for i in range(1, runs + 1):
    bare = json.load(open(f"{tmp}/bare-{i}.json"))
    bu, bs, be = open(f"{tmp}/bare-{i}.time").read().split()
    b_pps.append(bare["pages_per_s"]); b_wall.append(bare["pages"] / float(be))
    b_cpu.append((float(bu) + float(bs)) * 1000 / bare["pages"])
out = {"runs": runs, "bare_pages": bare["pages"], "bare_pages_per_s": round(med(b_pps), 1),
       "bare_wall_pages_per_s": round(med(b_wall), 1),
       "bare_cpu_ms_per_page": round(med(b_cpu), 3), "bare_peak_rss_mb": bare["peak_rss_mb"]}
for name in names:
    pps, wall, cpu, rss, ratios = [], [], [], [], []
    for i in range(1, runs + 1):
        res = json.load(open(f"{tmp}/{name}-{i}.json"))[0]["crawl"]
        rss_kb, secs, u, s = open(f"{tmp}/{name}-{i}.time").read().split()
        fetched = res["pages_fetched"]
        pps.append(fetched / seconds(res["elapsed"])); wall.append(fetched / float(secs))
        cpu.append((float(u) + float(s)) * 1000 / fetched)
        rss.append(int(rss_kb) / 1024); ratios.append(pps[-1] / b_pps[i - 1])
    out.update({f"{name}_posts_stored": res["new"], f"{name}_pages_fetched": fetched,
                f"{name}_listing_pages_skipped": res["listing_pages_skipped"], f"{name}_errors": len(res["errors"]),
                f"{name}_pages_per_s": round(med(pps), 1), f"{name}_wall_pages_per_s": round(med(wall), 1),
                f"{name}_cpu_ms_per_page": round(med(cpu), 3), f"{name}_peak_rss_mb": round(max(rss), 1),
                f"{name}_ratio_to_bare": round(med(pps) / med(b_pps), 3), f"{name}_ratio_per_run": [round(r, 3) for r in ratios],
                f"{name}_wall_ratio_to_bare": round(med(wall) / med(b_wall), 3),
                f"{name}_cpu_ratio_bare_over_it": round(med(b_cpu) / med(cpu), 3)})
print(json.dumps(out))
PY
