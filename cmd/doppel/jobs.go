package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
)

func init() {
	jc := &cobra.Command{Use: "jobs", Short: "List, cancel and resume long-running jobs"}
	var status, kind string
	list := &cobra.Command{
		Use:   "list",
		Short: "List jobs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				js, err := app.Jobs.List(cmd.Context(), jobs.Filter{Status: jobs.Status(status), Kind: kind, Limit: 100})
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(js)
				}
				if len(js) == 0 {
					fmt.Println("no jobs")
					return nil
				}
				fmt.Printf("%-6s %-14s %-12s %-10s %-20s %s\n", "ID", "KIND", "STATUS", "PROGRESS", "CREATED", "TITLE")
				for _, j := range js {
					prog := ""
					if j.Total > 0 {
						prog = fmt.Sprintf("%d%%", j.Done*100/j.Total)
					}
					fmt.Printf("%-6d %-14s %-12s %-10s %-20s %s\n", j.ID, j.Kind, j.Status, prog, j.CreatedAt.Local().Format(time.DateTime), j.Title)
					if j.Error != "" {
						fmt.Printf("       error: %s\n", j.Error)
					}
				}
				return nil
			})
		},
	}
	list.Flags().StringVar(&status, "status", "", "only jobs with this status")
	list.Flags().StringVar(&kind, "kind", "", "only jobs of this kind")
	jc.AddCommand(list)
	jc.AddCommand(&cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a queued or running job (in any Doppel process)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("bad job id %q", args[0])
			}
			return withApp(cmd, func(app *doppel.App) error {
				if err := app.Jobs.Cancel(cmd.Context(), id); err != nil {
					return err
				}
				j, err := app.Jobs.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(j)
				}
				fmt.Printf("job %d: cancel requested (%s)\n", id, j.Status)
				return nil
			})
		},
	})
	jc.AddCommand(&cobra.Command{
		Use:   "resume ID",
		Short: "Resume an interrupted, failed or cancelled job in the foreground",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("bad job id %q", args[0])
			}
			return withApp(cmd, func(app *doppel.App) error {
				p := newProgress()
				j, err := app.Jobs.ResumeAndExecute(cmd.Context(), id, func(ev jobs.Progress) { _ = p.Report(ev) })
				p.Done()
				if g.json && j != nil {
					if perr := printJSON(j); perr != nil {
						return perr
					}
				}
				if err != nil {
					return err
				}
				if !g.json {
					fmt.Printf("job %d resumed as job %d: %s\n", id, j.ID, j.Status)
				}
				return nil
			})
		},
	})
	command(jc)
}
