package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi/lexicon"
)

// CrossLingualReport compares, on the same claims and judgements, English
// queries, their Japanese translations searched as they are, and the
// Japanese translations with query translation into English.
type CrossLingualReport struct {
	Claims int `json:"claims"`
	// English are the original claims; Japanese the translated claims
	// without query translation; Translated the same with it.
	English    Metrics `json:"english"`
	Japanese   Metrics `json:"japanese_monolingual"`
	Translated Metrics `json:"japanese_translated"`
	// Ratio is Translated nDCG@10 over English nDCG@10.
	Ratio float64 `json:"ndcg_ratio"`
	// TranslatedP50Micros is the median latency of a translated query.
	TranslatedP50Micros float64 `json:"translated_p50_us"`
	// Runs hold the three rankings, for TREC run files.
	runs [3]map[string][]string
}

// LoadLexicon reads the EDICT dictionary and measures how long that takes
// and how much heap the table holds.
func LoadLexicon(path string) (*lexicon.Lexicon, float64, float64, error) {
	before := heapMiB()
	start := time.Now()
	lex, err := lexicon.Load(path)
	if err != nil {
		return nil, 0, 0, err
	}
	secs := time.Since(start).Seconds()
	return lex, secs, heapMiB() - before, nil
}

// RunCrossLingual builds eng (which must have a Lexicon) over docs and
// runs the English queries with the ids of ja, then ja without and with
// translation, scoring each against qrels.
func RunCrossLingual(ctx context.Context, eng *Engine, docs []Doc, en, ja []Query, qrels Qrels) (*CrossLingualReport, error) {
	if eng.Lexicon == nil {
		return nil, fmt.Errorf("cross-lingual run: no lexicon")
	}
	byID := map[string]Query{}
	for _, q := range en {
		byID[q.ID] = q
	}
	var enSame, jaJudged []Query
	for _, q := range ja {
		if _, ok := qrels[q.ID]; !ok {
			continue
		}
		e, ok := byID[q.ID]
		if !ok {
			return nil, fmt.Errorf("cross-lingual run: Japanese claim %s has no English original", q.ID)
		}
		enSame = append(enSame, e)
		jaJudged = append(jaJudged, q)
	}
	if len(jaJudged) == 0 {
		return nil, fmt.Errorf("cross-lingual run: no Japanese claim has relevance judgements")
	}
	if err := eng.Build(ctx, docs); err != nil {
		return nil, fmt.Errorf("cross-lingual run: build: %w", err)
	}
	rep := &CrossLingualReport{Claims: len(jaJudged)}
	var lat []float64
	for i, run := range []struct {
		qs   []Query
		mono bool
	}{{enSame, false}, {jaJudged, true}, {jaJudged, false}} {
		eng.Monolingual = run.mono
		rep.runs[i] = map[string][]string{}
		for _, q := range run.qs {
			t := time.Now()
			ids, err := eng.Search(ctx, q.Text, 100)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", q.ID, err)
			}
			if i == 2 {
				lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
			}
			rep.runs[i][q.ID] = ids
		}
	}
	eng.Monolingual = false
	rep.English = Evaluate(rep.runs[0], qrels)
	rep.Japanese = Evaluate(rep.runs[1], qrels)
	rep.Translated = Evaluate(rep.runs[2], qrels)
	if rep.English.NDCG10 > 0 {
		rep.Ratio = rep.Translated.NDCG10 / rep.English.NDCG10
	}
	rep.TranslatedP50Micros = percentile(lat, 0.5)
	return rep, nil
}
