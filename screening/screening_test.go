package screening

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kakehashi/kakehashi"
)

const cslPath = "../../shared/data/us-consolidated-screening-list.csv.gz"

// loadCSL parses the real list once per test binary. It skips when the file
// is absent outside CI and fails when it is absent in CI.
var loadCSL = sync.OnceValues(func() ([]kakehashi.ScreeningEntry, error) {
	f, err := os.Open(cslPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return ParseCSL(zr)
})

var csIndex = sync.OnceValue(func() *Index {
	es, _ := loadCSL()
	return NewIndex(es)
})

func realList(t *testing.T) []kakehashi.ScreeningEntry {
	t.Helper()
	if _, err := os.Stat(cslPath); os.IsNotExist(err) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (CI=true)", cslPath)
		}
		t.Skipf("%s is absent; the real Consolidated Screening List is needed", cslPath)
	}
	es, err := loadCSL()
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestParseCSLReal(t *testing.T) {
	es := realList(t)
	if len(es) != 23432 {
		t.Fatalf("entries = %d, want 23432", len(es))
	}
	types := map[string]int{}
	for _, e := range es {
		types[e.Type]++
		if e.ID == "" || e.Name == "" || e.Source == "" {
			t.Fatalf("incomplete entry %+v", e)
		}
	}
	want := map[string]int{"Entity": 9218, "Individual": 7518, "": 5066, "Vessel": 1256, "Aircraft": 374}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("types = %v, want %v", types, want)
	}
	var armenia *kakehashi.ScreeningEntry
	for i := range es {
		if es[i].Name == "Atlas Sanatgaran" {
			armenia = &es[i]
		}
	}
	if armenia == nil || armenia.Country != "AM" || !strings.HasPrefix(armenia.Source, "Unverified List") {
		t.Errorf("Atlas Sanatgaran = %+v, want country AM from its address", armenia)
	}
}

