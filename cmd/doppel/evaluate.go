package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/evaluate"
	"github.com/doppelhq/doppel/backend/jobs"
)

func init() {
	var opts evaluate.Options
	var detach bool
	model := &cobra.Command{
		Use:   "model NAME",
		Short: "Evaluate a trained model against the accepted twin and its base on its test split",
		Long: `Answers the test split of the model's dataset with the model (the candidate), the
accepted twin and the base, and scores them: loss and perplexity on the author's own
text (needs the trainer environment), similarity of the answers to the author's
answers (embedding cosine with the embedding model in Settings, and ROUGE-L), style
statistics against the author's writing, and with --judge a model's 1–3 scores for
accuracy and style. The accept gate (setting eval_gate: off|auto) then advises or
accepts. Resumable: ` + "`doppel jobs resume`" + ` continues a stopped evaluation.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Model = args[0]
			return withApp(cmd, func(app *doppel.App) error {
				ctx := cmd.Context()
				if detach {
					ev, j, err := app.Evaluate.Start(ctx, opts)
					if err != nil {
						return err
					}
					if g.json {
						return printJSON(map[string]any{"evaluation": ev, "job": j})
					}
					fmt.Printf("evaluation %d queued as job %d\n", ev.ID, j.ID)
					return nil
				}
				ev, err := app.Evaluate.Create(ctx, opts)
				if err != nil {
					return err
				}
				p := newProgress()
				_, runErr := app.Evaluate.Execute(ctx, ev, func(pr jobs.Progress) { _ = p.Report(pr) })
				p.Done()
				done, err := app.Evaluate.Get(context.WithoutCancel(ctx), ev.ID)
				if err != nil {
					return err
				}
				if g.json {
					if err := printJSON(done); err != nil {
						return err
					}
				} else {
					printEvaluation(done)
				}
				return runErr
			})
		},
	}
	f := model.Flags()
	f.StringVar(&opts.Judge, "judge", "", `judge model scoring accuracy and style 1–3 (default: the eval_judge setting; "none" for no judge)`)
	f.IntVar(&opts.Samples, "samples", evaluate.DefaultSamples, "test samples to answer")
	f.IntVar(&opts.MaxTokens, "max-tokens", evaluate.DefaultMaxTokens, "max tokens per answer")
	f.BoolVar(&opts.NoLoss, "no-loss", false, "skip loss and perplexity (they need the trainer environment)")
	f.BoolVar(&detach, "detach", false, "queue the evaluation as a background job and return")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show an evaluation: scores side by side, the gate, and every answer",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("evaluation id %q: not a number", args[0])
			}
			return withApp(cmd, func(app *doppel.App) error {
				ev, err := app.Evaluate.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(ev)
				}
				printEvaluation(ev)
				for _, sm := range ev.Samples {
					fmt.Printf("\n#%d %s\n  author:    %s\n", sm.Sample, trunc(sm.Prompt, 100), trunc(sm.Reference, 100))
					for _, a := range sm.Answers {
						fmt.Printf("  %-10s %s\n", a.Role+":", trunc(a.Answer, 100))
					}
				}
				return nil
			})
		},
	}
	list := &cobra.Command{
		Use:   "list [MODEL]",
		Short: "Evaluations, newest first",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				m := ""
				if len(args) == 1 {
					m = args[0]
				}
				evs, err := app.Evaluate.List(cmd.Context(), m, 0)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(evs)
				}
				if len(evs) == 0 {
					fmt.Println("no evaluations yet: run `doppel eval model NAME` after training")
					return nil
				}
				for i := range evs {
					e := &evs[i]
					fmt.Printf("%4d  %-22s %-10s gate %s  %s\n", e.ID, e.Model, e.Status, gateWord(e.Gate), e.CreatedAt)
				}
				return nil
			})
		},
	}
	group("eval", "Evaluate retrieval and models").AddCommand(model, show, list)
}

func gateWord(gt evaluate.Gate) string {
	switch {
	case len(gt.Reasons) == 0:
		return "-"
	case gt.Accepted:
		return "passed, accepted"
	case gt.Passed:
		return "passed"
	}
	return "failed"
}

// printEvaluation prints the scores as a table: one column per model.
func printEvaluation(ev *evaluate.Evaluation) {
	fmt.Printf("evaluation %d of %s: %s\n", ev.ID, ev.Model, ev.Status)
	if ev.Error != "" {
		fmt.Printf("error: %s\n", ev.Error)
	}
	if len(ev.Scores) == 0 {
		return
	}
	row := func(label string, val func(evaluate.Score) string) {
		fmt.Printf("%-18s", label)
		for _, s := range ev.Scores {
			fmt.Printf(" %-22s", val(s))
		}
		fmt.Println()
	}
	row("", func(s evaluate.Score) string { return s.Role })
	row("model", func(s evaluate.Score) string { return trunc(s.Model, 22) })
	row("loss", func(s evaluate.Score) string { return f3(s.Loss) })
	row("perplexity", func(s evaluate.Score) string { return f3(s.Perplexity) })
	row("similarity", func(s evaluate.Score) string { return f3(s.Similarity) })
	row("ROUGE-L", func(s evaluate.Score) string { return f3(s.RougeL) })
	row("style distance", func(s evaluate.Score) string { return f3(s.StyleDistance) })
	row("judge accuracy", func(s evaluate.Score) string { return f3(s.JudgeAccuracy) })
	row("judge style", func(s evaluate.Score) string { return f3(s.JudgeStyle) })
	row("answered", func(s evaluate.Score) string { return strconv.Itoa(s.Answered) })
	for _, s := range ev.Scores {
		for _, n := range s.Notes {
			fmt.Fprintf(os.Stderr, "note (%s): %s\n", s.Role, n)
		}
	}
	if len(ev.Gate.Reasons) > 0 {
		fmt.Printf("gate (%s, against %s): %s — %s\n", ev.Gate.Mode, ev.Gate.Against, gateWord(ev.Gate), strings.Join(ev.Gate.Reasons, "; "))
	}
}
