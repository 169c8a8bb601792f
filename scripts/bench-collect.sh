#!/usr/bin/env bash
# Data collection benchmark: `doppel crawl --delay 0` (crawl + extract +
# store) of a generated 2,000-post loopback blog, against a bare colly crawl
# of the same site that stores nothing, in the same run. Prints one JSON line.
# Usage: scripts/bench-collect.sh [POSTS]   (needs bin/doppel: make cli)
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS="${1:-2000}"
TMP="$(mktemp -d /tmp/doppel-bench-collect.XXXXXX)"
go build -tags sqlite_fts5 -o "$TMP/bench-collect" ./scripts/bench-collect
[[ -x bin/doppel ]] || make -s cli
"$TMP/bench-collect" serve "$POSTS" >"$TMP/url" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do [[ -s "$TMP/url" ]] && break; sleep 0.1; done
URL="$(head -1 "$TMP/url")"

BARE="$("$TMP/bench-collect" bare "$URL")"

/usr/bin/time -f '%M %e' -o "$TMP/time" ./bin/doppel --data-dir "$TMP/data" crawl "$URL" --delay 0 --max-pages 10000 --json >"$TMP/crawl.json" 2>/dev/null
read -r RSS_KB SECS <"$TMP/time"
python3 - "$TMP/crawl.json" "$RSS_KB" "$SECS" "$BARE" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))[0]["crawl"]
rss_mb, secs, bare = int(sys.argv[2]) / 1024, float(sys.argv[3]), json.loads(sys.argv[4])
fetched = res["pages_fetched"]
pps = fetched / secs
print(json.dumps({
    "posts_stored": res["new"], "pages_fetched": fetched, "listing_pages_skipped": res["listing_pages_skipped"],
    "errors": len(res["errors"]), "doppel_seconds": secs, "doppel_pages_per_s": round(pps, 1), "doppel_peak_rss_mb": round(rss_mb, 1),
    "bare_pages": bare["pages"], "bare_seconds": bare["seconds"], "bare_pages_per_s": bare["pages_per_s"], "bare_peak_rss_mb": bare["peak_rss_mb"],
    "ratio_to_bare": round(pps / bare["pages_per_s"], 3),
}))
PY
