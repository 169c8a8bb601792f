package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/search"
)

func init() {
	var embedModel string
	index := &cobra.Command{
		Use:   "index",
		Short: "Clean, chunk and embed new or changed documents into the search index",
		Long: "Brings the index up to date: new and changed documents are chunked and embedded, excluded ones leave it.\n" +
			"With --embed-model, that model becomes the embedding model; a new model gets a new vector index that\n" +
			"replaces the old one only once complete. Without an embedding model the index is BM25 (full text) only.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runJob(cmd, doppel.KindIndex, "Index documents", doppel.IndexRequest{EmbedModel: strings.TrimSpace(embedModel)})
		},
	}
	index.Flags().StringVar(&embedModel, "embed-model", "", "embedding model to use from now on (e.g. all-minilm:l6-v2, nomic-embed-text)")
	command(index)

	var k int
	var mode string
	var f search.Filter
	searchCmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search the indexed chunks (hybrid when an embedding model is configured, else BM25)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				hits, err := app.Search.Search(cmd.Context(), search.Query{Text: strings.Join(args, " "), K: k, Mode: search.Mode(mode), Filter: f})
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(hits)
				}
				if len(hits) == 0 {
					fmt.Println("no matches")
					return nil
				}
				for i, h := range hits {
					title := h.Title
					if title == "" {
						title = h.URL
					}
					fmt.Printf("%d. %s  (score %.4f, chunk %d)\n   %s\n   %s\n\n", i+1, title, h.Score, h.ChunkID, h.URL, snippet(h.Text, 240))
				}
				return nil
			})
		},
	}
	searchCmd.Flags().IntVar(&k, "k", 5, "number of hits")
	searchCmd.Flags().StringVar(&mode, "mode", "", "bm25, vector or hybrid (default: hybrid with an embedding model, else bm25)")
	searchCmd.Flags().StringSliceVar(&f.Kinds, "kind", nil, "only these document kinds (article, post, code, note)")
	searchCmd.Flags().StringSliceVar(&f.Platforms, "platform", nil, "only these platforms")
	command(searchCmd)

	var questions string
	var modes []string
	retrieval := &cobra.Command{
		Use:   "retrieval",
		Short: "Measure retrieval: recall@1, recall@5 and MRR per search mode over a TSV of questions",
		Long:  "The file has one question per line: the question, a TAB, and the expected document URL or a part of it.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if questions == "" {
				return errors.New("--questions FILE is required")
			}
			fh, err := os.Open(questions)
			if err != nil {
				return fmt.Errorf("open questions: %w", err)
			}
			defer fh.Close()
			qs, err := search.ReadQuestions(fh, questions)
			if err != nil {
				return err
			}
			return withApp(cmd, func(app *doppel.App) error {
				var ms []search.Mode
				for _, m := range modes {
					ms = append(ms, search.Mode(m))
				}
				if len(ms) == 0 {
					ms = []search.Mode{search.BM25}
					if _, err := search.ActiveIndex(cmd.Context(), app.Store.DB); err == nil {
						ms = append(ms, search.Vector, search.Hybrid)
					}
				}
				res, err := app.Search.Evaluate(cmd.Context(), qs, ms)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(res)
				}
				fmt.Printf("%-8s %9s %9s %9s %6s\n", "MODE", "RECALL@1", "RECALL@5", "MRR", "N")
				for _, r := range res {
					fmt.Printf("%-8s %9.3f %9.3f %9.3f %6d\n", r.Mode, r.RecallAt1, r.RecallAt5, r.MRR, r.Questions)
				}
				return nil
			})
		},
	}
	retrieval.Flags().StringVar(&questions, "questions", "", "TSV file: question<TAB>expected URL part")
	retrieval.Flags().StringSliceVar(&modes, "mode", nil, "modes to measure (default: bm25, plus vector and hybrid when indexed)")
	group("eval", "Evaluate retrieval and models").AddCommand(retrieval)
}

// group returns the top-level command name, creating it if no other file
// has: several capabilities add subcommands under `eval`.
func group(name, short string) *cobra.Command {
	for _, c := range rootCmd.Commands() {
		if c.Name() == name {
			return c
		}
	}
	c := &cobra.Command{Use: name, Short: short}
	command(c)
	return c
}

func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
