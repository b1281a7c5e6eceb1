package bench

import (
	"context"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/search/searchtest"
	"github.com/kakehashi/kakehashi/textproc"
)

// Engine runs Kakehashi's matching engine: each document is a seed, each
// query a need, ranked as need → seed matching ranks them.
type Engine struct {
	an     *textproc.Analyzer
	params search.Params
	// Lexicon, when set, lets Japanese queries find English documents.
	Lexicon *lexicon.Lexicon
	// Monolingual turns translation off for the queries that follow.
	Monolingual bool
	e           *search.Engine
	ids         []string
	src         *searchtest.MemSource
}

// NewEngine returns the engine as a benchmark system.
func NewEngine(an *textproc.Analyzer, p search.Params) *Engine { return &Engine{an: an, params: p} }

// Name implements System.
func (b *Engine) Name() string { return "kakehashi" }

// Build implements System.
func (b *Engine) Build(ctx context.Context, docs []Doc) error {
	ls := make([]*kakehashi.Listing, len(docs))
	b.ids = make([]string, len(docs)+1)
	for i, d := range docs {
		ls[i] = &kakehashi.Listing{ID: int64(i + 1), OrgID: 1, Side: kakehashi.SideSeed, Kind: kakehashi.KindTechnology,
			Title: d.Title, Body: d.Text, Language: "en", TRL: 5, Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen}
		b.ids[i+1] = d.ID
	}
	b.src = &searchtest.MemSource{Listings: ls}
	b.e = search.New(b.an, b.src, search.Options{Params: b.params, Lexicon: b.Lexicon})
	return b.e.BuildFrom(ctx, ls, 0)
}

// Search implements System.
func (b *Engine) Search(ctx context.Context, q string, k int) ([]string, error) {
	need := &kakehashi.Listing{Side: kakehashi.SideNeed, Kind: kakehashi.KindChallenge, Title: q, Language: "en"}
	ranked := b.e.RankListing(need, k, search.Filter{Side: kakehashi.SideSeed, Monolingual: b.Monolingual}, nil)
	out := make([]string, len(ranked))
	for i, r := range ranked {
		out[i] = b.ids[r.ID]
	}
	return out, nil
}

// Close implements System.
func (b *Engine) Close() error { b.e, b.src = nil, nil; return nil }
