package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/documents"
	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/jobs"
)

func init() {
	var delay string
	var maxPages, maxDepth int
	crawlCmd := &cobra.Command{
		Use:   "crawl URL...",
		Short: "Crawl sites (or a Medium profile) into the document store, adding each as a source",
		Long: "Crawl each URL: robots.txt, sitemaps, feeds and same-site links. A crawl killed half-way resumes on the next run;\n" +
			"a re-crawl fetches only what changed. --delay defaults to 500ms for remote hosts and 0 for loopback.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := doppel.CrawlRequest{MaxPages: maxPages, MaxDepth: maxDepth}
			if delay != "" {
				d, err := time.ParseDuration(delay)
				if err != nil || d < 0 {
					return fmt.Errorf("bad --delay %q: want a duration such as 500ms or 0", delay)
				}
				ms := d.Milliseconds()
				req.DelayMS = &ms
			}
			var results []doppel.RunResult
			var errs []error
			for _, u := range args {
				req.URL = u
				res, err := runCollect(cmd, "Crawl "+u, req)
				if res != nil {
					results = append(results, *res)
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("crawl %s: %w", u, err))
				}
			}
			if g.json {
				if err := printJSON(results); err != nil {
					return err
				}
			}
			return errors.Join(errs...)
		},
	}
	crawlCmd.Flags().StringVar(&delay, "delay", "", "delay between requests to a host (e.g. 500ms; 0 for local sites)")
	crawlCmd.Flags().IntVar(&maxPages, "max-pages", 0, "most pages to fetch per site (default 5000)")
	crawlCmd.Flags().IntVar(&maxDepth, "max-depth", 0, "most links away from the start URL (default 10)")
	command(crawlCmd)

	command(&cobra.Command{
		Use:   "import PATH",
		Short: "Import an export (X/Twitter zip, LinkedIn, Mastodon outbox, Reddit) or a folder of notes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			if _, err := os.Stat(p); err != nil {
				return fmt.Errorf("import %s: %w", args[0], err)
			}
			res, err := runCollect(cmd, "Import "+filepath.Base(p), doppel.ImportRequest{Path: p})
			if g.json && res != nil {
				if perr := printJSON(res); perr != nil {
					return perr
				}
			}
			return err
		},
	})
}

// runCollect runs a crawl or import job in the foreground (progress on
// stderr) and prints its summary on stdout unless --json.
func runCollect(cmd *cobra.Command, title string, payload any) (*doppel.RunResult, error) {
	app, err := openApp(cmd.Context())
	if err != nil {
		return nil, err
	}
	defer app.Close()
	p := newProgress()
	done, runErr := app.ExecuteCollect(cmd.Context(), title, payload, func(ev jobs.Progress) { _ = p.Report(ev) })
	p.Done()
	if done == nil || len(done.Result) == 0 {
		return nil, runErr
	}
	var res doppel.RunResult
	if err := json.Unmarshal(done.Result, &res); err != nil {
		return nil, fmt.Errorf("read result of job %d: %w", done.ID, err)
	}
	if !g.json {
		printRun(title, &res)
	}
	return &res, runErr
}

func printRun(title string, r *doppel.RunResult) {
	fmt.Printf("%s (source %d)\n", title, r.SourceID)
	if c := r.Crawl; c != nil {
		fmt.Printf("  pages fetched: %d (not modified: %d)%s\n", c.Fetched, c.NotModified, map[bool]string{true: ", resumed", false: ""}[c.Resumed])
		fmt.Printf("  documents: %d new, %d updated, %d unchanged, %d duplicates\n", c.New, c.Updated, c.Unchanged, c.Duplicates)
		if c.Method != "" {
			fmt.Printf("  read with: %s\n", c.Method)
		}
		fmt.Printf("  listing pages skipped: %d; skipped: %d; skipped (deleted by you): %d; failed: %d; time: %s\n", c.Listings, c.Skipped, c.DeletedByYou, c.Failed, c.Elapsed)
		if c.LimitReached {
			fmt.Println("  stopped at the page limit (--max-pages)")
		}
		printErrors(len(c.Errors), func(i int) (string, string) { return c.Errors[i].URL, c.Errors[i].Reason })
	}
	if im := r.Import; im != nil {
		fmt.Printf("  %s: %d files\n", im.Kind, im.Files)
		fmt.Printf("  documents: %d new, %d updated, %d unchanged, %d duplicates; skipped (deleted by you): %d; time: %s\n", im.New, im.Updated, im.Unchanged, im.Duplicates, im.DeletedByYou, im.Elapsed)
		printErrors(len(im.Errors), func(i int) (string, string) { return im.Errors[i].File, im.Errors[i].Reason })
	}
	if r.Error != "" {
		fmt.Printf("  stopped: %s\n", r.Error)
	}
}

