package main

import (
	"bytes"
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
