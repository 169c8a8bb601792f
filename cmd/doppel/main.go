// Command doppel is Doppel's headless front door: the CLI over the same
// backend as the desktop app, and `doppel serve` for the REST API and the web
// UI in a browser.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
)

// globals are the flags every command shares.
type globals struct {
	dataDir string
	json    bool
}

var g globals

var rootCmd = &cobra.Command{
	Use:           "doppel",
	Short:         "Doppel turns your own writing into your own local language model",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func init() {
	rootCmd.PersistentFlags().StringVar(&g.dataDir, "data-dir", "", "data directory (default $DOPPEL_HOME, else the OS user data dir)")
	rootCmd.PersistentFlags().BoolVar(&g.json, "json", false, "print JSON for scripts")
}

// command registers a subcommand; each file adds its own in init.
func command(c *cobra.Command) { rootCmd.AddCommand(c) }

// openApp opens the backend for a command; callers defer app.Close().
func openApp(ctx context.Context) (*doppel.App, error) {
	return doppel.Open(ctx, doppel.Config{DataDir: g.dataDir})
}

// withApp opens the backend for a command, runs fn with it and closes it.
func withApp(cmd *cobra.Command, fn func(app *doppel.App) error) error {
	app, err := openApp(cmd.Context())
	if err != nil {
		return err
	}
	defer app.Close()
	return fn(app)
}

// printJSON writes v as indented JSON on stdout.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := rootCmd.ExecuteContext(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "doppel: cancelled")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "doppel: "+oneLine(err.Error()))
		os.Exit(1)
	}
}

func oneLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
