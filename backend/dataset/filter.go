package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// Candidate is a generated pair with the document it came from, on its way
// through the filters.
type Candidate struct {
	Doc  *Document
	Pair Pair
}

// Filter removes candidates and counts them under reasons.
type Filter interface {
	Name() string
	Apply(in []Candidate, dropped map[string]int) []Candidate
}

// Filters builds the filter chain of a config: length, language,
// boilerplate, exact duplicates, near-duplicates, in that order.
func (f Filters) Chain(lang string) []Filter {
	out := []Filter{lengthFilter{f}}
	if lang != "" && lang != "any" {
		out = append(out, languageFilter{lang})
	}
	return append(out, boilerplateFilter{f.Boilerplate}, dupFilter{}, newNearDupFilter(f.NearDuplicate))
}

type lengthFilter struct{ f Filters }

func (lengthFilter) Name() string { return DropLength }
func (l lengthFilter) Apply(in []Candidate, dropped map[string]int) []Candidate {
	out := in[:0:0]
	for _, c := range in {
		ni, no := utf8.RuneCountInString(strings.TrimSpace(c.Pair.Instruction)), utf8.RuneCountInString(strings.TrimSpace(c.Pair.Output))
		if ni < l.f.MinInstruction || no < l.f.MinAnswer || no > l.f.MaxAnswer {
			dropped[DropLength]++
			continue
		}
		out = append(out, c)
	}
	return out
}

// DetectLanguage returns the ISO 639-3 code of text without code fences,
// and whether the detector is confident.
func DetectLanguage(text string) (string, bool) {
	prose := stripFences(text)
	if utf8.RuneCountInString(prose) < 40 {
		return "", false
	}
	// 600 characters decide as well as the whole text, at a fraction of
	// the cost (trigram counting is linear in the length).
	if len(prose) > 600 {
		cut := 600
		for cut < len(prose) && !utf8.RuneStart(prose[cut]) {
			cut++
		}
		prose = prose[:cut]
	}
	info := whatlanggo.DetectWithOptions(prose, detectOptions)
	return info.Lang.Iso6393(), info.IsReliable()
}

// detectOptions limits detection to widely written languages (one per
// script at least): comparing against every profile dominated build time.
var detectOptions = func() whatlanggo.Options {
	wl := map[whatlanggo.Lang]bool{}
	for _, l := range []whatlanggo.Lang{whatlanggo.Eng, whatlanggo.Fra, whatlanggo.Deu, whatlanggo.Spa, whatlanggo.Ita, whatlanggo.Por,
		whatlanggo.Nld, whatlanggo.Swe, whatlanggo.Dan, whatlanggo.Nob, whatlanggo.Fin, whatlanggo.Pol, whatlanggo.Ces, whatlanggo.Tur,
		whatlanggo.Ron, whatlanggo.Hun, whatlanggo.Ind, whatlanggo.Vie, whatlanggo.Rus, whatlanggo.Ukr, whatlanggo.Bul, whatlanggo.Ell,
		whatlanggo.Cmn, whatlanggo.Jpn, whatlanggo.Kor, whatlanggo.Arb, whatlanggo.Heb, whatlanggo.Hin, whatlanggo.Tha, whatlanggo.Pes} {
		wl[l] = true
	}
	return whatlanggo.Options{Whitelist: wl}
}()

// MajorityLanguage is the language most of the text (by characters) is in,
// judged on at most 500 texts spread evenly over the list.
func MajorityLanguage(texts []string) string {
	count := map[string]int{}
	step := max(1, len(texts)/500)
	for i := 0; i < len(texts); i += step {
		t := texts[i]
		if l, ok := DetectLanguage(t); ok {
			count[l] += len(t)
		}
	}
	best, n := "", 0
	for l, c := range count {
		if c > n || c == n && l < best {
			best, n = l, c
		}
	}
	return best
}

type languageFilter struct{ lang string }