func printErrors(n int, at func(int) (string, string)) {
	if n == 0 {
		return
	}
	fmt.Printf("  errors (%d):\n", n)
	for i := 0; i < n; i++ {
		what, why := at(i)
		fmt.Printf("    %s: %s\n", what, why)
	}
}

func init() {
	sources := &cobra.Command{Use: "sources", Short: "List and remove sources (sites, accounts, exports, folders)"}
	sources.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List sources with their document counts and last run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				ss, err := app.Documents.Sources(cmd.Context())
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(ss)
				}
				if len(ss) == 0 {
					fmt.Println("no sources yet: `doppel crawl URL` or `doppel import PATH`")
					return nil
				}
				fmt.Printf("%-5s %-16s %-6s %-24s %s\n", "ID", "KIND", "DOCS", "LAST RUN", "LOCATION")
				for _, s := range ss {
					fmt.Printf("%-5d %-16s %-6d %-24s %s\n", s.ID, s.Kind, s.Documents, s.LastRunAt, s.Location)
				}
				return nil
			})
		},
	})
	var withDocs bool
	rm := &cobra.Command{
		Use:   "rm ID...",
		Short: "Remove sources (their documents stay unless --documents)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				for _, a := range args {
					id, err := strconv.ParseInt(a, 10, 64)
					if err != nil {
						return fmt.Errorf("bad source id %q", a)
					}
					if err := app.Documents.DeleteSource(cmd.Context(), id, withDocs); err != nil {
						return err
					}
					if !g.json {
						fmt.Printf("removed source %d\n", id)
					}
				}
				if g.json {
					return printJSON(map[string][]string{"removed": args})
				}
				return nil
			})
		},
	}
	rm.Flags().BoolVar(&withDocs, "documents", false, "also delete the source's documents")
	sources.AddCommand(rm)
	command(sources)

	docs := &cobra.Command{Use: "docs", Short: "List, show, exclude and delete documents"}
	var f documents.Filter
	var platform, kind, after, before string
	list := &cobra.Command{
		Use:   "list",
		Short: "List documents",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if platform != "" {
				f.Platforms = strings.Split(platform, ",")
			}
			if kind != "" {
				f.Kinds = strings.Split(kind, ",")
			}
			for _, d := range []struct {
				s   string
				dst *time.Time
			}{{after, &f.After}, {before, &f.Before}} {
				if d.s == "" {
					continue
				}
				t, err := time.Parse("2006-01-02", d.s)
				if err != nil {
					return fmt.Errorf("bad date %q: want YYYY-MM-DD", d.s)
				}
				*d.dst = t
			}
			return withApp(cmd, func(app *doppel.App) error {
				page, err := app.Documents.List(cmd.Context(), f)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(page.Documents)
				}
				if page.Total == 0 {
					fmt.Println("no documents")
					return nil
				}
				fmt.Printf("%-6s %-10s %-8s %-11s %-6s %s\n", "ID", "PLATFORM", "KIND", "PUBLISHED", "WORDS", "TITLE / URL")
				for _, d := range page.Documents {
					pub := d.PublishedAt
					if len(pub) > 10 {
						pub = pub[:10]
					}
					ex := ""
					if d.Excluded {
						ex = " [excluded]"
					}
					fmt.Printf("%-6d %-10s %-8s %-11s %-6d %s%s\n       %s\n", d.ID, d.Platform, d.Kind, pub, d.Words, d.Title, ex, d.URL)
				}
				fmt.Printf("%d of %d documents\n", len(page.Documents), page.Total)
				return nil
			})
		},
	}
	list.Flags().StringVar(&f.Query, "search", "", "only documents whose title, URL or text contains this")
	list.Flags().StringVar(&platform, "platform", "", "only these platforms (comma-separated)")
	list.Flags().StringVar(&kind, "kind", "", "only these kinds: article, post, code, note")
	list.Flags().StringVar(&after, "after", "", "published on or after YYYY-MM-DD")
	list.Flags().StringVar(&before, "before", "", "published before YYYY-MM-DD")
	list.Flags().StringVar(&f.Sort, "sort", "published_at", "published_at | updated_at | title | words | id")
	list.Flags().BoolVar(&f.Desc, "desc", false, "reverse the order")
	list.Flags().IntVar(&f.Limit, "limit", 0, "at most this many")
	docs.AddCommand(list)

	docs.AddCommand(&cobra.Command{
		Use:   "show ID",
		Short: "Show a document's metadata and cleaned text",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("bad document id %q", args[0])
			}
			return withApp(cmd, func(app *doppel.App) error {
				d, err := app.Documents.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(d)
				}
				fmt.Printf("# %s\n\nurl: %s\nplatform: %s  kind: %s  published: %s  words: %d  version: %d\n", d.Title, d.URL, d.Platform, d.Kind, d.PublishedAt, d.Words, d.Version)
				if d.Author != "" {
					fmt.Printf("author: %s\n", d.Author)
				}
				if len(d.Tags) > 0 {
					fmt.Printf("tags: %s\n", strings.Join(d.Tags, ", "))
				}
				for _, a := range d.Aliases {
					fmt.Printf("also at: %s\n", a)
				}
				fmt.Printf("\n%s\n", d.Content)
				return nil
			})
		},
	})
	for _, c := range []struct {
		use, short string
		excluded   bool
	}{{"exclude ID...", "Exclude documents from training and search (they are kept)", true}, {"include ID...", "Include excluded documents again", false}} {
		excluded := c.excluded
		docs.AddCommand(&cobra.Command{
			Use: c.use, Short: c.short, Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return eachDoc(cmd, args, func(app *doppel.App, id int64) error { return app.Documents.SetExcluded(cmd.Context(), id, excluded) })
			},
		})
	}
	docs.AddCommand(&cobra.Command{
		Use: "rm ID...", Short: "Delete documents (later crawls and imports will not store them again; `docs restore URL` undoes it)", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachDoc(cmd, args, func(app *doppel.App, id int64) error {
				_, err := app.Documents.Delete(cmd.Context(), id)
				return err
			})
		},
	})
	docs.AddCommand(&cobra.Command{
		Use: "deleted", Short: "List the documents you deleted (restorable with `docs restore URL`)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				ts, err := app.Documents.Tombstones(cmd.Context())
				if err != nil {
					return err
				}
				if g.json {
					return printJSON(ts)
				}
				if len(ts) == 0 {
					fmt.Println("no deleted documents")
					return nil
				}
				for _, t := range ts {
					fmt.Printf("%s  %-10s %s\n      %s\n", t.DeletedAt, t.Platform, t.Title, t.URL)
				}
				return nil
			})
		},
	})
	docs.AddCommand(&cobra.Command{
		Use: "restore URL...", Short: "Restore deleted documents by URL (canonical or alias)", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(app *doppel.App) error {
				var out []documents.Result
				for _, u := range args {
					res, err := app.Documents.Restore(cmd.Context(), u)
					if err != nil {
						return err
					}
					out = append(out, res)
					if !g.json {
						if res.ID != 0 {
							fmt.Printf("restored %s as document %d\n", u, res.ID)
						} else {
							fmt.Printf("restored %s: the next crawl of its source stores it again\n", u)
						}
					}
				}
				if g.json {
					return printJSON(out)
				}
				return nil
			})
		},
	})
	command(docs)
}

func eachDoc(cmd *cobra.Command, args []string, fn func(*doppel.App, int64) error) error {
	return withApp(cmd, func(app *doppel.App) error {
		for _, a := range args {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return fmt.Errorf("bad document id %q", a)
			}
			if err := fn(app, id); err != nil {
				return err
			}
			if !g.json {
				fmt.Printf("%s %d: done\n", cmd.Name(), id)
			}
		}
		return nil
	})
}
