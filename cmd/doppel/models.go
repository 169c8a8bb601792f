package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
	"github.com/doppelhq/doppel/backend/llm"
	catalog "github.com/doppelhq/doppel/models"
)

func init() {
	models := &cobra.Command{Use: "models", Short: "List, pull, import and remove Ollama models"}
	models.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List installed models",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				ms, err := app.Models.List(cmd.Context())
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(ms)
				}
				if len(ms) == 0 {
					fmt.Println("no models yet: `doppel models pull NAME` or `doppel models import PATH --name NAME`")
					return nil
				}
				fmt.Printf("%-36s %-10s %-8s %-8s %s\n", "NAME", "KIND", "PARAMS", "QUANT", "SIZE")
				for _, m := range ms {
					fmt.Printf("%-36s %-10s %-8s %-8s %s\n", m.Name, m.Kind, m.ParameterSize, m.Quantization, humanBytes(m.Size))
				}
				return nil
			})
		},
	})
	models.AddCommand(&cobra.Command{
		Use:   "pull NAME",
		Short: "Pull a model from the Ollama registry (needs internet)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runJob(cmd, doppel.KindModelPull, "Pull "+args[0], doppel.PullRequest{Name: args[0]})
		},
	})
	var imp llm.ImportRequest
	importCmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Import a GGUF file or a safetensors folder into Ollama",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			imp.Path = p
			if imp.Name == "" {
				base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
				imp.Name = strings.ToLower(base)
			}
			if _, err := llm.ImportFiles(imp.Path); err != nil {
				return err
			}
			return runJob(cmd, doppel.KindModelImport, "Import "+imp.Name, imp)
		},
	}
	importCmd.Flags().StringVar(&imp.Name, "name", "", "model name in Ollama (default: the file name)")
	importCmd.Flags().StringVar(&imp.System, "system", "", "system prompt")
	importCmd.Flags().StringVar(&imp.Adapter, "adapter", "", "LoRA adapter (GGUF file or PEFT folder) to apply")
	models.AddCommand(importCmd)
	models.AddCommand(&cobra.Command{
		Use:     "rm NAME...",
		Aliases: []string{"delete"},
		Short:   "Remove models",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				for _, n := range args {
					if err := app.Models.Delete(cmd.Context(), n); err != nil {
						return err
					}
					if !g.json {
						fmt.Printf("deleted %s\n", n)
					}
				}
				if g.json {
					return printJSON(map[string][]string{"deleted": args})
				}
				return nil
			})
		},
	})
	models.AddCommand(&cobra.Command{
		Use:   "setup",
		Short: "Import the catalog's offline models from the local cache (filled by scripts/fetch-models.sh)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				installed, err := app.Models.List(cmd.Context())
				if err != nil {
					return err
				}
				have := map[string]bool{}
				for _, m := range installed {
					have[m.Name] = true
				}
				entries, err := catalog.Catalog()
				if err != nil {
					return err
				}
				imported, present := []string{}, []string{}
				for _, e := range entries {
					if e.Offline == nil {
						continue
					}
					if have[e.Name] {
						present = append(present, e.Name)
						continue
					}
					path, err := catalog.OfflinePath(e)
					if err != nil {
						return err
					}
					p := newProgress()
					_, err = app.Jobs.Execute(cmd.Context(), doppel.KindModelImport, "Import "+e.Name,
						llm.ImportRequest{Name: e.Name, Path: path}, func(ev jobs.Progress) { _ = p.Report(ev) })
					p.Done()
					if err != nil {
						return err
					}
					imported = append(imported, e.Name)
				}
				if g.json {
					return printJSON(map[string][]string{"imported": imported, "present": present})
				}
				for _, n := range imported {
					fmt.Printf("imported %s\n", n)
				}
				for _, n := range present {
					fmt.Printf("%s already installed\n", n)
				}
				return nil
			})
		},
	})
	command(models)
}

// runJob runs a registered job kind in the foreground with a progress bar
// on stderr, printing the finished job (with --json) or a summary.
func runJob(cmd *cobra.Command, kind, title string, payload any) error {
	return withApp(cmd, func(app *doppel.App) error {
		p := newProgress()
		done, runErr := app.Jobs.Execute(cmd.Context(), kind, title, payload, func(ev jobs.Progress) { _ = p.Report(ev) })
		p.Done()
		if g.json && done != nil {
			if err := printJSON(done); err != nil {
				return err
			}
		}
		if runErr != nil {
			return runErr
		}
		if !g.json {
			fmt.Printf("%s: %s\n", title, done.Status)
		}
		return nil
	})
}
