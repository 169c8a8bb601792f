package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/dataset"
	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
)

func init() {
	dc := &cobra.Command{Use: "dataset", Short: "Build, list, show and export instruct and preference datasets"}

	var cfg dataset.BuildConfig
	build := &cobra.Command{
		Use:   "build",
		Short: "Build a dataset version from your documents",
		Long: "Build a dataset version from every document that is not excluded. The heuristic generator needs no model;\n" +
			"llm and preference use a local Ollama model (--llm). A killed or failed build resumes with `doppel jobs resume ID`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Normalize(); err != nil {
				return err
			}
			return withApp(cmd, func(app *doppel.App) error {
				p := newProgress()
				job, runErr := app.Jobs.Execute(cmd.Context(), doppel.KindDatasetBuild, "Build "+cfg.Generator+" dataset", cfg, func(ev jobs.Progress) { _ = p.Report(ev) })
				p.Done()
				if runErr != nil {
					if job != nil {
						return fmt.Errorf("%w (job %d)", runErr, job.ID)
					}
					return runErr
				}
				var res dataset.BuildResult
				if err := json.Unmarshal(job.Result, &res); err != nil {
					return fmt.Errorf("read build result of job %d: %w", job.ID, err)
				}
				if res.Dropped == nil {
					res.Dropped = map[string]int{}
				}
				if g.json {
					return printJSON(res)
				}
				fmt.Printf("version %s: %d train, %d test", res.Version, res.Train, res.Test)
				if res.Existed {
					fmt.Print(" (identical to an existing version)")
				}
				fmt.Println()
				printDropped(res.Dropped)
				return nil
			})
		},
	}
	build.Flags().StringVar(&cfg.Generator, "generator", dataset.GenHeuristic, "heuristic, llm or preference")
	build.Flags().StringVar(&cfg.Model, "llm", "", "Ollama model for the llm and preference generators")
	build.Flags().IntVar(&cfg.PairsPerChunk, "pairs-per-chunk", 1, "1: the extract is the answer; N>1: the model writes N pairs per extract")
	build.Flags().Float64Var(&cfg.TestRatio, "test-ratio", 0.1, "share of documents in the test split (-1: none)")
	build.Flags().Int64Var(&cfg.Seed, "seed", 42, "split seed")
	build.Flags().StringVar(&cfg.Filters.Language, "language", "", "keep answers in this ISO 639-3 language (default: the documents' majority; any: no filter)")
	build.Flags().StringVar(&cfg.System, "system", "", "system message of every sample")
	build.Flags().IntVar(&cfg.Attempts, "attempts", 0, "llm only: most model calls per extract (default 3; 1 = no retries: faster, fewer pairs)")
	build.Flags().StringVar(&cfg.From, "from", "", "preference only: answer the instructions of this instruct VERSION (e.g. an llm-generated one) instead of heuristic ones")
	build.Flags().StringVar(&cfg.Tokenizer, "tokenizer", "", "Ollama model whose tokenizer counts tokens, normally your base model (default: the training default base for llm and preference builds, an estimate for heuristic ones; none: estimate)")
	dc.AddCommand(build)

	dc.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List dataset versions, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				vs, err := app.Datasets.Versions(cmd.Context())
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(vs)
				}
				if len(vs) == 0 {
					fmt.Println("no dataset versions yet: `doppel dataset build`")
					return nil
				}
				fmt.Printf("%-14s %-11s %-10s %-16s %7s %6s  %-20s %s\n", "VERSION", "KIND", "GENERATOR", "MODEL", "TRAIN", "TEST", "CREATED", "NOTE")
				for _, v := range vs {
					fmt.Printf("%-14s %-11s %-10s %-16s %7d %6d  %-20s %s\n", v.ID[:12], v.Kind, v.Generator, v.Model, v.Train, v.Test,
						v.CreatedAt.Local().Format(time.DateTime), v.Note)
				}
				return nil
			})
		},
	})

	dc.AddCommand(&cobra.Command{
		Use:   "show VERSION",
		Short: "Show a version: provenance, counts, dropped samples by reason",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				v, err := app.Datasets.Version(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(v)
				}
				fmt.Printf("version    %s\n", v.ID)
				if v.ParentID != "" {
					fmt.Printf("parent     %s\n", v.ParentID)
				}
				fmt.Printf("kind       %s\ngenerator  %s\n", v.Kind, v.Generator)
				if v.Model != "" {
					fmt.Printf("model      %s\n", v.Model)
				}
				fmt.Printf("created    %s\nnote       %s\n", v.CreatedAt.Local().Format(time.DateTime), v.Note)
				if v.JobID > 0 {
					fmt.Printf("job        %d\n", v.JobID)
				}
				fmt.Printf("samples    %d (%d train, %d test) from %d documents\n", v.Stats.Samples, v.Train, v.Test, v.Stats.Documents)
				fmt.Printf("tokens     %d (%s)\n", v.Stats.Tokens, v.Stats.TokensLabel())
				fmt.Printf("by kind    %s\n", counts(v.Stats.ByKind))
				fmt.Printf("by status  %s\n", counts(v.Stats.ByStatus))
				printDropped(v.Stats.Dropped)
				fmt.Printf("config     %s\n", string(v.Config))
				return nil
			})
		},
	})

	var exp dataset.ExportRequest
	export := &cobra.Command{
		Use:   "export VERSION",
		Short: "Export a version as a folder: train.jsonl, test.jsonl and README.md",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				res, err := app.Datasets.Export(cmd.Context(), args[0], exp)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(res)
				}
				fmt.Printf("exported %s as %s to %s: %d train, %d test (%d rejected left out), %s\n", res.Version[:12], res.Format, res.Dir,
					res.Train, res.Test, res.Rejected, humanBytes(res.Bytes))
				return nil
			})
		},
	}
	export.Flags().StringVar(&exp.Format, "format", dataset.FormatMessages, strings.Join(dataset.Formats, ", "))
	export.Flags().StringVar(&exp.Dir, "out", "", "folder to create (must not exist or be empty)")
	export.Flags().BoolVar(&exp.Force, "force", false, "replace a non-empty --out folder")
	_ = export.MarkFlagRequired("out")
	dc.AddCommand(export)
	command(dc)
}

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func printDropped(d map[string]int) {
	fmt.Printf("dropped    %s\n", counts(d))
}
