// Package blevepeer runs Bleve v2 as a benchmark peer: an in-memory index
// with Bleve's English analyzer (stopwords, possessives, Porter stemming) and
// BM25 scoring, queried with a match query over title and text.
package blevepeer

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/kakehashi/kakehashi/bench"
)

// Peer is Bleve as a bench.System.
type Peer struct {
	idx bleve.Index
}

// New returns the peer.
func New() *Peer { return &Peer{} }

var _ bench.System = (*Peer)(nil)

// Name implements bench.System.
func (p *Peer) Name() string { return "bleve" }

type doc struct {
	Content string `json:"content"`
}

// Build implements bench.System.
func (p *Peer) Build(ctx context.Context, docs []bench.Doc) error {
	m := mapping.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	m.DefaultAnalyzer = en.AnalyzerName
	field := mapping.NewTextFieldMapping()
	field.Analyzer = en.AnalyzerName
	field.Store = false
	field.IncludeTermVectors = false
	field.IncludeInAll = false
	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("content", field)
	m.DefaultMapping = dm
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		return err
	}
	p.idx = idx
	b := idx.NewBatch()
	for i, d := range docs {
		if err := b.Index(d.ID, doc{Content: d.Title + "\n" + d.Text}); err != nil {
			return err
		}
		if (i+1)%1000 == 0 {
			if err := idx.Batch(b); err != nil {
				return err
			}
			b = idx.NewBatch()
		}
	}
	return idx.Batch(b)
}

// Search implements bench.System.
func (p *Peer) Search(ctx context.Context, q string, k int) ([]string, error) {
	mq := bleve.NewMatchQuery(q)
	mq.SetField("content")
	req := bleve.NewSearchRequestOptions(mq, k, 0, false)
	res, err := p.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("bleve: %w", err)
	}
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out, nil
}

// Close implements bench.System.
func (p *Peer) Close() error {
	if p.idx == nil {
		return nil
	}
	return p.idx.Close()
}
