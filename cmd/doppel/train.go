package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/llm"
	"github.com/doppelhq/doppel/backend/train"
)

func init() {
	var req train.Request
	var batch, accum, maxLen int
	var lr float64
	var detach bool
	tc := &cobra.Command{
		Use:   "train --dataset DIR_OR_VERSION",
		Short: "Fine-tune a base model on a dataset export (LoRA), then import it into Ollama as NAME:vN",
		Long: `Fine-tunes a base model with LoRA on a dataset export (train.jsonl/test.jsonl in the
messages format), merges the adapter, imports the result into Ollama as NAME:vN (a
candidate) and chats with it once. Without --base the catalog's default for this
machine is used (on a CPU-only machine: the smallest catalog chat model, smollm2:135m).
Settings not given are proposed by the trainer's hardware detection.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.Overrides == nil {
				req.Overrides = map[string]any{}
			}
			if batch > 0 {
				req.Overrides["batch_size"] = batch
			}
			if accum > 0 {
				req.Overrides["grad_accum"] = accum
			}
			if maxLen > 0 {
				req.Overrides["max_length"] = maxLen
			}
			if lr > 0 {
				req.Overrides["learning_rate"] = lr
			}
			return withApp(cmd, func(app *doppel.App) error {
				ctx := cmd.Context()
				if detach {
					r, j, err := app.Train.Start(ctx, req)
					if err != nil {
						return err
					}
					if g.json {
						return printJSON(map[string]any{"run": r, "job": j})
					}
					fmt.Printf("run %d queued as job %d\n", r.ID, j.ID)
					return nil
				}
				r, err := app.Train.Create(ctx, req)
				if err != nil {
					return err
				}
				if !g.json {
					fmt.Fprintf(os.Stderr, "run %d: %s on %s\n", r.ID, r.Base, r.Dataset)
				}
				p := newProgress()
				_, runErr := app.Train.Execute(ctx, r, func(ev jobs.Progress) { _ = p.Report(ev) })
				p.Done()
				done, err := app.Train.Get(context.WithoutCancel(cmd.Context()), r.ID)
				if err != nil {
					return err
				}
				if g.json {
					if err := printJSON(runView(done)); err != nil {
						return err
					}
				} else {
					printTrainingRun(done)
				}
				return runErr
			})
		},
	}
	f := tc.Flags()
	f.StringVar(&req.Dataset, "dataset", "", "dataset export folder (train.jsonl, test.jsonl) or dataset version")
	f.StringVar(&req.Base, "base", "", "base model: catalog name, GGUF file or model folder (default: the catalog's default for this hardware)")
	f.StringVar(&req.Backend, "backend", "auto", "auto|unsloth|peft|mlx")
	f.StringVar(&req.Name, "name", "doppel", "model name in Ollama; the version is added (NAME:vN)")
	f.IntVar(&req.MaxSteps, "max-steps", 0, "optimizer steps (default: epochs)")
	f.Float64Var(&req.Epochs, "epochs", 0, "passes over the training set (default 1)")
	f.IntVar(&batch, "batch-size", 0, "per-device batch size (default: proposed)")
	f.IntVar(&accum, "grad-accum", 0, "gradient accumulation steps (default: proposed)")
	f.IntVar(&maxLen, "max-length", 0, "max tokens per sample (default: proposed)")
	f.Float64Var(&lr, "lr", 0, "learning rate (default 2e-4)")
	f.BoolVar(&req.NoImport, "no-import", false, "do not import the result into Ollama")
	f.BoolVar(&req.Evaluate, "evaluate", false, "evaluate the imported model in the same job (see `doppel eval model`)")
	f.BoolVar(&detach, "detach", false, "queue the run as a background job and return")
	_ = tc.MarkFlagRequired("dataset")
	command(tc)

	runs := &cobra.Command{Use: "runs", Short: "Training runs: list, show, cancel, resume"}
	runs.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List training runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				rs, err := app.Train.List(cmd.Context(), 200, g.json)
				if err != nil {
					return err
				}
				if g.json {
					out := make([]runJSON, 0, len(rs))
					for _, r := range rs {
						out = append(out, runView(r))
					}
					return printJSON(out)
				}
				if len(rs) == 0 {
					fmt.Println("no training runs yet: `doppel train --dataset DIR`")
					return nil
				}
				fmt.Printf("%-5s %-10s %-16s %-10s %-8s %-8s %-16s %s\n", "ID", "STATUS", "BASE", "STEP", "LOSS", "EVAL", "MODEL", "DATASET")
				for _, r := range rs {
					fmt.Printf("%-5d %-10s %-16s %-10s %-8s %-8s %-16s %s\n", r.ID, r.Status, trunc(r.Base, 16),
						fmt.Sprintf("%d/%d", r.Step, r.TotalSteps), f3(r.Loss), f3(r.EvalLoss), r.Model, r.Dataset)
				}
				return nil
			})
		},
	})
	runs.AddCommand(&cobra.Command{
		Use:   "show ID",
		Short: "Show a run: config, settings, metrics, log tail",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRun(cmd, args, func(app *doppel.App, id int64) error {
				r, err := app.Train.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(runView(r))
				}
				printTrainingRun(r)
				fmt.Printf("config:   %s\nsettings: %s\n", r.Config, r.Settings)
				if r.LogTail != "" {
					fmt.Printf("log tail:\n%s\n", r.LogTail)
				}
				return nil
			})
		},
	})
	runs.AddCommand(&cobra.Command{
		Use:   "cancel ID",
		Short: "Stop a queued or running run (it checkpoints first, so it can be resumed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRun(cmd, args, func(app *doppel.App, id int64) error {
				r, err := app.Train.Cancel(cmd.Context(), id)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(runView(r))
				}
				fmt.Printf("run %d: cancel requested (%s)\n", id, r.Status)
				return nil
			})
		},
	})
	runs.AddCommand(&cobra.Command{
		Use:   "resume ID",
		Short: "Resume a failed or cancelled run from its last checkpoint, in the foreground",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRun(cmd, args, func(app *doppel.App, id int64) error {
				r, err := app.Train.PrepareResume(cmd.Context(), id)
				if err != nil {
					return err
				}
				p := newProgress()
				_, runErr := app.Train.Execute(cmd.Context(), r, func(ev jobs.Progress) { _ = p.Report(ev) })
				p.Done()
				done, err := app.Train.Get(context.WithoutCancel(cmd.Context()), id)
				if err != nil {
					return err
				}
				if g.json {
					if err := printJSON(runView(done)); err != nil {
						return err
					}
				} else {
					printTrainingRun(done)
				}
				return runErr
			})
		},
	})
	command(runs)

	// models accept / reject, and status + run_id in `models list`.
	for _, c := range rootCmd.Commands() {
		if c.Name() != "models" {
			continue
		}
		c.AddCommand(&cobra.Command{
			Use:   "accept NAME",
			Short: "Make a trained model the accepted twin (chat uses it; the previous one is archived)",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withApp(cmd, func(app *doppel.App) error {
					v, err := app.Train.Accept(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					if g.json {
						return printJSON(v)
					}
					fmt.Printf("%s is now the accepted twin\n", v.Name)
					return nil
				})
			},
		})
		c.AddCommand(&cobra.Command{
			Use:   "reject NAME",
			Short: "Archive a candidate made by training (it stays in Ollama until removed)",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withApp(cmd, func(app *doppel.App) error {
					v, err := app.Train.Reject(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					if g.json {
						return printJSON(v)
					}
					fmt.Printf("%s is archived\n", v.Name)
					return nil
				})
			},
		})
		for _, sub := range c.Commands() {
			if sub.Name() == "list" {
				plain := sub.RunE
				sub.RunE = func(cmd *cobra.Command, args []string) error {
					if !g.json {
						return plain(cmd, args)
					}
					return listModelsJSON(cmd)
				}
			}
		}
	}
}

// listModelsJSON prints the installed models with the registry's status and
// run_id for models made by `doppel train` (other models: status "", run_id null).
func listModelsJSON(cmd *cobra.Command) error {
	return withApp(cmd, func(app *doppel.App) error {
		ms, err := app.Models.List(cmd.Context())
		if err != nil {
			return err
		}
		vs, err := app.Train.Versions(cmd.Context())
		if err != nil {
			return err
		}
		byName := map[string]train.ModelVersion{}
		for _, v := range vs {
			byName[v.Name] = v
		}
		type modelJSON struct {
			llm.Model
			Status  string   `json:"status"`
			RunID   *int64   `json:"run_id"`
			Base    string   `json:"base,omitempty"`
			Dataset string   `json:"dataset,omitempty"`
			Aliases []string `json:"aliases,omitempty"`
		}
		out := make([]modelJSON, 0, len(ms))
		for _, m := range ms {
			mj := modelJSON{Model: m}
			if v, ok := byName[m.Name]; ok {
				mj.Status, mj.RunID, mj.Base, mj.Dataset, mj.Aliases = v.Status, v.RunID, v.Base, v.Dataset, v.Aliases
			}
			out = append(out, mj)
		}
		return printJSON(out)
	})
}

// runJSON is a run as `runs list --json` prints it (metrics as {step, loss, …}).
type runJSON struct {
	*train.Run
}

func runView(r *train.Run) runJSON { return runJSON{r} }

func printTrainingRun(r *train.Run) {
	fmt.Printf("run %d: %s  base %s  dataset %s\n", r.ID, r.Status, r.Base, r.Dataset)
	fmt.Printf("  steps %d/%d  loss %s  eval loss %s  %s tok/s  %.0fs\n", r.Step, r.TotalSteps, f3(r.Loss), f3(r.EvalLoss), f0(r.TokensPerS), r.DurationS)
	if r.Model != "" {
		var art struct {
			SmokeChat struct{ Prompt, Answer string } `json:"smoke_chat"`
		}
		_ = json.Unmarshal(r.Artifacts, &art)
		fmt.Printf("  model %s (candidate: `doppel models accept %s`)\n", r.Model, r.Model)
		if art.SmokeChat.Answer != "" {
			fmt.Printf("  %q → %q\n", art.SmokeChat.Prompt, art.SmokeChat.Answer)
		}
	}
	if r.Error != "" {
		fmt.Printf("  error (%s): %s\n", r.ErrorKind, r.Error)
	}
	if r.LastCheckpoint != "" && r.Status != train.Succeeded {
		fmt.Printf("  checkpoint %s (`doppel runs resume %d`)\n", r.LastCheckpoint, r.ID)
	}
}

func f3(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p, 'f', 3, 64)
}

func f0(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p, 'f', 0, 64)
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n+1:]
}

func withRun(cmd *cobra.Command, args []string, fn func(app *doppel.App, id int64) error) error {
	id, err := strconv.ParseInt(strings.TrimSpace(args[0]), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("bad run id %q", args[0])
	}
	return withApp(cmd, func(app *doppel.App) error {
		err = fn(app, id)
		if errors.Is(err, train.ErrNotFound) {
			return fmt.Errorf("no training run %d", id)
		}
		return err
	})
}
