package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// miniEDICT is the lexicon package's EUC-JP test dictionary: the real one
// is read at run time and never copied into the repository.
const miniEDICT = "../../lexicon/testdata/mini.edict"

func TestSearchAcrossLanguagesCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	in := writeFile(t, "in.jsonl", `{"record":"organization","external_id":"o1","name":"Boston Cells","kind":"startup","country":"US"}
{"record":"organization","external_id":"o2","name":"Hoshizora Motors","kind":"company","country":"JP"}
{"record":"listing","external_id":"s1","org":"o1","side":"seed","kind":"technology","title":"Sodium batteries","summary":"Hard carbon anodes for sodium-ion batteries.","language":"en","trl":4}
{"record":"listing","external_id":"n1","org":"o2","side":"need","kind":"challenge","title":"車載用の電池を求む","summary":"安価な電池を探しています。","language":"ja","trl":5}
`)
	if r := runCLI(t, nil, "", "import", "--db", db, "--format", "jsonl", in); r.err != nil {
		t.Fatal(r.err)
	}
	r := runCLI(t, nil, "", "search", "--db", db, "--lexicon", miniEDICT, "--side", "seed", "電池")
	if r.err != nil || !strings.Contains(r.stdout, "Sodium batteries") || !strings.Contains(r.stdout, "電池 → battery(") {
		t.Fatalf("cross-lingual search: %v\n%s", r.err, r.stdout)
	}
	r = runCLI(t, nil, "", "search", "--db", db, "--lexicon", miniEDICT, "--side", "seed", "--monolingual", "電池")
	if r.err != nil || strings.Contains(r.stdout, "Sodium batteries") {
		t.Fatalf("search --monolingual found the English seed: %v\n%s", r.err, r.stdout)
	}
	r = runCLI(t, nil, "", "match", "--db", db, "--lexicon", miniEDICT, "2")
	if r.err != nil || !strings.Contains(r.stdout, "Sodium batteries") || !strings.Contains(r.stdout, "電池 → battery(") {
		t.Fatalf("cross-lingual match: %v\n%s", r.err, r.stdout)
	}
	r = runCLI(t, nil, "", "match", "--db", db, "--lexicon", miniEDICT, "--monolingual", "2")
	if r.err != nil || strings.Contains(r.stdout, "Sodium batteries") {
		t.Fatalf("match --monolingual found the English seed: %v\n%s", r.err, r.stdout)
	}
	// Without a dictionary: monolingual, said once in the log.
	r = runCLI(t, nil, "", "search", "--db", db, "--lexicon", filepath.Join(t.TempDir(), "absent"), "--side", "seed", "電池")
	if r.err != nil || strings.Contains(r.stdout, "Sodium batteries") || strings.Count(r.stderr, "search is monolingual") != 1 {
		t.Fatalf("search without a dictionary: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
}

func TestLoadLexiconLogsOnce(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	if l := loadLexicon(log, filepath.Join(t.TempDir(), "absent")); l != nil {
		t.Fatal("an absent dictionary loaded")
	}
	if strings.Count(buf.String(), "level=WARN") != 1 || !strings.Contains(buf.String(), "monolingual") {
		t.Errorf("log: %s", buf.String())
	}
	buf.Reset()
	if l := loadLexicon(log, miniEDICT); l == nil || !strings.Contains(buf.String(), "dictionary loaded") {
		t.Errorf("mini EDICT: %v, log %s", l, buf.String())
	}
	if l := loadLexicon(log, "none"); l != nil {
		t.Error("--lexicon none loaded a dictionary")
	}
}

func TestBenchBEIRCrossLingual(t *testing.T) {
	corpus := writeFile(t, "corpus.jsonl", `{"_id":"d1","title":"Sodium batteries","text":"Hard carbon anodes for sodium-ion batteries."}
{"_id":"d2","title":"Cell biology","text":"Stem cells divide in the niche."}
{"_id":"d3","title":"Wearable sensors","text":"Strain sensors on skin."}
`)
	queries := writeFile(t, "queries.jsonl", `{"_id":"1","text":"sodium batteries"}
{"_id":"2","text":"wearable sensors"}
{"_id":"3","text":"chest x-ray"}
`)
	qrels := writeFile(t, "qrels.tsv", "query-id\tcorpus-id\tscore\n1\td1\t1\n2\td3\t1\n3\td2\t1\n")
	jaQueries := writeFile(t, "ja.jsonl", `{"_id":"1","text":"ナトリウム電池"}
{"_id":"2","text":"センサー"}
`)
	jaQrels := writeFile(t, "ja.tsv", "query-id\tcorpus-id\tscore\n1\td1\t1\n2\td3\t1\n")
	args := []string{"bench", "beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--peers", "none", "--lexicon", miniEDICT,
		"--ja-queries", jaQueries, "--ja-qrels", jaQrels}
	r := runCLI(t, nil, "", append(args, "--json")...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	var rep BEIRReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.CrossLingual == nil || rep.Lexicon == nil {
		t.Fatalf("bench beir --json: %v\n%s", err, r.stdout)
	}
	x := rep.CrossLingual
	if x.Claims != 2 || x.English.Queries != 2 || x.English.NDCG10 != 1 || x.Japanese.NDCG10 != 0 || x.Translated.NDCG10 != 1 || x.Ratio != 1 {
		t.Errorf("cross-lingual report %+v", x)
	}
	r = runCLI(t, nil, "", args...)
	if r.err != nil || !strings.Contains(r.stdout, "Japanese, translated") || !strings.Contains(r.stdout, "translated/English nDCG@10: 1.000") {
		t.Fatalf("bench beir table: %v\n%s", r.err, r.stdout)
	}
	for _, bad := range [][]string{
		{"bench", "beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--ja-queries", jaQueries},
		{"bench", "beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--ja-queries", jaQueries, "--ja-qrels", jaQrels, "--lexicon", "none"},
	} {
		if r := runCLI(t, nil, "", bad...); exitCode(r.err) != 2 {
			t.Errorf("%v: %v, want a usage error", bad, r.err)
		}
	}
	if r := runCLI(t, nil, "", append(args[:len(args)-6:len(args)-6], "--lexicon", filepath.Join(t.TempDir(), "absent"), "--ja-queries", jaQueries, "--ja-qrels", jaQrels)...); r.err == nil {
		t.Error("bench beir --ja-queries without a dictionary succeeded")
	}
}