func (languageFilter) Name() string { return DropLanguage }
func (l languageFilter) Apply(in []Candidate, dropped map[string]int) []Candidate {
	// Detection is the costly part of a heuristic build: spread it over the
	// cores, then keep the order.
	other := make([]bool, len(in))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(in); i += workers {
				// Only a confident detection of another language drops a
				// sample: short or mixed texts stay.
				got, ok := DetectLanguage(in[i].Pair.Output)
				other[i] = ok && got != l.lang
			}
		}(w)
	}
	wg.Wait()
	out := in[:0:0]
	for i, c := range in {
		if other[i] {
			dropped[DropLanguage]++
			continue
		}
		out = append(out, c)
	}
	return out
}

var fenceRe = regexp.MustCompile("(?s)(```|~~~).*?(```|~~~)")

func stripFences(s string) string { return fenceRe.ReplaceAllString(s, " ") }

// boilerplatePhrases mark site furniture (matched lower-case, as
// substrings: a regexp here dominated build time).
var boilerplatePhrases = []string{"subscribe to", "subscribe for", "sign up for", "newsletter", "all rights reserved", "©", "cookie",
	"privacy policy", "terms of service", "terms of use", "share this", "share on", "follow me on", "follow us on", "click here",
	"read more", "leave a comment", "posted in", "posted by", "posted on", "tags:", "categories:", "previous post", "next post",
	"back to top", "powered by", "like and subscribe", "buy me a coffee", "patreon", "sponsored"}

var copyrightRe = regexp.MustCompile(`(?i)\(c\) \d{4}|comments? \(\d+\)`)

func hasBoilerplatePhrase(line string) bool {
	l := strings.ToLower(line)
	for _, p := range boilerplatePhrases {
		if strings.Contains(l, p) {
			return true
		}
	}
	return strings.Contains(l, "(c)") && copyrightRe.MatchString(l) || strings.Contains(l, "comment") && copyrightRe.MatchString(l)
}

// IsBoilerplateLine reports whether a line is site furniture rather than
// writing: subscribe/share/copyright/cookie/navigation text, or a line that
// is only links.
func IsBoilerplateLine(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" {
		return false
	}
	if utf8.RuneCountInString(t) < 200 && hasBoilerplatePhrase(t) {
		return true
	}
	if !strings.Contains(t, "](") {
		return false
	}
	rest := strings.TrimSpace(linkRe.ReplaceAllString(t, ""))
	rest = strings.Trim(rest, "|·•-–— ,")
	return rest == "" && linkRe.MatchString(t)
}

// BoilerplateShare is the share of the text's characters (outside code)
// that sit on boilerplate lines.
func BoilerplateShare(text string) float64 {
	all, bp := 0, 0
	for _, l := range strings.Split(stripFences(text), "\n") {
		n := utf8.RuneCountInString(strings.TrimSpace(l))
		all += n
		if IsBoilerplateLine(l) {
			bp += n
		}
	}
	if all == 0 {
		return 0
	}
	return float64(bp) / float64(all)
}

// StripBoilerplate removes boilerplate lines from a document that is
// mostly writing (so a "subscribe" footer does not end up in every answer
// that closes a post). A document that is mostly boilerplate is left as it
// is for the filter to drop. It returns the text and the lines removed.
func StripBoilerplate(text string, share float64) (string, int) {
	if BoilerplateShare(text) >= share {
		return text, 0
	}
	var keep []string
	removed := 0
	inFence := false
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inFence = !inFence
		}
		if !inFence && IsBoilerplateLine(l) {
			removed++
			continue
		}
		keep = append(keep, l)
	}
	return strings.TrimSpace(strings.Join(keep, "\n")), removed
}

type boilerplateFilter struct{ share float64 }

func (boilerplateFilter) Name() string { return DropBoilerplate }
func (b boilerplateFilter) Apply(in []Candidate, dropped map[string]int) []Candidate {
	out := in[:0:0]
	for _, c := range in {
		if BoilerplateShare(c.Pair.Output) >= b.share {
			dropped[DropBoilerplate]++
			continue
		}
		out = append(out, c)
	}
	return out
}

