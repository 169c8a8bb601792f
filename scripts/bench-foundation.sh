#!/usr/bin/env bash
# Foundation benchmarks (docs/bench/foundation.md):
#  1. desktop cold start to first paint, and idle RSS of the whole process
#     tree (app + WebKit processes), Doppel vs the bare Wails app
#     (bench/wails-bare) built with the same tags, under Xvfb;
#  2. `doppel status` wall time vs the bare HTTP calls it makes
#     (GET /api/version + /api/tags with curl) on the same Ollama.
# Needs OLLAMA_HOST (or DOPPEL_TEST_OLLAMA_URL) pointing at a running Ollama.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
OLLAMA="${DOPPEL_TEST_OLLAMA_URL:-${OLLAMA_HOST:-}}"
[[ -n "$OLLAMA" ]] || { echo "set OLLAMA_HOST to a running Ollama" >&2; exit 1; }
[[ "$OLLAMA" == http* ]] || OLLAMA="http://$OLLAMA"
export OLLAMA_HOST="$OLLAMA"
go build -tags desktop,production,webkit2_40 -o bin/wails-bare ./bench/wails-bare
make -s cli desktop

cat > /tmp/doppel-paint.sh <<'INNER'
#!/usr/bin/env bash
# paint.sh BINARY ARGS... : prints "ms_to_first_paint rss_kib_after_5s"
set -euo pipefail
start=$(date +%s%N)
"$@" >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 400); do
  px="$(xwd -root -silent | /usr/bin/convert xwd:- -format "%[pixel:p{20,400}]" info: 2>/dev/null || true)"
  [[ "$px" == "srgb(31,35,48)" ]] && break
  sleep 0.02
done
t=$(( ($(date +%s%N) - start) / 1000000 ))
sleep 5
rss=0
for p in $pid $(pgrep -P $pid || true) $(pgrep -f WebKit || true); do
  r=$(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0); rss=$((rss + r))
done
kill $pid; wait $pid 2>/dev/null || true
sleep 0.5
echo "$t $rss"
INNER
chmod +x /tmp/doppel-paint.sh

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A paint rss
for app in bare doppel; do
  : >"/tmp/bench-$app.txt"
  for i in $(seq 1 "$RUNS"); do
    data="$(mktemp -d)"
    if [[ $app == bare ]]; then cmd=(./bin/wails-bare); else cmd=(./bin/doppel-desktop --data-dir "$data"); fi
    xvfb-run -a -s '-screen 0 1280x800x24' /tmp/doppel-paint.sh "${cmd[@]}" >>"/tmp/bench-$app.txt"
    rm -rf "$data"
  done
  paint[$app]=$(cut -d' ' -f1 "/tmp/bench-$app.txt" | median)
  rss[$app]=$(cut -d' ' -f2 "/tmp/bench-$app.txt" | median)
done

data="$(mktemp -d)"
./bin/doppel --data-dir "$data" status >/dev/null # migrate once
ms() { local s=$(date +%s%N); "$@" >/dev/null; echo $(( ($(date +%s%N) - s) / 1000000 )); }
st=$(for i in $(seq 1 $((RUNS*4))); do ms ./bin/doppel --data-dir "$data" status --json; done | median)
bare=$(for i in $(seq 1 $((RUNS*4))); do ms bash -c "curl -sf $OLLAMA/api/version && curl -sf $OLLAMA/api/tags"; done | median)
rm -rf "$data"

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
echo "| measure | Doppel | bare baseline | ratio |"
echo "| --- | --- | --- | --- |"
echo "| desktop start to first paint (median of $RUNS) | ${paint[doppel]} ms | ${paint[bare]} ms (bare Wails app) | $(ratio ${paint[doppel]} ${paint[bare]}) |"
echo "| desktop idle RSS, app + WebKit processes | $((rss[doppel]/1024)) MiB | $((rss[bare]/1024)) MiB (bare Wails app) | $(ratio ${rss[doppel]} ${rss[bare]}) |"
echo "| \`doppel status --json\` wall time (median of $((RUNS*4))) | $st ms | $bare ms (curl /api/version + /api/tags) | $(ratio $st $bare) |"
