package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/internal/pgtest"
	"github.com/kakehashi/kakehashi/internal/testclock"
)

var postgres pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	postgres.Stop()
	os.Exit(code)
}

// miniEDICT is the lexicon package's EUC-JP test dictionary: the real one
// is read at run time and never copied into the repository.
const miniEDICT = "../../lexicon/testdata/mini.edict"

type result struct {
	stdout, stderr string
	err            error
}

func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &Env{cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: testclock.Now}}
	err := e.Run(context.Background(), args)
	return result{out.String(), errb.String(), err}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// goBuild builds the main package pkg into dir/name and returns its path.
func goBuild(t *testing.T, dir, name, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// buildBinary builds the server binary (cmd/kakehashi) that the load
// harness starts as replicas.
func buildBinary(t *testing.T) string {
	t.Helper()
	return goBuild(t, t.TempDir(), "kakehashi", "../kakehashi")
}

func TestBenchCommands(t *testing.T) {
	corpus := writeFile(t, "corpus.jsonl", `{"_id":"d1","title":"Sodium batteries","text":"Hard carbon anodes for sodium-ion batteries."}
{"_id":"d2","title":"Chest radiographs","text":"Deep learning flags urgent chest X-rays."}
`)
	queries := writeFile(t, "queries.jsonl", `{"_id":"1","text":"sodium anode"}`+"\n")
	qrels := writeFile(t, "qrels.tsv", "query-id\tcorpus-id\tscore\n1\td1\t1\n")
	runFile := filepath.Join(t.TempDir(), "run.trec")
	r := runCLI(t, nil, "", "beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--run", runFile, "--json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var rep BEIRReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Systems) != 3 || rep.Machine.Cores == 0 {
		t.Fatalf("bench beir --json: %v\n%s", err, r.stdout)
	}
	for _, s := range rep.Systems {
		if s.Metrics.NDCG10 != 1 || s.EngineLatencyRatio <= 0 {
			t.Errorf("%s: %+v", s.System, s)
		}
	}
	if b, err := os.ReadFile(runFile); err != nil || !strings.HasPrefix(string(b), "1 Q0 d1 1 ") {
		t.Fatalf("run file: %v %q", err, b)
	}
	r = runCLI(t, nil, "", "scale", "--listings", "3000", "--queries", "20")
	if r.err != nil || !strings.Contains(r.stdout, "3000") || !strings.Contains(r.stdout, "match p99 ms") {
		t.Fatalf("bench scale: %v\n%s", r.err, r.stdout)
	}
	for _, args := range [][]string{{}, {"nope"}, {"beir"}, {"beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--peers", "lucene"},
		{"beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--params", "k1=x"}, {"scale", "--listings", "0"}} {
		if r := runCLI(t, nil, "", args...); cli.ExitCode(r.err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, r.err)
		}
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
	args := []string{"beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--peers", "none", "--lexicon", miniEDICT,
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
		{"beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--ja-queries", jaQueries},
		{"beir", "--corpus", corpus, "--queries", queries, "--qrels", qrels, "--ja-queries", jaQueries, "--ja-qrels", jaQrels, "--lexicon", "none"},
	} {
		if r := runCLI(t, nil, "", bad...); cli.ExitCode(r.err) != 2 {
			t.Errorf("%v: %v, want a usage error", bad, r.err)
		}
	}
	if r := runCLI(t, nil, "", append(args[:len(args)-6:len(args)-6], "--lexicon", filepath.Join(t.TempDir(), "absent"), "--ja-queries", jaQueries, "--ja-qrels", jaQrels)...); r.err == nil {
		t.Error("bench beir --ja-queries without a dictionary succeeded")
	}
}
