package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/textproc"
)

func TestRunCrossLingual(t *testing.T) {
	an, err := textproc.New()
	if err != nil {
		t.Fatal(err)
	}
	e, err := lexicon.ParseLine("電池 [でんち] /(n) battery/cell/(P)/")
	if err != nil {
		t.Fatal(err)
	}
	docs := []Doc{{ID: "d1", Title: "Sodium batteries", Text: "Anodes for sodium-ion batteries."}, {ID: "d2", Title: "Stem cells", Text: "Niche signals."}}
	en := []Query{{ID: "1", Text: "sodium batteries"}, {ID: "2", Text: "stem cells"}}
	ja := []Query{{ID: "1", Text: "ナトリウム電池"}, {ID: "9", Text: "判定なし"}}
	qrels := Qrels{"1": {"d1": 1}}
	ctx := context.Background()

	if _, err := RunCrossLingual(ctx, NewEngine(an, search.DefaultParams()), docs, en, ja, qrels); err == nil || !strings.Contains(err.Error(), "no lexicon") {
		t.Errorf("without a lexicon: %v", err)
	}
	eng := NewEngine(an, search.DefaultParams())
	eng.Lexicon = lexicon.New(e)
	rep, err := RunCrossLingual(ctx, eng, docs, en, ja, qrels)
	if err != nil {
		t.Fatal(err)
	}
	// Only the judged claim counts; the Japanese one finds d1 only once
	// translated (ナトリウム is spelled "natrium" at best: not in the corpus).
	if rep.Claims != 1 || rep.English.NDCG10 != 1 || rep.Japanese.NDCG10 != 0 || rep.Translated.NDCG10 != 1 || rep.Ratio != 1 {
		t.Errorf("report %+v", rep)
	}
	if eng.Monolingual {
		t.Error("the engine was left monolingual")
	}
	if _, err := RunCrossLingual(ctx, eng, docs, en[1:], ja, qrels); err == nil || !strings.Contains(err.Error(), "no English original") {
		t.Errorf("a Japanese claim without its original: %v", err)
	}
	if _, err := RunCrossLingual(ctx, eng, docs, en, ja[1:], qrels); err == nil || !strings.Contains(err.Error(), "no Japanese claim") {
		t.Errorf("no judged Japanese claim: %v", err)
	}
}
