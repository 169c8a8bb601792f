package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
)

func init() {
	command(&cobra.Command{
		Use:   "status",
		Short: "Show the data dir, schema version, Ollama and installed models",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				st, err := app.Status(cmd.Context(), true)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(st)
				}
				fmt.Printf("Doppel %s\n", st.Version)
				fmt.Printf("data dir:  %s (schema v%d)\n", st.DataDir, st.SchemaVersion)
				if st.Ollama.Reachable {
					how := "external"
					if st.Ollama.Managed {
						how = "managed by Doppel"
					}
					fmt.Printf("ollama:    %s, version %s (%s)\n", st.Ollama.URL, st.Ollama.Version, how)
				} else {
					fmt.Printf("ollama:    not reachable: %s\n", st.Ollama.Error)
				}
				fmt.Printf("models:    %d\n", len(st.Models))
				for _, m := range st.Models {
					fmt.Printf("  %-32s %-9s %s\n", m.Name, m.Kind, humanBytes(m.Size))
				}
				return nil
			})
		},
	})
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