type dupFilter struct{}

func (dupFilter) Name() string { return DropDuplicate }
func (dupFilter) Apply(in []Candidate, dropped map[string]int) []Candidate {
	seen := map[string]bool{}
	out := in[:0:0]
	for _, c := range in {
		k := sha256.Sum256([]byte(normText(c.Pair.Instruction) + "\x00" + normText(c.Pair.Output)))
		key := hex.EncodeToString(k[:])
		if seen[key] {
			dropped[DropDuplicate]++
			continue
		}
		seen[key] = true
		out = append(out, c)
	}
	return out
}

func normText(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// MinHash signatures over word 5-shingles with LSH banding find answers
// that are near-duplicates of an earlier one (the same post cross-posted,
// a README copied into a blog post) in one pass.
const (
	minhashPerms = 128
	lshBands     = 32
	lshRows      = minhashPerms / lshBands
	shingleWords = 5
)

// MinHasher computes MinHash signatures with fixed permutations.
type MinHasher struct{ a, b [minhashPerms]uint64 }

// NewMinHasher returns a MinHasher whose permutations come from a fixed seed.
func NewMinHasher() *MinHasher {
	r := rand.New(rand.NewPCG(0x646f7070, 0x656c))
	m := &MinHasher{}
	for i := range m.a {
		m.a[i] = r.Uint64() | 1
		m.b[i] = r.Uint64()
	}
	return m
}

// Signature of text (lower-cased word shingles; short texts use what they have).
func (m *MinHasher) Signature(text string) []uint64 {
	words := strings.Fields(strings.ToLower(text))
	sig := make([]uint64, minhashPerms)
	for i := range sig {
		sig[i] = math.MaxUint64
	}
	k := min(shingleWords, len(words))
	for i := 0; i+k <= len(words) && k > 0; i++ {
		h := fnv.New64a()
		h.Write([]byte(strings.Join(words[i:i+k], " ")))
		x := h.Sum64()
		for j := range sig {
			if v := m.a[j]*x + m.b[j]; v < sig[j] {
				sig[j] = v
			}
		}
	}
	return sig
}

// Similarity estimates the Jaccard similarity of two signatures.
func Similarity(a, b []uint64) float64 {
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / float64(len(a))
}

type nearDupFilter struct {
	threshold float64
	mh        *MinHasher
}

func newNearDupFilter(t float64) nearDupFilter {
	return nearDupFilter{threshold: t, mh: NewMinHasher()}
}

func (nearDupFilter) Name() string { return DropNearDuplicate }
func (n nearDupFilter) Apply(in []Candidate, dropped map[string]int) []Candidate {
	buckets := map[[2]uint64][]int{}
	var sigs [][]uint64
	out := in[:0:0]
	for _, c := range in {
		// Answers decide: the same text under two instructions (a
		// cross-posted article) is still the same sample.
		sig := n.mh.Signature(c.Pair.Output)
		keys := make([][2]uint64, lshBands)
		dup := false
		for b := 0; b < lshBands; b++ {
			h := fnv.New64a()
			var buf [8]byte
			for r := 0; r < lshRows; r++ {
				binary.LittleEndian.PutUint64(buf[:], sig[b*lshRows+r])
				h.Write(buf[:])
			}
			keys[b] = [2]uint64{uint64(b), h.Sum64()}
			if !dup {
				for _, j := range buckets[keys[b]] {
					if Similarity(sig, sigs[j]) >= n.threshold {
						dup = true
						break
					}
				}
			}
		}
		if dup {
			dropped[DropNearDuplicate]++
			continue
		}
		idx := len(sigs)
		sigs = append(sigs, sig)
		for _, k := range keys {
			buckets[k] = append(buckets[k], idx)
		}
		out = append(out, c)
	}
	return out
}

// EstimateTokens is the usual 4-characters-per-token estimate (labelled as
// an estimate wherever it is shown).
func EstimateTokens(s string) int { return (utf8.RuneCountInString(s) + 3) / 4 }

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
