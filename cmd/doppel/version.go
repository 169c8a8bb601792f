package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
)

func init() {
	command(&cobra.Command{
		Use:   "version",
		Short: "Print the Doppel version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.json {
				return printJSON(map[string]string{"version": doppel.Version, "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH})
			}
			fmt.Printf("doppel %s (%s, %s/%s)\n", doppel.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	})
}
