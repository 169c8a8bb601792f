package dataset

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// ErrNoDocuments is returned when there is nothing to build from.
var ErrNoDocuments = errors.New("no documents to build a dataset from (all are excluded, or none were collected yet): add a source first")

// Service builds, curates and exports dataset versions in one store.
type Service struct {
	db *sql.DB
	// client returns the Ollama client for the model generators.
	client func(ctx context.Context) (Chatter, error)
	// DefaultTokenizer is the Ollama model whose tokenizer counts the tokens
	// of model-generated versions when the build names none (the training
	// default base); "" keeps the estimate.
	DefaultTokenizer string
	tokenizers       sync.Map // model name -> TokenCounter
}

// New returns a Service over db; client is called only by model generators.
func New(db *sql.DB, client func(ctx context.Context) (Chatter, error)) *Service {
	return &Service{db: db, client: client}
}

// Progress is one report from a build.
type Progress struct {
	Done, Total int
	Message     string
}

// BuildResult is what `doppel dataset build` prints.
type BuildResult struct {
	Version string         `json:"version"`
	Train   int            `json:"train"`
	Test    int            `json:"test"`
	Dropped map[string]int `json:"dropped"`
	// Existed is true when an identical version was already stored.
	Existed bool `json:"existed,omitempty"`
	// Resumed counts extracts whose results a previous run had stored.
	Resumed int `json:"resumed,omitempty"`
}