func TestNormalizeLegalForms(t *testing.T) {
	for in, want := range map[string]string{
		"Huawei Technologies Co., Ltd.":       "huawei technology",
		"HUAWEI TECHNOLOGIES COMPANY LIMITED": "huawei technology",
		"Kabushiki Kaisha Toshiba":            "toshiba",
		"株式会社 東芝":                             "東芝",
		"東芝株式会社":                              "東芝",
		"有限会社 山田商店":                           "山田商店",
		"Siemens AG":                          "siemens",
		"Robert Bosch GmbH":                   "robert bosch",
		"Société Générale S.A.":               "societe generale",
		"Fiat S.p.A.":                         "fiat",
		"ООО Ромашка":                         "romashka",
		"OOO Romashka":                        "romashka",
		"PJSC Gazprom":                        "gazprom",
		"Public Joint Stock Company Gazprom":  "gazprom",
		"AO Kontsern Okeanpribor":             "concern okeanpribor",
		"Tata Consultancy Services Pvt Ltd":   "tata consultancy service",
		"Petronas Sdn Bhd":                    "petronas",
		"Acme Intl. Univ. & Tech Corp":        "acme international university technology",
		"Acme, Inc.":                          "acme",
		"ＡＣＭＥ　ＬＬＣ":                            "acme",
		"Müller Präzision GmbH & Co. KG":      "muller prazision",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	// A legal form alone is kept: there is nothing else to match on.
	if got := Normalize("Limited"); got != "limited" {
		t.Errorf("Normalize(Limited) = %q", got)
	}
}

func TestNormalizeTransliteration(t *testing.T) {
	for in, want := range map[string]string{
		"Рособоронэкспорт": "rosoboroneksport",
		"ロステック":            "rostek",
		"ガスプロム":            "gasprom",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

var small = []kakehashi.ScreeningEntry{
	{ID: "1", Source: "test", Name: "Huawei Technologies Co., Ltd.", Aliases: []string{"Huawei"}, Country: "CN"},
	{ID: "2", Source: "test", Name: "Harbin Institute of Technology", Country: "CN"},
	{ID: "3", Source: "test", Name: "ZAHHAR, Mahmoud Khaled", Type: "Individual"},
	{ID: "4", Source: "test", Name: "JOINT STOCK COMPANY CONCERN SOZVEZDIE", Aliases: []string{"JSC CONCERN SOZVEZDIE"}, Country: "RU"},
}

func TestCheckFindsExactNames(t *testing.T) {
	ix := NewIndex(small)
	for _, e := range small {
		for _, name := range append([]string{e.Name}, e.Aliases...) {
			hits := ix.Check(Query{Name: name}, DefaultThreshold, 0)
			if len(hits) == 0 || hits[0].Entry.ID != e.ID || hits[0].Score < 0.999 {
				t.Errorf("Check(%q) = %v, want entry %s first with score 1", name, hits, e.ID)
			}
		}
	}
}

func TestCheckFindsExactNamesReal(t *testing.T) {
	es := realList(t)
	ix := csIndex()
	for i := 0; i < len(es); i += 97 { // a spread sample; every name must find itself
		e := es[i]
		hits := ix.Check(Query{Name: e.Name, Country: e.Country}, DefaultThreshold, 50)
		if !slices.ContainsFunc(hits, func(h Hit) bool { return h.Entry.ID == e.ID }) {
			t.Errorf("Check(%q) does not find %s", e.Name, e.ID)
		}
	}
}

func feature(h Hit, name string) (Feature, bool) {
	for _, f := range h.Features {
		if f.Name == name {
			return f, true
		}
	}
	return Feature{}, false
}

func TestExplanation(t *testing.T) {
	ix := NewIndex(small)
	hits := ix.Check(Query{Name: "Huawei Technologies Kabushiki Kaisha", Country: "JP"}, 0.5, 1)
	if len(hits) != 1 {
		t.Fatalf("hits = %v", hits)
	}
	h := hits[0]
	var sum float64
	for _, f := range h.Features {
		sum += f.Contribution
	}
	if d := sum - h.Score; d > 1e-3 || d < -1e-3 {
		t.Errorf("contributions sum to %.4f, score %.4f", sum, h.Score)
	}
	if f, ok := feature(h, "country"); !ok || f.Contribution >= 0 || f.Value != -1 {
		t.Errorf("country feature = %+v, want a penalty (JP vs CN)", f)
	}
	if f, ok := feature(h, "legal_form"); !ok || !strings.Contains(f.Detail, "kabushiki kaisha") {
		t.Errorf("legal_form feature = %+v", f)
	}
	for _, name := range []string{"name_similarity", "token_overlap", "alias"} {
		if _, ok := feature(h, name); !ok {
			t.Errorf("no %s feature in %+v", name, h.Features)
		}
	}

	alias := ix.Check(Query{Name: "Huawei", Country: "CN"}, 0.5, 1)
	if len(alias) == 0 {
		t.Fatal("alias not found")
	}
	if f, _ := feature(alias[0], "alias"); f.Value != 1 || !strings.Contains(f.Detail, `alias "Huawei" matched`) {
		t.Errorf("alias feature = %+v", f)
	}
	if f, _ := feature(alias[0], "country"); f.Contribution <= 0 {
		t.Errorf("same country should add: %+v", f)
	}
	// Unknown country is neutral.
	ind := ix.Check(Query{Name: "Mahmoud Khaled Zahhar", Country: "PS"}, 0.5, 1)
	if len(ind) == 0 || ind[0].Entry.ID != "3" {
		t.Fatalf("token order: %v", ind)
	}
	if f, _ := feature(ind[0], "country"); f.Contribution != 0 {
		t.Errorf("unknown listed country should be neutral: %+v", f)
	}
}

func TestCountryRaisesAndLowers(t *testing.T) {
	ix := NewIndex(small)
	q := "Harbin Institute of Technolgy"
	none := ix.Check(Query{Name: q}, 0, 1)[0].Score
	same := ix.Check(Query{Name: q, Country: "cn"}, 0, 1)[0].Score
	other := ix.Check(Query{Name: q, Country: "JP"}, 0, 1)[0].Score
	if !(same > none && none > other) {
		t.Errorf("scores same %.3f, none %.3f, other %.3f", same, none, other)
	}
}

func TestBlocking(t *testing.T) {
	realList(t)
	ix := csIndex()
	for _, q := range []string{"Huawei Technologies", "Harbin Institute of Technology", "Rosoboronexport", "Bank", "International Trading Company", "Huawie Technolgies"} {
		_, compared := ix.check(Query{Name: q}, DefaultThreshold, 10)
		if compared == 0 || compared > len(ix.variants)/20 {
			t.Errorf("%q compared %d of %d names; blocking should keep it far below", q, compared, len(ix.variants))
		}
	}
	// Typos still reach their entry through trigrams.
	hits := ix.Check(Query{Name: "Rosoboronexprot"}, DefaultThreshold, 10)
	if len(hits) == 0 || !strings.Contains(strings.ToLower(hits[0].Entry.Name), "rosoboron") {
		t.Errorf("typo: %v", hits)
	}
}

func TestDeterminism(t *testing.T) {
	realList(t)
	ix := csIndex()
	for _, q := range []string{"Huawei", "Gazprom", "Sberbank", "Iran Air", "Beijing Institute of Technology"} {
		a := ix.Check(Query{Name: q}, 0.6, 20)
		for range 3 {
			if b := ix.Check(Query{Name: q}, 0.6, 20); !reflect.DeepEqual(a, b) {
				t.Fatalf("%q: results differ between runs", q)
			}
		}
		if !slices.IsSortedFunc(a, func(x, y Hit) int {
			if x.Score != y.Score {
				if x.Score > y.Score {
					return -1
				}
				return 1
			}
			return strings.Compare(x.Entry.ID, y.Entry.ID)
		}) {
			t.Errorf("%q: hits not best first, then by id", q)
		}
	}
	es, _ := loadCSL()
	rev := slices.Clone(es)
	slices.Reverse(rev)
	ix2 := NewIndex(rev)
	a, b := ix.Check(Query{Name: "Huawei Technologies"}, 0.6, 20), ix2.Check(Query{Name: "Huawei Technologies"}, 0.6, 20)
	if len(a) != len(b) {
		t.Fatalf("entry order changes the hits: %d vs %d", len(a), len(b))
	}
}

type labeledCase struct {
	ID      string   `json:"id"`
	Query   string   `json:"query"`
	Country string   `json:"country"`
	Expect  []string `json:"expect"`
}

func TestCaseSet(t *testing.T) {
	realList(t)
	ix := csIndex()
	f, err := os.Open("testdata/cases.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pos, found, neg, fp int
	var missed, falseHits []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c labeledCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		hits := ix.Check(Query{Name: c.Query, Country: c.Country}, DefaultThreshold, 10)
		if len(c.Expect) == 0 {
			neg++
			if len(hits) > 0 {
				fp++
				falseHits = append(falseHits, c.ID+" "+c.Query+" → "+hits[0].Matched)
			}
			continue
		}
		pos++
		if slices.ContainsFunc(hits, func(h Hit) bool { return slices.Contains(c.Expect, h.Entry.ID) }) {
			found++
		} else {
			missed = append(missed, c.ID+" "+c.Query)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	recall, fpr := float64(found)/float64(pos), float64(fp)/float64(neg)
	t.Logf("recall %.4f (%d/%d), FPR %.4f (%d/%d) at %.2f", recall, found, pos, fpr, fp, neg, DefaultThreshold)
	t.Logf("missed: %s", strings.Join(missed, "; "))
	t.Logf("false positives: %s", strings.Join(falseHits, "; "))
	if pos < 300 || neg < 50 {
		t.Errorf("case set too small: %d positives, %d negatives", pos, neg)
	}
	if recall < 0.95 {
		t.Errorf("recall %.4f < 0.95", recall)
	}
	if fpr > 0.02 {
		t.Errorf("FPR %.4f > 0.02", fpr)
	}
}
