package search

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// randEmbedder returns a fixed random query vector (the benchmark measures
// the index, not the embedding model); set v before each query.
type randEmbedder struct{ v []float32 }

func (r *randEmbedder) Embed(context.Context, string, []string) ([][]float32, error) {
	return [][]float32{r.v}, nil
}

func randVec(rng *rand.Rand, dims int) []float32 {
	v := make([]float32, dims)
	var n float64
	for i := range v {
		v[i] = float32(rng.NormFloat64())
		n += float64(v[i] * v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// fillSynthetic writes n chunks of synthetic text with 384-d vectors.
func fillSynthetic(t testing.TB, db *sql.DB, n, dims int, rng *rand.Rand) VectorIndex {
	t.Helper()
	ctx := context.Background()
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%x", rng.Uint32()%0xfffff)
	}
	tx, _ := db.Begin()
	idx, err := EnsureIndex(ctx, tx, "synthetic", dims)
	if err != nil {
		t.Fatal(err)
	}
	tx.Commit()
	docs := n / 4
	for start := 0; start < n; start += 5000 {
		tx, _ := db.Begin()
		for i := start; i < min(start+5000, n); i++ {
			if i%4 == 0 {
				if _, err := tx.Exec(`INSERT INTO documents(id, platform, kind, url, content, content_hash, published_at) VALUES (?, ?, ?, ?, '', '', ?)`,
					i/4+1, []string{"blog", "x", "mastodon"}[i%3], []string{"article", "post"}[i%2], "https://bench/"+strconv.Itoa(i/4), fmt.Sprintf("20%02d-01-01", 10+i%15)); err != nil {
					t.Fatal(err)
				}
			}
			words := make([]string, 40)
			for j := range words {
				words[j] = vocab[int(math.Abs(rng.NormFloat64()*800))%len(vocab)]
			}
			if _, err := tx.Exec(`INSERT INTO chunks(id, document_id, position, start, "end", text) VALUES (?, ?, ?, 0, 1, ?)`, i+1, i/4+1, i%4, strings.Join(words, " ")); err != nil {
				t.Fatal(err)
			}
			if err := InsertVector(ctx, tx, idx, int64(i+1), randVec(rng, dims), "article", "blog", "2020-01-01"); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	_ = docs
	if ok, err := Activate(ctx, db, idx); err != nil || !ok {
		t.Fatal(err)
	}
	idx.Vectors = int64(n)
	return idx
}

func peakRSS() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

// TestSearchLatencyBench prints p50/p95 search latency for each mode at
// 10k and 100k chunks (DOPPEL_BENCH=1; scripts/bench-feature.sh runs it).
func TestSearchLatencyBench(t *testing.T) {
	if os.Getenv("DOPPEL_BENCH") != "1" {
		t.Skip("set DOPPEL_BENCH=1 (scripts/bench-feature.sh)")
	}
	sizes := []int{10000, 100000}
	if s := os.Getenv("DOPPEL_BENCH_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, _ := strconv.Atoi(f)
			sizes = append(sizes, n)
		}
	}
	const dims, queries = 384, 40
	for _, n := range sizes {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		db := openStore(t).DB
		t0 := time.Now()
		fillSynthetic(t, db, n, dims, rng)
		t.Logf("n=%d: filled in %s", n, time.Since(t0).Round(time.Millisecond))
		qv := make([][]float32, queries)
		qt := make([]string, queries)
		for i := range qv {
			qv[i] = randVec(rng, dims)
			var w []string
			db.QueryRow(`SELECT text FROM chunks WHERE id=?`, 1+rng.IntN(n)).Scan(&qt[i])
			w = strings.Fields(qt[i])
			qt[i] = strings.Join(w[:4], " ")
		}
		type cfg struct {
			name  string
			mode  Mode
			exact bool
		}
		cfgs := []cfg{{"bm25", BM25, true}, {"vector exact", Vector, true}, {"hybrid exact", Hybrid, true}, {"vector cache", Vector, false}, {"hybrid cache", Hybrid, false}}
		exactTop := map[int][]int64{}
		// One service per kind, as in the app: the cached one loads its copy
		// once, on its first query.
		emb := &randEmbedder{}
		conf := func(context.Context) (string, error) { return "synthetic", nil }
		exactSvc, cachedSvc := New(db, emb, conf, Options{ExactVectors: true}), New(db, emb, conf, Options{})
		for _, c := range cfgs {
			svc := cachedSvc
			if c.exact {
				svc = exactSvc
			}
			if c.name == "vector cache" {
				// The first query loads the cache: time it on its own.
				var before runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				emb.v = qv[0]
				t0 := time.Now()
				if _, err := svc.Search(context.Background(), Query{Text: qt[0], K: 10, Mode: c.mode}); err != nil {
					t.Fatal(err)
				}
				load := time.Since(t0)
				var after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&after)
				fmt.Printf("BENCH search n=%d mode=%-22s first query (loads the cache) %.0fms, Go heap +%.1f MB\n", n, c.name, ms(load), float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6)
			}
			var lat []time.Duration
			var overlap, total int
			for i := 0; i < queries; i++ {
				emb.v = qv[i]
				t0 := time.Now()
				hits, err := svc.Search(context.Background(), Query{Text: qt[i], K: 10, Mode: c.mode})
				d := time.Since(t0)
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 { // the first query warms the caches
					lat = append(lat, d)
				}
				if c.name == "vector exact" {
					for _, h := range hits {
						exactTop[i] = append(exactTop[i], h.ChunkID)
					}
				}
				if c.name == "vector cache" {
					in := map[int64]bool{}
					for _, id := range exactTop[i] {
						in[id] = true
					}
					for _, h := range hits {
						if in[h.ChunkID] {
							overlap++
						}
					}
					total += len(exactTop[i])
				}
			}
			sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
			p50, p95 := lat[len(lat)/2], lat[len(lat)*95/100]
			extra := ""
			if total > 0 {
				extra = fmt.Sprintf(" recall@10 vs exact %.3f", float64(overlap)/float64(total))
			}
			fmt.Printf("BENCH search n=%d mode=%-22s p50=%7.2fms p95=%7.2fms%s\n", n, c.name, ms(p50), ms(p95), extra)
		}
		fmt.Printf("BENCH search n=%d peak_rss=%s\n", n, peakRSS())
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