// Build runs the generator over every extract of every non-excluded
// document, filters, splits by document and stores the version. Model
// results are stored per extract as they finish, so a build that is killed
// or fails (the engine went away) resumes where it stopped.
func (s *Service) Build(ctx context.Context, cfg BuildConfig, jobID int64, report func(Progress) error) (*BuildResult, error) {
	if err := cfg.Normalize(); err != nil {
		return nil, err
	}
	if report == nil {
		report = func(Progress) error { return nil }
	}
	docs, err := LoadDocuments(ctx, s.db)
	if err != nil {
		return nil, err
	}
	dropped := map[string]int{}
	var items []work
	if cfg.From != "" {
		if items, err = s.fromVersion(ctx, &cfg, docs, dropped); err != nil {
			return nil, err
		}
	} else {
		for i := range docs {
			// Extract from a cleaned copy; docs keeps the stored content hash.
			clean := docs[i]
			var n int
			clean.Content, n = StripBoilerplate(clean.Content, cfg.Filters.Boilerplate)
			if n > 0 {
				dropped[StrippedLines] += n
			}
			exs := Extracts(clean)
			if len(exs) == 0 {
				dropped[DropEmptyDocument]++
				continue
			}
			for _, ex := range exs {
				items = append(items, work{&docs[i], ex})
			}
		}
	}
	if len(items) == 0 {
		return nil, ErrNoDocuments
	}
	// The documents' majority language is needed only by the filters after
	// generation: detect it meanwhile, so the first model call is not delayed.
	langCh := make(chan string, 1)
	go func() {
		lang := cfg.Filters.Language
		if lang == "" {
			texts := make([]string, len(docs))
			for i, d := range docs {
				texts[i] = d.Content
			}
			lang = MajorityLanguage(texts)
		}
		langCh <- lang
	}()

	var gen Generator = Heuristic{}
	persist := cfg.Generator != GenHeuristic
	if persist {
		if s.client == nil {
			return nil, fmt.Errorf("the %s generator needs Ollama, which is not configured", cfg.Generator)
		}
		c, err := s.client(ctx)
		if err != nil {
			return nil, err
		}
		if cfg.Generator == GenLLM {
			gen = &LLM{Client: c, Model: cfg.Model, Pairs: cfg.PairsPerChunk, Prompts: cfg.Prompts, Attempts: cfg.Attempts}
		} else {
			gen = &Preference{Client: c, Model: cfg.Model, Prompts: cfg.Prompts}
		}
	}

	// The tokenizer loads (from Ollama) while the generator runs, so the
	// model is not left idle waiting for it at the end.
	tokName := cfg.Tokenizer
	if tokName == "" && persist {
		tokName = s.DefaultTokenizer
	}
	type tokResult struct {
		tc   TokenCounter
		note string
	}
	tokCh := make(chan tokResult, 1)
	go func() {
		tc, note := s.tokenCounter(ctx, tokName)
		tokCh <- tokResult{tc, note}
	}()
	tok := func() (TokenCounter, string) { r := <-tokCh; return r.tc, r.note }

	buildID, err := s.buildRow(ctx, cfg, docs)
	if err != nil {
		return nil, err
	}
	done, err := s.finishedExtracts(ctx, buildID)
	if err != nil {
		return nil, err
	}
	outcomes := make([]Outcome, len(items))
	var pending []int
	resumed := 0
	for i, it := range items {
		if o, ok := done[it.ex.Key()]; ok {
			outcomes[i] = o
			resumed++
		} else {
			pending = append(pending, i)
		}
	}
	total := len(items)
	finished := resumed
	msg := fmt.Sprintf("%s: %d extracts from %d documents", cfg.Generator, total, len(docs))
	if resumed > 0 {
		msg += fmt.Sprintf(" (%d done before)", resumed)
	}
	if err := report(Progress{Done: finished, Total: total, Message: msg}); err != nil {
		return nil, err
	}

	if !persist {
		for n, i := range pending {
			o, err := gen.Generate(ctx, *items[i].doc, items[i].ex)
			if err != nil {
				return nil, err
			}
			outcomes[i] = o
			if n%500 == 0 {
				if err := report(Progress{Done: finished + n, Total: total, Message: "generating"}); err != nil {
					return nil, err
				}
			}
		}
	} else {
		conc := cfg.Concurrency
		if conc <= 0 {
			conc = DefaultConcurrency()
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var mu sync.Mutex
		var firstErr error
		next := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					o, err := gen.Generate(ctx, *items[i].doc, items[i].ex)
					if err == nil {
						err = s.saveExtract(context.WithoutCancel(ctx), buildID, items[i].ex.Key(), o)
					}
					mu.Lock()
					if err != nil {
						if firstErr == nil {
							firstErr = err
						}
						cancel()
						mu.Unlock()
						continue
					}
					outcomes[i] = o
					finished++
					f := finished
					mu.Unlock()
					if rerr := report(Progress{Done: f, Total: total, Message: fmt.Sprintf("%s with %s", cfg.Generator, cfg.Model)}); rerr != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = rerr
						}
						mu.Unlock()
						cancel()
					}
				}
			}()
		}
	feed:
		for _, i := range pending {
			select {
			case next <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
		if firstErr != nil {
			return nil, fmt.Errorf("dataset build stopped after %d of %d extracts (finished ones are kept; resume the job to continue): %w", finished, total, firstErr)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}

	var cands []Candidate
	for i, o := range outcomes {
		for r, n := range o.Dropped {
			dropped[r] += n
		}
		for _, p := range o.Pairs {
			cands = append(cands, Candidate{Doc: items[i].doc, Pair: p})
		}
	}
	lang := <-langCh
	for _, f := range cfg.Filters.Chain(lang) {
		cands = f.Apply(cands, dropped)
	}
	rec := cfg
	rec.Filters.Language = lang
	if lang == "" {
		rec.Filters.Language = "any"
	}
	tc, tokNote := tok()
	res, err := s.saveBuild(ctx, rec, docs, cands, dropped, jobID, buildID, tc, tokNote)
	if err != nil {
		return nil, err
	}
	res.Resumed = resumed
	if err := report(Progress{Done: total, Total: total, Message: fmt.Sprintf("version %s: %d train, %d test", short(res.Version), res.Train, res.Test)}); err != nil {
		return nil, err
	}
	return res, nil
}

// fromVersion makes the work of a preference build from an instruct
// version: each of its samples (not rejected, document still there) is an
// extract with its instruction; the answer is the extract.
func (s *Service) fromVersion(ctx context.Context, cfg *BuildConfig, docs []Document, dropped map[string]int) ([]work, error) {
	src, err := s.Version(ctx, cfg.From)
	if err != nil {
		return nil, err
	}
	var srcCfg BuildConfig
	if err := json.Unmarshal(src.Config, &srcCfg); err != nil {
		return nil, fmt.Errorf("version %s: bad config: %w", short(src.ID), err)
	}
	if src.Kind != KindInstruct || srcCfg.PairsPerChunk > 1 {
		return nil, fmt.Errorf("version %s (%s, %s): --from needs an instruct version whose answers are the author's text (heuristic, or llm with one pair per extract)",
			short(src.ID), src.Kind, src.Generator)
	}
	cfg.From = src.ID
	samples, err := s.allSamples(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int, len(docs))
	for i := range docs {
		byID[docs[i].ID] = i
	}
	var items []work
	for i, sm := range samples {
		if sm.Status == "rejected" {
			dropped[DropRejectedInSource]++
			continue
		}
		di, ok := byID[sm.DocumentID]
		if !ok {
			dropped[DropDocumentGone]++
			continue
		}
		items = append(items, work{&docs[di], Extract{DocumentID: sm.DocumentID, Index: i, First: true, Text: sm.Output, Instruction: sm.Instruction}})
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("version %s has no samples to build preference pairs from", short(src.ID))
	}
	return items, nil
}

// work is one extract to generate from, with its document.
type work struct {
	doc *Document
	ex  Extract
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// buildKey hashes the config and the documents (id and content hash).
func buildKey(cfg BuildConfig, docs []Document) (string, []byte, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", nil, fmt.Errorf("encode dataset config: %w", err)
	}
	h := sha256.New()
	h.Write(b)
	for _, d := range docs {
		fmt.Fprintf(h, "\n%d:%s", d.ID, d.ContentHash)
	}
	return hex.EncodeToString(h.Sum(nil)), b, nil
}

func (s *Service) buildRow(ctx context.Context, cfg BuildConfig, docs []Document) (int64, error) {
	key, cfgJSON, err := buildKey(cfg, docs)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.QueryRowContext(ctx, `INSERT INTO dataset_builds(key, config) VALUES (?, ?)
		ON CONFLICT(key) DO UPDATE SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') RETURNING id`, key, string(cfgJSON)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record dataset build: %w", err)
	}
	return id, nil
}

func (s *Service) finishedExtracts(ctx context.Context, buildID int64) (map[string]Outcome, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT extract_key, result FROM dataset_build_extracts WHERE build_id = ?`, buildID)
	if err != nil {
		return nil, fmt.Errorf("read build progress: %w", err)
	}
	defer rows.Close()
	out := map[string]Outcome{}
	for rows.Next() {
		var k, r string
		if err := rows.Scan(&k, &r); err != nil {
			return nil, fmt.Errorf("read build progress: %w", err)
		}
		var o Outcome
		if err := json.Unmarshal([]byte(r), &o); err != nil {
			continue // an unreadable record is redone
		}
		out[k] = o
	}
	return out, rows.Err()
}

func (s *Service) saveExtract(ctx context.Context, buildID int64, key string, o Outcome) error {
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode extract result: %w", err)
	}
	state, reason := "ok", ""
	if len(o.Pairs) == 0 {
		state = "dropped"
		for _, r := range sortedKeys(o.Dropped) {
			reason = r
		}
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO dataset_build_extracts(build_id, extract_key, state, reason, result, attempts)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(build_id, extract_key) DO UPDATE SET state=excluded.state, reason=excluded.reason, result=excluded.result, attempts=excluded.attempts`,
		buildID, key, state, reason, string(b), o.Attempts)
	if err != nil {
		return fmt.Errorf("save extract %s: %w", key, err)
	}
	return nil
}

