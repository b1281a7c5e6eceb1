package testclock

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wallClockReads lists, per file, the calls that may read the wall clock
// directly: each measures elapsed time (a build's duration, a request's
// latency, a progress rate, a scheduler's time budget) or is the default
// of an injectable clock. Any other "now" must come from the one injected
// clock, or a test that fixes time sees one layer follow it and another
// follow the calendar — the bug that once broke CI weeks after it landed.
var wallClockReads = map[string]int{
	"cmd/kakehashi/data.go":   4, // progress bar rate
	"cmd/kakehashi/screen.go": 2, // load duration
	"cmd/kakehashi/search.go": 2, // query duration
	"cmd/kakehashi/serve.go":  2, // KPI refresh duration
	"httpapi/server.go":       2, // request latency
	"internal/cli/cli.go":     1, // Env.Clock's default: the wall clock
	"metrics/metrics.go":      2, // uptime
	"schedule/schedule.go":    2, // time budget of the search
	"search/engine.go":        5, // index build duration; Probe's monotonic uptime (lock wait, follower idleness)
}

// TestNoStrayWallClock fails when product code reads the wall clock
// (time.Now, time.Since, time.Until) outside the places listed above.
func TestNoStrayWallClock(t *testing.T) {
	root := moduleRoot(t)
	got := map[string]int{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			// Tests, test helpers and benchmarks may time themselves.
			switch {
			case strings.HasPrefix(d.Name(), "."), d.Name() == "testdata", rel == "bench", strings.HasPrefix(rel, "bench/"),
				rel == "internal/testclock", rel == "internal/testwait", rel == "internal/pgtest", strings.HasSuffix(rel, "test") && rel != "." && strings.Contains(rel, "/"):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			(strings.HasPrefix(rel, "cmd/kakehashi/bench") || strings.HasPrefix(rel, "cmd/kakehashi-bench/")) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
				got[rel]++
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for file, n := range got {
		if n > wallClockReads[file] {
			t.Errorf("%s reads the wall clock %d times (allowed %d): take \"now\" from the injected clock, or, if it measures elapsed time, raise its entry in wallClockReads with the reason", file, n, wallClockReads[file])
		}
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
