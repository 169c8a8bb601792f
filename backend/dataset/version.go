package dataset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrVersionNotFound is returned for an unknown version id or prefix.
var ErrVersionNotFound = errors.New("dataset version not found")

// ErrNoChange is returned by Edit when the edits change nothing.
var ErrNoChange = errors.New("the edits change nothing")

// Stats summarize a version.
type Stats struct {
	Samples int            `json:"samples"`
	Train   int            `json:"train"`
	Test    int            `json:"test"`
	Dropped map[string]int `json:"dropped"`
	// BySource counts samples by source id ("0" = no source).
	BySource map[string]int `json:"by_source"`
	// ByKind counts samples by document kind.
	ByKind   map[string]int `json:"by_kind"`
	ByStatus map[string]int `json:"by_status"`
	// Documents is the number of documents with samples.
	Documents int `json:"documents"`
	Tokens    int `json:"tokens"`
	// TokensEstimated is true when Tokens is a chars/4 estimate.
	TokensEstimated bool `json:"tokens_estimated"`
	// Tokenizer is the model whose tokenizer counted Tokens ("smollm2:135m")
	// when they are not an estimate.
	Tokenizer string `json:"tokenizer,omitempty"`
	// TokenizerNote says why a tokenizer that was asked for did not count
	// (the model is missing, its tokenizer type is not supported, ...).
	TokenizerNote string `json:"tokenizer_note,omitempty"`
	// Lengths is a histogram of answer lengths (characters).
	Lengths Histogram `json:"lengths"`
}

// TokensLabel says what Tokens are: "smollm2:135m tokenizer", or the
// estimate (with the reason a tokenizer was not used, if one was asked for).
func (st Stats) TokensLabel() string {
	if !st.TokensEstimated && st.Tokenizer != "" {
		return st.Tokenizer + " tokenizer"
	}
	if st.TokenizerNote != "" {
		return "estimate: characters / 4; " + st.TokenizerNote
	}
	return "estimate: characters / 4"
}

// Histogram has fixed-width bins starting at 0.
type Histogram struct {
	BinWidth int   `json:"bin_width"`
	Counts   []int `json:"counts"`
}

func histogram(lengths []int) Histogram {
	mx := 0
	for _, l := range lengths {
		mx = max(mx, l)
	}
	const bins = 24
	w := max(50, (mx/bins+49)/50*50)
	h := Histogram{BinWidth: w, Counts: make([]int, mx/w+1)}
	for _, l := range lengths {
		h.Counts[l/w]++
	}
	return h
}

func computeStats(samples []Sample, dropped map[string]int) Stats {
	st := Stats{Samples: len(samples), Dropped: dropped, BySource: map[string]int{}, ByKind: map[string]int{}, ByStatus: map[string]int{}, TokensEstimated: false}
	if st.Dropped == nil {
		st.Dropped = map[string]int{}
	}
	docs := map[int64]bool{}
	lengths := make([]int, 0, len(samples))
	for _, sm := range samples {
		if sm.Split == "test" {
			st.Test++
		} else {
			st.Train++
		}
		st.BySource[fmt.Sprint(sm.SourceID)]++
		st.ByKind[sm.DocKind]++
		st.ByStatus[sm.Status]++
		docs[sm.DocumentID] = true
		st.Tokens += sm.Tokens
		st.TokensEstimated = st.TokensEstimated || sm.TokensEstimated
		lengths = append(lengths, len([]rune(sm.Output)))
	}
	st.Documents = len(docs)
	st.Lengths = histogram(lengths)
	return st
}

