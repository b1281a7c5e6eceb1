// Package archtest holds the module's import rules (issue 16): which
// packages may depend on which. It has no code of its own; its test reads
// the import graph with `go list -deps -json` and fails on a dependency the
// architecture forbids.
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// adapters are the packages that talk to the outside world or to a user,
// and the application services above the store
// (relative to the module path). The store must not depend on any of them:
// the types they exchange with it live in the root package.
var adapters = []string{"notify", "screening", "search", "httpapi", "web", "compliance", "importer", "demo", "app"}

// knownViolations are forbidden dependencies that exist for now, keyed
// "from -> to" (e.g. "web -> httpapi"), each with the work that removes it.
// The test passes while they remain and fails on any other violation, and
// also when a listed one is gone, so that the list only ever shrinks:
// delete the entry in the change that fixes it. It is empty: web stopped
// importing httpapi when the shared flows moved to package app.
var knownViolations = map[string]string{}

// pkg is the part of `go list -json` output the rules read.
type pkg struct {
	ImportPath string
	Imports    []string // direct imports of the non-test files
	Deps       []string // every package they depend on, transitively
	Module     *struct{ Path string }
}

// listPackages returns the module's packages, with the module path.
func listPackages(t *testing.T) (map[string]*pkg, string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json", "github.com/kakehashi/kakehashi/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	const module = "github.com/kakehashi/kakehashi"
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		if p.Module != nil && p.Module.Path == module {
			pkgs[rel(module, p.ImportPath)] = &p
		}
	}
	if pkgs["."] == nil || pkgs["sqlstore"] == nil {
		t.Fatalf("go list found no root or sqlstore package among %d: run from inside the module", len(pkgs))
	}
	return pkgs, module
}

// rel is path relative to module: "." for the root package, "sqlstore" for
// module/sqlstore, and path itself outside the module.
func rel(module, path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return path
}

// under reports whether package p (relative) is dir or inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// TestImportRules checks the dependencies that issue 16 forbids:
//   - the root package (the domain) depends on no package of the module;
//   - sqlstore (its non-test files, and its sub-packages other than the
//     storetest conformance suite) depends on no adapter;
//   - web does not depend on httpapi, nor httpapi on web: both translate
//     HTTP to service calls, each in its own way.
func TestImportRules(t *testing.T) {
	pkgs, module := listPackages(t)
	found := map[string]string{} // "from -> to" to an explanation

	forbid := func(from, to, why string) {
		p := pkgs[from]
		for _, d := range p.Deps {
			if r := rel(module, d); r != d && under(r, to) {
				how := "indirectly"
				if slices.Contains(p.Imports, d) {
					how = "directly"
				}
				key := fmt.Sprintf("%s -> %s", top(from), to)
				found[key] += fmt.Sprintf("\n\t%s depends %s on %s (%s)", from, how, r, why)
			}
		}
	}

	for name := range pkgs {
		switch {
		case name == ".":
			for _, d := range pkgs[name].Deps {
				if r := rel(module, d); r != d {
					found[". -> "+r] += fmt.Sprintf("\n\tthe root package imports %s: the domain depends on no package of the module", r)
				}
			}
		case under(name, "sqlstore") && !under(name, "sqlstore/storetest"):
			for _, a := range adapters {
				forbid(name, a, "the store implements the root package's interfaces and uses its types, never an adapter's")
			}
		case under(name, "web"):
			forbid(name, "httpapi", "web and httpapi each translate HTTP to service calls; neither depends on the other")
		case under(name, "httpapi"):
			forbid(name, "web", "web and httpapi each translate HTTP to service calls; neither depends on the other")
		}
	}

	keys := slices.Sorted(maps.Keys(found))
	for _, key := range keys {
		detail := found[key]
		if why, ok := knownViolations[key]; ok {
			t.Logf("known violation %s (%s):%s", key, why, detail)
			continue
		}
		t.Errorf("forbidden dependency %s:%s", key, detail)
	}
	for _, key := range slices.Sorted(maps.Keys(knownViolations)) {
		why := knownViolations[key]
		if _, ok := found[key]; !ok {
			t.Errorf("known violation %q (%s) no longer occurs: delete it from knownViolations", key, why)
		}
	}
}

// top is the first element of a relative package path: "web" for
// "web/internal/x", so that the known violations name packages as the
// architecture does.
func top(p string) string {
	first, _, _ := strings.Cut(p, "/")
	return first
}
