package bench

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kakehashi/kakehashi/textproc"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestEvaluate checks the metrics against values worked out by hand with
// trec_eval's definitions.
func TestEvaluate(t *testing.T) {
	qrels := Qrels{
		"q1": {"a": 1, "b": 1},
		"q2": {"c": 2, "d": 1},
		"q3": {"e": 1},
		"q4": {"x": 0}, // no relevant document: not evaluated
	}
	run := map[string][]string{
		"q1": {"a", "z", "b"}, // hits at ranks 1 and 3
		"q2": {"d", "c"},      // graded: d (1) before c (2)
		"q3": {"z", "y", "w"}, // nothing relevant
		"q4": {"x"},
	}
	m := Evaluate(run, qrels)
	if m.Queries != 3 {
		t.Fatalf("evaluated %d queries, want 3", m.Queries)
	}
	ndcg1 := (1 + 1/math.Log2(4)) / (1 + 1/math.Log2(3))
	ndcg2 := (1 + 2/math.Log2(3)) / (2 + 1/math.Log2(3))
	if want := (ndcg1 + ndcg2 + 0) / 3; !near(m.NDCG10, want) {
		t.Errorf("nDCG@10 = %v, want %v", m.NDCG10, want)
	}
	if want := (1.0 + 1.0 + 0) / 3; !near(m.Recall100, want) {
		t.Errorf("Recall@100 = %v, want %v", m.Recall100, want)
	}
	if want := (1.0 + 1.0 + 0) / 3; !near(m.MRR10, want) {
		t.Errorf("MRR@10 = %v, want %v", m.MRR10, want)
	}
	// A relevant document below rank 10 counts for recall only.
	long := make([]string, 20)
	for i := range long {
		long[i] = "n"
	}
	long[14] = "e"
	m = Evaluate(map[string][]string{"q3": long}, Qrels{"q3": {"e": 1}})
	if m.NDCG10 != 0 || m.MRR10 != 0 || m.Recall100 != 1 {
		t.Errorf("relevant at rank 15: %+v", m)
	}
	// A judged query missing from the run scores zero.
	if m := Evaluate(map[string][]string{}, Qrels{"q1": {"a": 1}}); m.Queries != 1 || m.NDCG10 != 0 {
		t.Errorf("missing query: %+v", m)
	}
}

func TestLoadersAndRunFormat(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corpus := write("corpus.jsonl", `{"_id":"d1","title":"Sodium batteries","text":"Hard carbon anodes for sodium-ion batteries."}
{"_id":"d2","title":"Chest radiographs","text":"Deep learning flags urgent chest X-rays."}
{"_id":"d3","title":"Solar cells","text":"Perovskite tandem cells reach 28 percent."}
`)
	queries := write("queries.jsonl", `{"_id":"1","text":"sodium battery anode"}
{"_id":"2","text":"urgent chest x-ray triage"}
`)
	qrels := write("qrels.tsv", "query-id\tcorpus-id\tscore\n1\td1\t1\n2\td2\t1\n")
	docs, err := LoadCorpus(corpus)
	if err != nil || len(docs) != 3 || docs[1].Title != "Chest radiographs" {
		t.Fatalf("corpus: %v %+v", err, docs)
	}
	qs, err := LoadQueries(queries)
	if err != nil || len(qs) != 2 {
		t.Fatalf("queries: %v %+v", err, qs)
	}
	rels, err := LoadQrels(qrels)
	if err != nil || rels["2"]["d2"] != 1 {
		t.Fatalf("qrels: %v %+v", err, rels)
	}
	if _, err := LoadQrels(write("bad.tsv", "query-id\tcorpus-id\tscore\n1\td1\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("malformed qrels: %v", err)
	}
	rep := &SystemReport{run: map[string][]string{"2": {"d2", "d1"}, "1": {"d1"}}}
	var b bytes.Buffer
	if err := WriteRun(&b, rep, "tag"); err != nil {
		t.Fatal(err)
	}
	want := "1 Q0 d1 1 1 tag\n2 Q0 d2 1 2 tag\n2 Q0 d1 2 1 tag\n"
	if b.String() != want {
		t.Fatalf("run file:\n%s\nwant\n%s", b.String(), want)
	}
}

func TestSyntheticIsDeterministic(t *testing.T) {
	a, b := NewSynthetic(7), NewSynthetic(7)
	for _, id := range []int64{1, 500, 99999} {
		la, lb := a.Listing(id), b.Listing(id)
		if la.Title != lb.Title || la.Body != lb.Body || la.OrgID != lb.OrgID {
			t.Fatalf("listing %d differs between two generators with one seed", id)
		}
		if err := la.Validate(); err != nil {
			t.Fatalf("synthetic listing %d is invalid: %v", id, err)
		}
		words := len(strings.Fields(la.Title)) + len(la.Keywords) + len(strings.Fields(la.Summary)) + len(strings.Fields(la.Body))
		if words < 150 || words > 300 {
			t.Fatalf("listing %d has %d words, want 150–300", id, words)
		}
	}
	if NewSynthetic(8).Listing(1).Title == a.Listing(1).Title {
		t.Fatal("the seed does not change the corpus")
	}
	if _, err := RunScale(context.Background(), sharedTestAnalyzer(t), a, 2000, 20); err != nil {
		t.Fatal(err)
	}
}

var (
	testAnOnce sync.Once
	testAn     *textproc.Analyzer
)

func sharedTestAnalyzer(t *testing.T) *textproc.Analyzer {
	testAnOnce.Do(func() { testAn, _ = textproc.New() })
	if testAn == nil {
		t.Fatal("no analyzer")
	}
	return testAn
}
