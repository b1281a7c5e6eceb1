package web_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestWebDoesNotImportHTTPAPI guards the split between the two HTTP
// adapters: the pages share logic with the JSON API through app and the
// encoders (ical, kpicsv), never by importing httpapi, so that either can
// change without the other. The module-wide import rules are checked
// elsewhere; this is the pages' own guard. Tests may still mount both.
func TestWebDoesNotImportHTTPAPI(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go tool to list the dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list -deps: %v", err)
	}
	const forbidden = "github.com/kakehashi/kakehashi/httpapi"
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, d := range deps {
		if d == forbidden || strings.HasPrefix(d, forbidden+"/") {
			t.Errorf("web depends on %s; share code through app instead", d)
		}
	}
}
