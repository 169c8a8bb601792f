package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/server"
	"github.com/doppelhq/doppel/frontend"
)

func init() {
	var addr, token string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the REST API and the web UI (loopback by default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				token = os.Getenv("DOPPEL_TOKEN")
			}
			if err := server.CheckListen(addr, token); err != nil {
				return err
			}
			return withApp(cmd, func(app *doppel.App) error {
				srv := server.New(app, server.Options{Token: token, Assets: frontend.Assets()})
				ln, err := net.Listen("tcp", addr)
				if err != nil {
					return fmt.Errorf("listen on %s: %w", addr, err)
				}
				hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second,
					// Streams end when the command is interrupted.
					BaseContext: func(net.Listener) context.Context { return cmd.Context() }}
				fmt.Fprintf(os.Stderr, "doppel: serving on http://%s (data dir %s)\n", ln.Addr(), app.DataDir)
				errc := make(chan error, 1)
				go func() { errc <- hs.Serve(ln) }()
				select {
				case err := <-errc:
					if !errors.Is(err, http.ErrServerClosed) {
						return fmt.Errorf("serve on %s: %w", addr, err)
					}
					return nil
				case <-cmd.Context().Done():
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					_ = hs.Shutdown(ctx)
					return nil
				}
			})
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8765", "listen address")
	c.Flags().StringVar(&token, "token", "", "bearer token required on every API request (default $DOPPEL_TOKEN); needed off loopback")
	command(c)
}