// Split assigns documents to train or test: documents are ordered by a
// hash of (seed, id) and the first round(ratio × n) go to test (at least
// one when ratio > 0 and there are two or more documents; never all).
func Split(docIDs []int64, ratio float64, seed int64) map[int64]string {
	out := make(map[int64]string, len(docIDs))
	type kv struct {
		id int64
		h  string
	}
	ks := make([]kv, 0, len(docIDs))
	for _, id := range docIDs {
		h := sha256.Sum256(fmt.Appendf(nil, "%d:%d", seed, id))
		ks = append(ks, kv{id, hex.EncodeToString(h[:])})
		out[id] = "train"
	}
	if ratio <= 0 || len(ks) < 2 {
		return out
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].h < ks[j].h })
	n := int(ratio*float64(len(ks)) + 0.5)
	n = max(1, min(n, len(ks)-1))
	for _, k := range ks[:n] {
		out[k.id] = "test"
	}
	return out
}

// Sample is one stored example.
type Sample struct {
	ID              int64  `json:"id"`
	Hash            string `json:"hash"`
	Kind            string `json:"kind"`
	DocumentID      int64  `json:"document_id"`
	SourceID        int64  `json:"source_id"`
	DocKind         string `json:"doc_kind"`
	Platform        string `json:"platform"`
	DocTitle        string `json:"doc_title"`
	System          string `json:"system"`
	Instruction     string `json:"instruction"`
	Input           string `json:"input"`
	Output          string `json:"output"`
	Rejected        string `json:"rejected"`
	Chars           int    `json:"chars"`
	Tokens          int    `json:"tokens"`
	TokensEstimated bool   `json:"tokens_estimated"`
	EditedFrom      int64  `json:"edited_from,omitempty"`
	Split           string `json:"split"`
	Status          string `json:"status"`
}

