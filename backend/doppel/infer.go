package doppel

import (
	"context"

	"github.com/doppelhq/doppel/backend/chat"
	"github.com/doppelhq/doppel/backend/rag"
)

func init() {
	onOpen(func(ctx context.Context, a *App) error {
		a.Chat = chat.New(a.Store, a.Engine, a.Settings, a.ragRetriever)
		return nil
	})
}

// ragRetriever is where RAG gets its sources: the feature pipeline's search
// service. (A nil *search.Service must not become a non-nil interface.)
func (a *App) ragRetriever() rag.Retriever {
	if a.Search != nil {
		return a.Search
	}
	return nil
}
