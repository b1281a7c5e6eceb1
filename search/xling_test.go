package search_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/search/searchtest"
)

// testLexicon is a small EDICT in memory: the real one is read at run time
// and never copied into the repository.
func testLexicon(t *testing.T) *lexicon.Lexicon {
	t.Helper()
	var es []lexicon.Entry
	for _, line := range []string{
		"電池 [でんち] /(n) battery/cell/(P)/",
		"固体 [こたい] /(n) solid (body)/(P)/",
		"燃料電池 [ねんりょうでんち] /(n) fuel cell/(P)/",
		"燃料 [ねんりょう] /(n) fuel/(P)/",
		"診断 [しんだん] /(n,vs) diagnosis/(P)/",
		"画像 [がぞう] /(n) image/picture/(P)/",
		"素子 [そし] /(n) (1) element/(n) (2) device/(n) (3) component/(n) (4) unit/(n) (5) part/",
		"冷却 [れいきゃく] /(n,vs) cooling/",
	} {
		e, err := lexicon.ParseLine(line)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return lexicon.New(es...)
}

// xlingEngine indexes listings (titles and summaries, in their language)
// with or without a lexicon.
func xlingEngine(t *testing.T, lex *lexicon.Lexicon, docs ...[3]string) *search.Engine {
	t.Helper()
	ls := make([]*kakehashi.Listing, len(docs))
	for i, d := range docs {
		ls[i] = &kakehashi.Listing{ID: int64(i + 1), OrgID: 1, Side: kakehashi.SideSeed, Kind: kakehashi.KindTechnology, Language: d[0],
			Title: d[1], Summary: d[2], TRL: 4, Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen}
	}
	e := search.New(sharedAnalyzer(t), &searchtest.MemSource{Listings: ls}, search.Options{Lexicon: lex})
	if err := e.BuildFrom(context.Background(), ls, 1); err != nil {
		t.Fatal(err)
	}
	return e
}

var xlingDocs = [][3]string{
	{"en", "Sodium-ion batteries for grid storage", "Hard-carbon anodes for sodium-ion batteries."},
	{"en", "Chest X-ray images", "Annotated radiographs for diagnosis."},
	{"ja", "全固体電池の開発", "硫化物系の固体電解質を用いた電池。"},
	{"en", "Wearable sensors", "Flexible strain sensors for health monitoring."},
	{"en", "Solid electrolytes", "Solid electrolytes for lithium metal anodes."},
	{"en", "Fuel cell stacks", "Proton-exchange membrane fuel cell stacks for trucks."},
}

func search1(t *testing.T, e *search.Engine, text string, mono bool) *search.Result {
	t.Helper()
	res, err := e.Search(context.Background(), search.Query{Text: text, Filter: search.Filter{Monolingual: mono}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func titles(res *search.Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Listing.Title)
	}
	return out
}

func translationsOf(h search.Hit) []string {
	var out []string
	for _, tm := range h.Explanation.Terms {
		if tm.Translation != "" {
			out = append(out, tm.Translation)
		}
	}
	return out
}

func TestJapaneseQueryFindsEnglishListing(t *testing.T) {
	e := xlingEngine(t, testLexicon(t), xlingDocs...)
	res := search1(t, e, "電池", false)
	if len(res.Hits) < 2 || res.Hits[0].Listing.Title != "Sodium-ion batteries for grid storage" && res.Hits[0].Listing.Title != "全固体電池の開発" {
		t.Fatalf("電池 found %q", titles(res))
	}
	var en *search.Hit
	for i, h := range res.Hits {
		if h.Listing.Language == "en" {
			en = &res.Hits[i]
			break
		}
	}
	if en == nil || en.Listing.Title != "Sodium-ion batteries for grid storage" {
		t.Fatalf("電池 found no English battery listing: %q", titles(res))
	}
	if got := translationsOf(*en); !slices.Contains(got, "電池 → battery") {
		t.Errorf("explanation translations = %q, want 電池 → battery", got)
	}
	for _, tm := range en.Explanation.Terms {
		if tm.Translation != "" && (tm.Query != "電池" || !slices.Contains(tm.Surfaces, "batteries")) {
			t.Errorf("term match %+v: want the query word 電池 and the listing's surface batteries", tm)
		}
	}
	// Restricted to one language, the Japanese query finds only Japanese.
	for _, h := range search1(t, e, "電池", true).Hits {
		if h.Listing.Language != "ja" || len(translationsOf(h)) > 0 {
			t.Errorf("monolingual 電池 found %q (%s) through %q", h.Listing.Title, h.Listing.Language, translationsOf(h))
		}
	}
}

func TestEnglishQueryFindsJapaneseListing(t *testing.T) {
	e := xlingEngine(t, testLexicon(t), xlingDocs...)
	res := search1(t, e, "battery", false)
	i := slices.Index(titles(res), "全固体電池の開発")
	if i < 0 {
		t.Fatalf("battery found %q, want the Japanese 全固体電池の開発 too", titles(res))
	}
	if got := translationsOf(res.Hits[i]); !slices.Contains(got, "battery → 電池") {
		t.Errorf("explanation translations = %q, want battery → 電池", got)
	}
	if slices.Contains(titles(search1(t, e, "battery", true)), "全固体電池の開発") {
		t.Error("monolingual English search found the Japanese listing")
	}
}

func TestCompoundsTranslatedWholeOrByParts(t *testing.T) {
	e := xlingEngine(t, testLexicon(t), xlingDocs...)
	// 全固体電池 is not in the dictionary: 固体 and 電池 are looked up.
	res := search1(t, e, "全固体電池", false)
	i := slices.Index(titles(res), "Solid electrolytes")
	j := slices.Index(titles(res), "Sodium-ion batteries for grid storage")
	if i < 0 || j < 0 {
		t.Fatalf("全固体電池 found %q, want both the solid and the battery listings", titles(res))
	}
	if got := translationsOf(res.Hits[i]); !slices.Contains(got, "固体 → solid") {
		t.Errorf("translations %q, want 固体 → solid", got)
	}
	// 燃料電池 is known: fuel cell, as a whole. Its parts count too, as
	// they do within one language (電池 finds 燃料電池), so listings on
	// batteries follow, below.
	res = search1(t, e, "燃料電池", false)
	if len(res.Hits) == 0 || res.Hits[0].Listing.Title != "Fuel cell stacks" {
		t.Fatalf("燃料電池 found %q, want Fuel cell stacks first", titles(res))
	}
	if got := translationsOf(res.Hits[0]); !slices.Contains(got, "燃料電池 → fuel cell") {
		t.Errorf("translations %q, want 燃料電池 → fuel cell", got)
	}
	i = slices.Index(titles(res), "Sodium-ion batteries for grid storage")
	if i < 1 {
		t.Fatalf("燃料電池 found %q, want the battery listing below the fuel-cell one", titles(res))
	}
	if got := translationsOf(res.Hits[i]); !slices.Contains(got, "電池 → battery") {
		t.Errorf("battery listing translations %q, want 電池 → battery", got)
	}
}

func TestKatakanaLoanwordFallback(t *testing.T) {
	e := xlingEngine(t, testLexicon(t), xlingDocs...) // センサー is not in the test lexicon
	res := search1(t, e, "ウェアラブルセンサー", false)
	if len(res.Hits) == 0 || res.Hits[0].Listing.Title != "Wearable sensors" {
		t.Fatalf("ウェアラブルセンサー found %q", titles(res))
	}
	got := translationsOf(res.Hits[0])
	if !slices.Contains(got, "センサー → sensors") {
		t.Errorf("translations %q, want センサー → sensors (the listing's word)", got)
	}
}

func TestAlternativesShareTheirWordsWeight(t *testing.T) {
	// 素子 has five senses, 冷却 one. A listing holding all five
	// translations of 素子 must not outscore one holding the single
	// translation of 冷却, all else (length, document frequency) equal.
	docs := [][3]string{
		{"en", "element device component unit part", ""},
		{"en", "cooling alpha beta gamma delta", ""},
		{"en", "unrelated text about ships", ""},
		{"en", "another unrelated text", ""},
	}
	e := xlingEngine(t, testLexicon(t), docs...)
	ranked, err := e.SearchIDs(context.Background(), search.Query{Text: "素子 冷却", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	score := map[int64]float64{}
	for _, r := range ranked {
		score[r.ID] = r.Score
	}
	if score[1] <= 0 || score[2] <= 0 {
		t.Fatalf("scores %v: both listings should match", score)
	}
	if score[1] > score[2]*(1+1e-9) {
		t.Errorf("five translations of one word score %v, more than one translation of another %v", score[1], score[2])
	}
	// The first sense weighs most.
	res := search1(t, e, "素子", false)
	contrib := map[string]float64{}
	for _, tm := range res.Hits[0].Explanation.Terms {
		contrib[tm.Translation] = tm.Contribution
	}
	if !(contrib["素子 → element"] > contrib["素子 → device"] && contrib["素子 → device"] > contrib["素子 → part"]) {
		t.Errorf("contributions %v: want element > device > part", contrib)
	}
	var sum float64
	for _, c := range contrib {
		sum += c
	}
	if math.Abs(sum-res.Hits[0].Score) > 1e-6*res.Hits[0].Score {
		t.Errorf("contributions add to %v, score is %v", sum, res.Hits[0].Score)
	}
}

func TestMatchAcrossLanguages(t *testing.T) {
	e := xlingEngine(t, testLexicon(t), xlingDocs...)
	need := &kakehashi.Listing{Side: kakehashi.SideNeed, Kind: kakehashi.KindChallenge, Language: "ja", Title: "燃料電池の診断",
		Summary: "燃料電池スタックの劣化を診断したい。", TRL: 4, Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen}
	m, err := e.MatchListing(context.Background(), need, nil, search.MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Hits) == 0 || m.Hits[0].Listing.Title != "Fuel cell stacks" {
		t.Fatalf("the Japanese need matched %d hits, want Fuel cell stacks first", len(m.Hits))
	}
	if got := translationsOf(m.Hits[0]); !slices.Contains(got, "燃料電池 → fuel cell") {
		t.Errorf("match translations %q", got)
	}
	mono, err := e.MatchListing(context.Background(), need, nil, search.MatchOptions{Filter: search.Filter{Monolingual: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range mono.Hits {
		if h.Listing.Language == "en" {
			t.Errorf("monolingual match found the English %q", h.Listing.Title)
		}
	}
	if r := e.RankListing(need, 5, search.Filter{}, nil); len(r) == 0 || r[0].ID != 6 {
		t.Errorf("RankListing = %v, want listing 6 (Fuel cell stacks) first", r)
	}
}

func TestWithoutDictionaryMonolingual(t *testing.T) {
	e := xlingEngine(t, nil, xlingDocs...)
	if !strings.HasPrefix(e.Languages(), "monolingual") {
		t.Errorf("Languages() = %q", e.Languages())
	}
	for _, h := range search1(t, e, "電池", false).Hits {
		if h.Listing.Language != "ja" {
			t.Errorf("without a dictionary 電池 found %q", h.Listing.Title)
		}
	}
	if got := titles(search1(t, e, "batteries", false)); len(got) == 0 || got[0] != "Sodium-ion batteries for grid storage" {
		t.Errorf("English search without a dictionary: %q", got)
	}
	if l := xlingEngine(t, testLexicon(t)).Languages(); !strings.HasPrefix(l, "cross-lingual") {
		t.Errorf("Languages() with a dictionary = %q", l)
	}
}

func TestEnglishPhraseTranslatedWhole(t *testing.T) {
	e := xlingEngine(t, testLexicon(t),
		[3]string{"ja", "燃料電池スタックの劣化診断", "燃料電池の診断技術。"},
		[3]string{"ja", "リチウム電池の安全性", "電池の熱暴走を防ぐ。"},
		[3]string{"en", "Fuel cell stacks", "Membranes for fuel cells."})
	res := search1(t, e, "fuel cells", false)
	i := slices.Index(titles(res), "燃料電池スタックの劣化診断")
	if i < 0 {
		t.Fatalf("fuel cells found %q, want the Japanese fuel-cell listing", titles(res))
	}
	if got := translationsOf(res.Hits[i]); !slices.Contains(got, "fuel cells → 燃料電池") {
		t.Errorf("translations %q, want fuel cells → 燃料電池", got)
	}
	// cell is not translated alone (cell → 電池): the battery listing,
	// which shares no word with fuel cells, is not found.
	if slices.Contains(titles(res), "リチウム電池の安全性") {
		t.Errorf("fuel cells found the battery listing: %q", titles(res))
	}
}

func TestTranslationConcurrentSearches(t *testing.T) {
	e := xlingEngine(t, testLexicon(t), xlingDocs...)
	want := map[string][]string{}
	queries := []string{"電池", "ウェアラブルセンサー", "fuel cells", "全固体電池", "battery"}
	for _, q := range queries {
		want[q] = titles(search1(t, e, q, false))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				q := queries[(g+i)%len(queries)]
				res, err := e.Search(context.Background(), search.Query{Text: q, Limit: 10})
				if err != nil || !slices.Equal(titles(res), want[q]) {
					errs <- q
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for q := range errs {
		t.Errorf("concurrent search for %s ranked differently", q)
	}
}