func (sm *Sample) computeHash() {
	h := sha256.New()
	for _, f := range []string{sm.Kind, fmt.Sprint(sm.DocumentID), sm.System, sm.Instruction, sm.Input, sm.Output, sm.Rejected} {
		fmt.Fprintf(h, "%d:%s", len(f), f)
	}
	sm.Hash = hex.EncodeToString(h.Sum(nil))
	sm.Chars = len([]rune(sm.Instruction)) + len([]rune(sm.Output))
	sm.Tokens = EstimateTokens(sm.System) + EstimateTokens(sm.Instruction) + EstimateTokens(sm.Input) + EstimateTokens(sm.Output)
	sm.TokensEstimated = true
}

func (s *Service) saveBuild(ctx context.Context, cfg BuildConfig, docs []Document, cands []Candidate, dropped map[string]int, jobID, buildID int64,
	tc TokenCounter, tokNote string) (*BuildResult, error) {
	var ids []int64
	seen := map[int64]bool{}
	for _, c := range cands {
		if !seen[c.Doc.ID] {
			seen[c.Doc.ID] = true
			ids = append(ids, c.Doc.ID)
		}
	}
	split := Split(ids, cfg.TestRatio, cfg.Seed)
	samples := make([]Sample, len(cands))
	for i, c := range cands {
		sm := Sample{Kind: cfg.Kind(), DocumentID: c.Doc.ID, SourceID: c.Doc.SourceID, DocKind: c.Doc.Kind, Platform: c.Doc.Platform,
			DocTitle: c.Doc.Title, System: cfg.System, Instruction: c.Pair.Instruction, Input: c.Pair.Input, Output: c.Pair.Output,
			Rejected: c.Pair.Rejected, Split: split[c.Doc.ID], Status: "pending"}
		sm.computeHash()
		samples[i] = sm
	}
	tokenizer := ""
	if tc != nil {
		if err := countTokens(ctx, tc, samples); err != nil {
			// The estimate stays, labelled, with the reason.
			for i := range samples {
				samples[i].computeHash()
			}
			tokNote = err.Error()
		} else {
			tokenizer = tc.Name()
		}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode dataset config: %w", err)
	}
	var docRows []versionDoc
	for _, d := range docs {
		if sp, ok := split[d.ID]; ok {
			docRows = append(docRows, versionDoc{d.ID, d.ContentHash, sp})
		}
	}
	v := newVersion{Parent: "", Kind: cfg.Kind(), Generator: cfg.Generator, Model: cfg.Model, Config: cfgJSON, Note: "build",
		JobID: jobID, Dropped: dropped, Samples: samples, Docs: docRows, Tokenizer: tokenizer, TokenizerNote: tokNote}
	id, existed, err := s.storeVersion(ctx, v)
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE dataset_builds SET version_id=?, updated_at=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id=?`, id, buildID); err != nil {
		return nil, fmt.Errorf("record dataset build: %w", err)
	}
	res := &BuildResult{Version: id, Dropped: dropped, Existed: existed}
	for _, sm := range samples {
		if sm.Split == "test" {
			res.Test++
		} else {
			res.Train++
		}
	}
	return res, nil
}

type versionDoc struct {
	ID    int64
	Hash  string
	Split string
}

type newVersion struct {
	Parent, Kind, Generator, Model string
	Config                         json.RawMessage
	Note                           string
	JobID                          int64
	Dropped                        map[string]int
	Samples                        []Sample
	Docs                           []versionDoc
	// Tokenizer names what counted the tokens ("" = the estimate), and
	// TokenizerNote says why a requested tokenizer was not used.
	Tokenizer, TokenizerNote string
}

// versionID hashes the config and the samples with their split and status.
func versionID(config []byte, samples []Sample) string {
	h := sha256.New()
	h.Write(config)
	for _, sm := range samples {
		fmt.Fprintf(h, "\n%s %s %s", sm.Hash, sm.Split, sm.Status)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// storeVersion writes samples and the version in one transaction. An
// identical version (same id) is not written again.
func (s *Service) storeVersion(ctx context.Context, v newVersion) (string, bool, error) {
	id := versionID(v.Config, v.Samples)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", false, fmt.Errorf("store dataset version: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM dataset_versions WHERE id=?`, id).Scan(&n); err != nil {
		return "", false, fmt.Errorf("store dataset version: %w", err)
	}
	if n > 0 {
		return id, true, nil
	}
	stats := computeStats(v.Samples, v.Dropped)
	if !stats.TokensEstimated {
		stats.Tokenizer = v.Tokenizer
	}
	stats.TokenizerNote = v.TokenizerNote
	statsJSON, _ := json.Marshal(stats)
	var parent, job any
	if v.Parent != "" {
		parent = v.Parent
	}
	if v.JobID > 0 {
		job = v.JobID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO dataset_versions(id, parent_id, kind, generator, model, config, stats, train_count, test_count, note, job_id, created_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, id, parent, v.Kind, v.Generator, v.Model, string(v.Config), string(statsJSON),
		stats.Train, stats.Test, v.Note, job, time.Now().UTC().Format("2006-01-02T15:04:05.000Z")); err != nil {
		return "", false, fmt.Errorf("store dataset version %s: %w", short(id), err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO dataset_samples(hash, kind, document_id, source_id, doc_kind, platform, doc_title, system, instruction, input, output, rejected, chars, tokens, tokens_estimated, edited_from)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(hash) DO UPDATE SET
			tokens = CASE WHEN dataset_samples.tokens_estimated = 1 AND excluded.tokens_estimated = 0 THEN excluded.tokens ELSE dataset_samples.tokens END,
			tokens_estimated = min(dataset_samples.tokens_estimated, excluded.tokens_estimated)
		RETURNING id`)
	if err != nil {
		return "", false, fmt.Errorf("store samples: %w", err)
	}
	defer ins.Close()
	mem, err := tx.PrepareContext(ctx, `INSERT INTO dataset_version_samples(version_id, sample_id, ord, split, status) VALUES (?,?,?,?,?)
		ON CONFLICT(version_id, sample_id) DO NOTHING`)
	if err != nil {
		return "", false, fmt.Errorf("store samples: %w", err)
	}
	defer mem.Close()
	for i := range v.Samples {
		sm := &v.Samples[i]
		if sm.ID == 0 {
			var doc, src, from any
			if sm.DocumentID > 0 {
				doc = sm.DocumentID
			}
			if sm.SourceID > 0 {
				src = sm.SourceID
			}
			if sm.EditedFrom > 0 {
				from = sm.EditedFrom
			}
			if err := ins.QueryRowContext(ctx, sm.Hash, sm.Kind, doc, src, sm.DocKind, sm.Platform, sm.DocTitle, sm.System, sm.Instruction,
				sm.Input, sm.Output, sm.Rejected, sm.Chars, sm.Tokens, sm.TokensEstimated, from).Scan(&sm.ID); err != nil {
				return "", false, fmt.Errorf("store sample: %w", err)
			}
		}
		if _, err := mem.ExecContext(ctx, id, sm.ID, i, sm.Split, sm.Status); err != nil {
			return "", false, fmt.Errorf("store sample of version %s: %w", short(id), err)
		}
	}
	dins, err := tx.PrepareContext(ctx, `INSERT INTO dataset_version_documents(version_id, document_id, content_hash, split) VALUES (?,?,?,?)`)
	if err != nil {
		return "", false, fmt.Errorf("store version documents: %w", err)
	}
	defer dins.Close()
	for _, d := range v.Docs {
		if _, err := dins.ExecContext(ctx, id, d.ID, d.Hash, d.Split); err != nil {
			return "", false, fmt.Errorf("store version documents: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return "", false, fmt.Errorf("store dataset version %s: %w", short(id), err)
	}
	return id, false, nil
}
