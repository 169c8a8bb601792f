// Doppel's desktop entry: it builds the backend over the data dir, hands the
// same HTTP handler that `doppel serve` uses to the window, and runs Wails.
//
// Build with: go build -tags desktop,production,webkit2_40,sqlite_fts5 -o bin/doppel-desktop .
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/doppelhq/doppel/app"
	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/server"
	"github.com/doppelhq/doppel/frontend"
)

func main() {
	dataDir := flag.String("data-dir", "", "data directory (default $DOPPEL_HOME, else the OS user data dir)")
	flag.Parse()
	ctx := context.Background()
	a, err := doppel.Open(ctx, doppel.Config{DataDir: *dataDir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "doppel:", err)
		os.Exit(1)
	}
	srv := server.New(a, server.Options{Assets: frontend.Assets()})
	err = app.Run(app.Options{Assets: frontend.Assets(), Handler: srv.Handler(), OnShutdown: func() { a.Close() }})
	if err != nil {
		fmt.Fprintln(os.Stderr, "doppel:", err)
		os.Exit(1)
	}
}