// Version is one immutable dataset version.
type Version struct {
	ID        string          `json:"id"`
	ParentID  string          `json:"parent_id,omitempty"`
	Kind      string          `json:"kind"`
	Generator string          `json:"generator"`
	Model     string          `json:"model"`
	Config    json.RawMessage `json:"config"`
	Stats     Stats           `json:"stats"`
	Train     int             `json:"train"`
	Test      int             `json:"test"`
	Note      string          `json:"note"`
	JobID     int64           `json:"job_id,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

const versionCols = `id, COALESCE(parent_id,''), kind, generator, model, config, stats, train_count, test_count, note, COALESCE(job_id,0), created_at`

func scanVersion(r interface{ Scan(...any) error }) (*Version, error) {
	var v Version
	var cfg, stats, created string
	if err := r.Scan(&v.ID, &v.ParentID, &v.Kind, &v.Generator, &v.Model, &cfg, &stats, &v.Train, &v.Test, &v.Note, &v.JobID, &created); err != nil {
		return nil, err
	}
	v.Config = json.RawMessage(cfg)
	if err := json.Unmarshal([]byte(stats), &v.Stats); err != nil {
		return nil, fmt.Errorf("version %s: bad stats: %w", short(v.ID), err)
	}
	v.CreatedAt, _ = time.Parse("2006-01-02T15:04:05.000Z", created)
	return &v, nil
}

// Versions lists versions, newest first.
func (s *Service) Versions(ctx context.Context) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+versionCols+` FROM dataset_versions ORDER BY created_at DESC, rowid DESC`)
	if err != nil {
		return nil, fmt.Errorf("list dataset versions: %w", err)
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("list dataset versions: %w", err)
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// Version returns one version by id or unique id prefix (at least 4 hex
// characters, as printed by the CLI).
func (s *Service) Version(ctx context.Context, id string) (*Version, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 4 || strings.Trim(id, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("version %q: %w (give at least 4 hex characters of its id)", id, ErrVersionNotFound)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+versionCols+` FROM dataset_versions WHERE id >= ? AND id < ? LIMIT 2`, id, id+"g")
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", id, err)
	}
	defer rows.Close()
	var found []*Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		found = append(found, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("version %s: %w", id, ErrVersionNotFound)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("version prefix %s is ambiguous: give more characters", id)
}

// SampleQuery filters a version's samples.
type SampleQuery struct {
	// Search matches instruction or answer text (case-insensitive).
	Search   string `json:"search,omitempty"`
	SourceID int64  `json:"source_id,omitempty"`
	DocKind  string `json:"doc_kind,omitempty"`
	// Status is pending, approved or rejected.
	Status string `json:"status,omitempty"`
	Split  string `json:"split,omitempty"`
	// MinChars and MaxChars bound the answer length.
	MinChars int `json:"min_chars,omitempty"`
	MaxChars int `json:"max_chars,omitempty"`
	Offset   int `json:"offset,omitempty"`
	// Limit defaults to 100 and is capped at 1000.
	Limit int `json:"limit,omitempty"`
}

// SamplePage is a window of a version's samples.
type SamplePage struct {
	Total int      `json:"total"`
	Items []Sample `json:"items"`
}

const sampleCols = `s.id, s.hash, s.kind, COALESCE(s.document_id,0), COALESCE(s.source_id,0), s.doc_kind, s.platform, s.doc_title, s.system,
	s.instruction, s.input, s.output, s.rejected, s.chars, s.tokens, s.tokens_estimated, COALESCE(s.edited_from,0), m.split, m.status`

func scanSample(r interface{ Scan(...any) error }) (Sample, error) {
	var sm Sample
	err := r.Scan(&sm.ID, &sm.Hash, &sm.Kind, &sm.DocumentID, &sm.SourceID, &sm.DocKind, &sm.Platform, &sm.DocTitle, &sm.System,
		&sm.Instruction, &sm.Input, &sm.Output, &sm.Rejected, &sm.Chars, &sm.Tokens, &sm.TokensEstimated, &sm.EditedFrom, &sm.Split, &sm.Status)
	return sm, err
}

func (q SampleQuery) where(version string) (string, []any) {
	w := ` FROM dataset_version_samples m JOIN dataset_samples s ON s.id = m.sample_id WHERE m.version_id = ?`
	args := []any{version}
	if q.Search != "" {
		w += ` AND (instr(lower(s.instruction), ?) > 0 OR instr(lower(s.output), ?) > 0)`
		l := strings.ToLower(q.Search)
		args = append(args, l, l)
	}
	if q.SourceID != 0 {
		w += ` AND s.source_id = ?`
		args = append(args, q.SourceID)
	}
	if q.DocKind != "" {
		w += ` AND s.doc_kind = ?`
		args = append(args, q.DocKind)
	}
	if q.Status != "" {
		w += ` AND m.status = ?`
		args = append(args, q.Status)
	}
	if q.Split != "" {
		w += ` AND m.split = ?`
		args = append(args, q.Split)
	}
	if q.MinChars > 0 {
		w += ` AND length(s.output) >= ?`
		args = append(args, q.MinChars)
	}
	if q.MaxChars > 0 {
		w += ` AND length(s.output) <= ?`
		args = append(args, q.MaxChars)
	}
	return w, args
}

// Samples returns a window of a version's samples in version order.
func (s *Service) Samples(ctx context.Context, version string, q SampleQuery) (*SamplePage, error) {
	v, err := s.Version(ctx, version)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 1000)
	q.Offset = max(q.Offset, 0)
	w, args := q.where(v.ID)
	page := &SamplePage{Items: []Sample{}}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*)`+w, args...).Scan(&page.Total); err != nil {
		return nil, fmt.Errorf("count samples of %s: %w", short(v.ID), err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sampleCols+w+` ORDER BY m.ord LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("read samples of %s: %w", short(v.ID), err)
	}
	defer rows.Close()
	for rows.Next() {
		sm, err := scanSample(rows)
		if err != nil {
			return nil, fmt.Errorf("read samples of %s: %w", short(v.ID), err)
		}
		page.Items = append(page.Items, sm)
	}
	return page, rows.Err()
}

// allSamples returns every sample of a version in order.
func (s *Service) allSamples(ctx context.Context, id string) ([]Sample, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sampleCols+` FROM dataset_version_samples m JOIN dataset_samples s ON s.id = m.sample_id
		WHERE m.version_id = ? ORDER BY m.ord`, id)
	if err != nil {
		return nil, fmt.Errorf("read samples of %s: %w", short(id), err)
	}
	defer rows.Close()
	var out []Sample
	for rows.Next() {
		sm, err := scanSample(rows)
		if err != nil {
			return nil, fmt.Errorf("read samples of %s: %w", short(id), err)
		}
		out = append(out, sm)
	}
	return out, rows.Err()
}

// SampleEdit changes one sample: its text (making a new sample) and/or its
// review status. Nil fields are left as they are.
type SampleEdit struct {
	SampleID    int64   `json:"sample_id"`
	Instruction *string `json:"instruction,omitempty"`
	Output      *string `json:"output,omitempty"`
	Rejected    *string `json:"rejected,omitempty"`
	// Status is pending, approved or rejected.
	Status *string `json:"status,omitempty"`
}

// EditRequest is a batch of edits that becomes one new version.
type EditRequest struct {
	Edits []SampleEdit `json:"edits"`
	// Note describes the edit ("" = a summary is written).
	Note string `json:"note,omitempty"`
}

// Edit applies edits to a version and stores the result as a new child
// version. The parent is never changed. An edit naming a sample that is
// not in the version is an error; edits that change nothing give ErrNoChange.
func (s *Service) Edit(ctx context.Context, version string, req EditRequest) (*Version, error) {
	parent, err := s.Version(ctx, version)
	if err != nil {
		return nil, err
	}
	if len(req.Edits) == 0 {
		return nil, fmt.Errorf("edit version %s: %w (no edits given)", short(parent.ID), ErrNoChange)
	}
	samples, err := s.allSamples(ctx, parent.ID)
	if err != nil {
		return nil, err
	}
	idx := make(map[int64]int, len(samples))
	for i, sm := range samples {
		idx[sm.ID] = i
	}
	texts, statuses := 0, map[string]int{}
	for _, e := range req.Edits {
		i, ok := idx[e.SampleID]
		if !ok {
			return nil, fmt.Errorf("edit version %s: sample %d is not in it", short(parent.ID), e.SampleID)
		}
		sm := &samples[i]
		if e.Status != nil {
			switch *e.Status {
			case "pending", "approved", "rejected":
			default:
				return nil, fmt.Errorf("edit sample %d: status %q: want pending, approved or rejected", e.SampleID, *e.Status)
			}
			if sm.Status != *e.Status {
				sm.Status = *e.Status
				statuses[*e.Status]++
			}
		}
		changed := false
		set := func(dst *string, v *string) {
			if v != nil && *v != *dst {
				*dst = *v
				changed = true
			}
		}
		old := *sm
		set(&sm.Instruction, e.Instruction)
		set(&sm.Output, e.Output)
		set(&sm.Rejected, e.Rejected)
		if changed {
			if strings.TrimSpace(sm.Instruction) == "" || strings.TrimSpace(sm.Output) == "" {
				return nil, fmt.Errorf("edit sample %d: instruction and answer must not be empty", e.SampleID)
			}
			if sm.Kind == KindPreference && strings.TrimSpace(sm.Rejected) == "" {
				return nil, fmt.Errorf("edit sample %d: a preference sample needs a rejected answer", e.SampleID)
			}
			sm.computeHash()
			if sm.Hash != old.Hash {
				sm.EditedFrom = old.ID
				sm.ID = 0
				texts++
			}
		}
	}
	note := req.Note
	if note == "" {
		var parts []string
		if texts > 0 {
			parts = append(parts, fmt.Sprintf("edited %d", texts))
		}
		for _, st := range sortedKeys(statuses) {
			parts = append(parts, fmt.Sprintf("%s %d", st, statuses[st]))
		}
		note = strings.Join(parts, ", ")
	}
	docs, err := s.versionDocs(ctx, parent.ID)
	if err != nil {
		return nil, err
	}
	// Edited samples are counted with the parent's tokenizer (if it is
	// still available; otherwise they are estimates and the stats say so).
	tokNote := parent.Stats.TokenizerNote
	if parent.Stats.Tokenizer != "" && texts > 0 {
		var edited []int
		for i := range samples {
			if samples[i].ID == 0 {
				edited = append(edited, i)
			}
		}
		tc, note := s.tokenCounter(ctx, parent.Stats.Tokenizer)
		if tc != nil {
			sub := make([]Sample, len(edited))
			for j, i := range edited {
				sub[j] = samples[i]
			}
			if err := countTokens(ctx, tc, sub); err != nil {
				note = err.Error()
			} else {
				for j, i := range edited {
					samples[i] = sub[j]
				}
			}
		}
		if note != "" {
			tokNote = note
		}
	}
	id, existed, err := s.storeVersion(ctx, newVersion{Parent: parent.ID, Kind: parent.Kind, Generator: parent.Generator, Model: parent.Model,
		Config: parent.Config, Note: note, Dropped: parent.Stats.Dropped, Samples: samples, Docs: docs,
		Tokenizer: parent.Stats.Tokenizer, TokenizerNote: tokNote})
	if err != nil {
		return nil, err
	}
	if id == parent.ID {
		return nil, fmt.Errorf("edit version %s: %w", short(parent.ID), ErrNoChange)
	}
	_ = existed // an identical edit made before gives back that version
	return s.Version(ctx, id)
}

func (s *Service) versionDocs(ctx context.Context, id string) ([]versionDoc, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT document_id, content_hash, split FROM dataset_version_documents WHERE version_id=? ORDER BY document_id`, id)
	if err != nil {
		return nil, fmt.Errorf("read documents of version %s: %w", short(id), err)
	}
	defer rows.Close()
	var out []versionDoc
	for rows.Next() {
		var d versionDoc
		if err := rows.Scan(&d.ID, &d.Hash, &d.Split); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// VersionDocument is a document a version was built from.
type VersionDocument struct {
	DocumentID  int64  `json:"document_id"`
	ContentHash string `json:"content_hash"`
	Split       string `json:"split"`
	Title       string `json:"title"`
	URL         string `json:"url"`
}

// Documents lists the documents a version was built from.
func (s *Service) Documents(ctx context.Context, version string) ([]VersionDocument, error) {
	v, err := s.Version(ctx, version)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT vd.document_id, vd.content_hash, vd.split, COALESCE(d.title,''), COALESCE(d.url,'')
		FROM dataset_version_documents vd LEFT JOIN documents d ON d.id = vd.document_id WHERE vd.version_id=? ORDER BY vd.document_id`, v.ID)
	if err != nil {
		return nil, fmt.Errorf("read documents of version %s: %w", short(v.ID), err)
	}
	defer rows.Close()
	out := []VersionDocument{}
	for rows.Next() {
		var d VersionDocument
		if err := rows.Scan(&d.DocumentID, &d.ContentHash, &d.Split, &d.Title, &d.URL); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
