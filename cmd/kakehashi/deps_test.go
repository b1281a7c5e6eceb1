package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServerDependencies enforces what the server binary may link: none of
// the benchmarks (Bleve, the FTS5 peer, the load generator: anything under
// bench/ or github.com/blevesearch/), not the test PostgreSQL launcher
// internal/pgtest (which runs initdb -A trust), and no package that needs
// cgo, so that the server builds with CGO_ENABLED=0 into a static binary.
func TestServerDependencies(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,CgoFiles,Standard", ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, stderr.String())
	}
	if bad := forbiddenDeps(out); len(bad) > 0 {
		t.Errorf("cmd/kakehashi depends on packages the server must not link:\n  %s", strings.Join(bad, "\n  "))
	}

	build := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "kakehashi"), ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("CGO_ENABLED=0 go build ./cmd/kakehashi: %v\n%s", err, out)
	}
}

// forbiddenDeps reads the JSON stream of go list -deps -json and returns
// each package the server must not depend on, with the reason.
func forbiddenDeps(list []byte) []string {
	const module = "github.com/kakehashi/kakehashi"
	var bad []string
	dec := json.NewDecoder(bytes.NewReader(list))
	for {
		var p struct {
			ImportPath string
			CgoFiles   []string
			Standard   bool
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return append(bad, "unreadable go list output: "+err.Error())
		}
		switch {
		case strings.HasPrefix(p.ImportPath, "github.com/blevesearch/"):
			bad = append(bad, p.ImportPath+" (Bleve is a benchmark peer)")
		case p.ImportPath == module+"/bench" || strings.HasPrefix(p.ImportPath, module+"/bench/"):
			bad = append(bad, p.ImportPath+" (benchmarks live in cmd/kakehashi-bench)")
		case p.ImportPath == module+"/internal/pgtest":
			bad = append(bad, p.ImportPath+" (the test PostgreSQL launcher)")
		case len(p.CgoFiles) > 0 && !p.Standard:
			bad = append(bad, p.ImportPath+" (needs cgo: "+strings.Join(p.CgoFiles, ", ")+")")
		}
	}
	return bad
}

// TestForbiddenDepsCatches checks the check itself on a made-up list: each
// kind of forbidden package is reported, the allowed ones are not.
func TestForbiddenDepsCatches(t *testing.T) {
	list := `{"ImportPath":"net","CgoFiles":["cgo_unix.go"],"Standard":true}
{"ImportPath":"github.com/kakehashi/kakehashi/sqlstore"}
{"ImportPath":"github.com/kakehashi/kakehashi/benchmarks-not"}
{"ImportPath":"github.com/blevesearch/bleve/v2"}
{"ImportPath":"github.com/kakehashi/kakehashi/bench"}
{"ImportPath":"github.com/kakehashi/kakehashi/bench/loadgen"}
{"ImportPath":"github.com/kakehashi/kakehashi/internal/pgtest"}
{"ImportPath":"example.com/sqlite3","CgoFiles":["sqlite3.go"]}
`
	got := forbiddenDeps([]byte(list))
	want := []string{"github.com/blevesearch/bleve/v2", "github.com/kakehashi/kakehashi/bench ", "github.com/kakehashi/kakehashi/bench/loadgen",
		"github.com/kakehashi/kakehashi/internal/pgtest", "example.com/sqlite3"}
	if len(got) != len(want) {
		t.Fatalf("got %d reports, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("report %d: %q, want one about %s", i, got[i], w)
		}
	}
}
