package dataset

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Export formats.
const (
	FormatMessages   = "messages"
	FormatAlpaca     = "alpaca"
	FormatShareGPT   = "sharegpt"
	FormatPreference = "preference"
)

// Formats lists the export formats.
var Formats = []string{FormatMessages, FormatAlpaca, FormatShareGPT, FormatPreference}

// ErrExportExists is returned when the export folder exists and is not empty.
var ErrExportExists = errors.New("export folder exists and is not empty")

// ExportRequest says what to export where.
type ExportRequest struct {
	Format string `json:"format"`
	// Dir is the folder to create (train.jsonl, test.jsonl, README.md).
	Dir string `json:"dir"`
	// Force replaces an existing non-empty folder.
	Force bool `json:"force,omitempty"`
}

// ExportResult describes a finished export.
type ExportResult struct {
	Version string `json:"version"`
	Format  string `json:"format"`
	Dir     string `json:"dir"`
	Train   int    `json:"train"`
	Test    int    `json:"test"`
	// Rejected samples are left out.
	Rejected int   `json:"rejected"`
	Bytes    int64 `json:"bytes"`
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type sharegptTurn struct {
	From  string `json:"from"`
	Value string `json:"value"`
}

func record(format string, sm Sample) (any, error) {
	user := sm.Instruction
	if sm.Input != "" {
		user += "\n\n" + sm.Input
	}
	switch format {
	case FormatMessages:
		msgs := []message{}
		if sm.System != "" {
			msgs = append(msgs, message{"system", sm.System})
		}
		msgs = append(msgs, message{"user", user}, message{"assistant", sm.Output})
		return struct {
			Messages []message `json:"messages"`
		}{msgs}, nil
	case FormatAlpaca:
		return struct {
			Instruction string `json:"instruction"`
			Input       string `json:"input"`
			Output      string `json:"output"`
		}{sm.Instruction, sm.Input, sm.Output}, nil
	case FormatShareGPT:
		turns := []sharegptTurn{}
		if sm.System != "" {
			turns = append(turns, sharegptTurn{"system", sm.System})
		}
		turns = append(turns, sharegptTurn{"human", user}, sharegptTurn{"gpt", sm.Output})
		return struct {
			Conversations []sharegptTurn `json:"conversations"`
		}{turns}, nil
	case FormatPreference:
		if sm.Kind != KindPreference {
			return nil, errors.New("the preference format needs a preference dataset (build one with --generator preference)")
		}
		prompt := user
		return struct {
			Prompt   string `json:"prompt"`
			Chosen   string `json:"chosen"`
			Rejected string `json:"rejected"`
		}{prompt, sm.Output, sm.Rejected}, nil
	}
	return nil, fmt.Errorf("unknown export format %q (want %s)", format, strings.Join(Formats, ", "))
}

// Export writes a version as a folder with train.jsonl, test.jsonl and a
// dataset card (README.md). Rejected samples are left out. The folder is
// written beside its final place and renamed into it, so a failed export
// leaves no half-written folder; an existing non-empty folder is refused
// unless Force is set.
func (s *Service) Export(ctx context.Context, version string, req ExportRequest) (*ExportResult, error) {
	if _, err := record(req.Format, Sample{Kind: KindPreference}); err != nil {
		return nil, err
	}
	if req.Dir == "" {
		return nil, errors.New("export: an output folder is required")
	}
	dir, err := filepath.Abs(req.Dir)
	if err != nil {
		return nil, fmt.Errorf("export folder %s: %w", req.Dir, err)
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 && !req.Force {
		return nil, fmt.Errorf("%s: %w (choose another folder, or use --force to replace it)", dir, ErrExportExists)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("export folder %s: %w", dir, err)
	}
	v, err := s.Version(ctx, version)
	if err != nil {
		return nil, err
	}
	if req.Format == FormatPreference && v.Kind != KindPreference {
		return nil, fmt.Errorf("version %s is an %s dataset: the preference format needs a preference dataset (build one with --generator preference)", short(v.ID), v.Kind)
	}
	samples, err := s.allSamples(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("export folder %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("export folder %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	res := &ExportResult{Version: v.ID, Format: req.Format, Dir: dir}
	files := map[string]*bufio.Writer{}
	var closers []*os.File
	for _, name := range []string{"train", "test"} {
		f, err := os.Create(filepath.Join(tmp, name+".jsonl"))
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
		closers = append(closers, f)
		files[name] = bufio.NewWriterSize(f, 1<<20)
	}
	defer func() {
		for _, f := range closers {
			f.Close()
		}
	}()
	for i, sm := range samples {
		if i%1000 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if sm.Status == "rejected" {
			res.Rejected++
			continue
		}
		rec, err := record(req.Format, sm)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("export sample %d: %w", sm.ID, err)
		}
		w := files[sm.Split]
		w.Write(b)
		w.WriteByte('\n')
		if sm.Split == "test" {
			res.Test++
		} else {
			res.Train++
		}
	}
	for name, w := range files {
		if err := w.Flush(); err != nil {
			return nil, fmt.Errorf("export %s.jsonl: %w", name, err)
		}
	}
	for _, f := range closers {
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("export %s: %w", f.Name(), err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("export %s: %w", f.Name(), err)
		}
	}
	closers = nil
	docs, err := s.Documents(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "README.md"), []byte(datasetCard(v, res, docs)), 0o644); err != nil {
		return nil, fmt.Errorf("export README.md: %w", err)
	}
	for _, n := range []string{"train.jsonl", "test.jsonl", "README.md"} {
		if fi, err := os.Stat(filepath.Join(tmp, n)); err == nil {
			res.Bytes += fi.Size()
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("replace export folder %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("export folder %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export folder %s: %w", dir, err)
	}
	return res, nil
}

// datasetCard is the README.md of an export: a Hugging Face dataset card
// (its YAML header tells `datasets` which file is which split) with counts
// and provenance.
func datasetCard(v *Version, res *ExportResult, docs []VersionDocument) string {
	var b strings.Builder
	b.WriteString("---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: train.jsonl\n")
	if res.Test > 0 {
		b.WriteString("  - split: test\n    path: test.jsonl\n")
	}
	b.WriteString("---\n\n")
	fmt.Fprintf(&b, "# Doppel dataset %s\n\n", short(v.ID))
	fmt.Fprintf(&b, "A %s dataset built by Doppel from the author's own writing, exported in the **%s** format.\n\n", v.Kind, res.Format)
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| version | `%s` |\n", v.ID)
	if v.ParentID != "" {
		fmt.Fprintf(&b, "| parent version | `%s` |\n", v.ParentID)
	}
	fmt.Fprintf(&b, "| note | %s |\n", v.Note)
	fmt.Fprintf(&b, "| generator | %s |\n", v.Generator)
	if v.Model != "" {
		fmt.Fprintf(&b, "| model | %s |\n", v.Model)
	}
	fmt.Fprintf(&b, "| created | %s |\n", v.CreatedAt.Format(time.RFC3339))
	fmt.Fprintf(&b, "| train samples | %d |\n| test samples | %d |\n| rejected (not exported) | %d |\n", res.Train, res.Test, res.Rejected)
	fmt.Fprintf(&b, "| documents | %d (split by document: none is on both sides) |\n", len(docs))
	fmt.Fprintf(&b, "| tokens | %d (%s) |\n\n", v.Stats.Tokens, strings.ReplaceAll(v.Stats.TokensLabel(), "|", "/"))
	b.WriteString("## Dropped while building\n\n")
	if len(v.Stats.Dropped) == 0 {
		b.WriteString("Nothing was dropped.\n\n")
	} else {
		b.WriteString("| reason | count |\n|---|---|\n")
		for _, k := range sortedKeys(v.Stats.Dropped) {
			fmt.Fprintf(&b, "| %s | %d |\n", k, v.Stats.Dropped[k])
		}
		b.WriteString("\n")
	}
	b.WriteString("## Samples by document kind\n\n| kind | count |\n|---|---|\n")
	for _, k := range sortedKeys(v.Stats.ByKind) {
		fmt.Fprintf(&b, "| %s | %d |\n", k, v.Stats.ByKind[k])
	}
	b.WriteString("\n## Configuration\n\n```json\n")
	var pretty strings.Builder
	var cfg any
	if json.Unmarshal(v.Config, &cfg) == nil {
		enc := json.NewEncoder(&pretty)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(cfg)
	}
	b.WriteString(pretty.String())
	b.WriteString("```\n\n## Documents\n\n| id | split | title | content sha256 |\n|---|---|---|---|\n")
	sort.Slice(docs, func(i, j int) bool { return docs[i].DocumentID < docs[j].DocumentID })
	for _, d := range docs {
		fmt.Fprintf(&b, "| %d | %s | %s | `%s` |\n", d.DocumentID, d.Split, strings.ReplaceAll(d.Title, "|", "\\|"), short(d.ContentHash))
	}
	return b.String()
}
