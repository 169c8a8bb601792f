package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doppelhq/doppel/backend/chat"
	"github.com/doppelhq/doppel/backend/doppel"
	"github.com/doppelhq/doppel/backend/rag"
)

func init() {
	var model string
	var noRAG, selfQuery bool
	var expand, k int
	c := &cobra.Command{
		Use:   `chat "question"`,
		Short: "Ask the twin (or any Ollama model) a question, answered from your own writing with citations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(args[0]) == "" {
				return errors.New("the question is empty")
			}
			return withApp(cmd, func(app *doppel.App) error {
				req := chat.Request{Model: model, RAG: !noRAG, Endpoint: "cli",
					Retrieval: rag.Options{K: k, Expand: expand, SelfQuery: selfQuery},
					Messages:  []rag.Message{{Role: "user", Content: args[0]}}}
				hooks := chat.Hooks{}
				if !g.json {
					hooks.OnStart = func(st chat.Start) error {
						for _, w := range st.Warnings {
							fmt.Fprintln(os.Stderr, "doppel: warning: "+w)
						}
						return nil
					}
					hooks.OnDelta = func(d string) error {
						_, err := fmt.Fprint(os.Stdout, d)
						return err
					}
				}
				res, err := app.Chat.Chat(cmd.Context(), req, hooks)
				if err != nil {
					if !g.json && res != nil && res.Answer != "" {
						fmt.Println()
					}
					return err
				}
				if g.json {
					return printJSON(res)
				}
				fmt.Println()
				if len(res.Citations) > 0 {
					fmt.Println()
					for _, c := range res.Citations {
						mark := " "
						if c.Cited {
							mark = "*"
						}
						title := c.Title
						if title == "" {
							title = c.URL
						}
						fmt.Printf("%s[%d] %s  %s  (doc %d, chunk %d, score %.3f)\n", mark, c.N, title, c.URL, c.DocID, c.ChunkID, c.Score)
					}
				}
				fmt.Fprintf(os.Stderr, "(%s, trace %d, %d+%d tokens, first token %.0f ms)\n", res.ResolvedModel, res.TraceID, res.PromptTokens, res.CompletionTokens, res.Timings.TTFTMs)
				return nil
			})
		},
	}
	c.Flags().StringVar(&model, "model", chat.TwinAlias, `model: the twin alias "doppel" or any Ollama chat model`)
	c.Flags().BoolVar(&noRAG, "no-rag", false, "answer without retrieving your writing")
	c.Flags().IntVar(&k, "k", 0, "number of sources to keep (default 5)")
	c.Flags().IntVar(&expand, "expand", 0, "query expansion: extra search queries written by the model")
	c.Flags().BoolVar(&selfQuery, "self-query", false, "take platform and date filters from the question")
	command(c)
}
