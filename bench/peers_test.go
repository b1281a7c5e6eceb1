package bench_test

import (
	"context"
	"sync"
	"testing"

	"github.com/kakehashi/kakehashi/bench"
	"github.com/kakehashi/kakehashi/bench/blevepeer"
	"github.com/kakehashi/kakehashi/bench/fts5peer"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/textproc"
)

var (
	anOnce sync.Once
	an     *textproc.Analyzer
)

// TestSystemsAgreeOnEasyQueries runs the engine and both peers on a tiny
// corpus where each query has one obviously right answer.
func TestSystemsAgreeOnEasyQueries(t *testing.T) {
	anOnce.Do(func() { an, _ = textproc.New() })
	docs := []bench.Doc{
		{ID: "d1", Title: "Sodium batteries", Text: "Hard carbon anodes for sodium-ion batteries with long cycle life."},
		{ID: "d2", Title: "Chest radiographs", Text: "Deep learning flags urgent chest X-rays in emergency departments."},
		{ID: "d3", Title: "Solar cells", Text: "Perovskite tandem cells reach 28 percent efficiency."},
		{ID: "d4", Title: "Grid storage", Text: "Flow batteries store wind power for the grid."},
	}
	queries := []bench.Query{{ID: "1", Text: "sodium battery anode"}, {ID: "2", Text: "urgent chest x-ray"}, {ID: "3", Text: "perovskite efficiency"}}
	qrels := bench.Qrels{"1": {"d1": 1}, "2": {"d2": 1}, "3": {"d3": 1}}
	for _, sys := range []bench.System{bench.NewEngine(an, search.DefaultParams()), blevepeer.New(), fts5peer.New()} {
		rep, err := bench.RunSystem(context.Background(), sys, docs, queries, qrels)
		sys.Close()
		if err != nil {
			t.Fatalf("%s: %v", sys.Name(), err)
		}
		if rep.Metrics.MRR10 != 1 || rep.Metrics.Queries != 3 || rep.P50Micros <= 0 {
			t.Errorf("%s: %+v, p50 %.0fµs; want every right answer first", sys.Name(), rep.Metrics, rep.P50Micros)
		}
	}
}
