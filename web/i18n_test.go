package web

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// testCatalog is the catalogue New loads, for tests that draw a view
// without a Handler.
func testCatalog(t testing.TB) *catalog {
	t.Helper()
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readCatalogFile decodes one catalogue file token by token, so that a
// duplicate key, a non-string value or a key out of order is caught (a
// map decode would hide them), and checks the file is written the way the
// encoder writes it (two-space indent, one key a line, no HTML escapes), so
// that edits stay small diffs.
func readCatalogFile(t *testing.T, lang string) (keys []string, text map[string]string) {
	t.Helper()
	name := "i18n/" + lang + ".json"
	b, err := catalogFiles.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not a JSON object (%v, %v)", name, tok, err)
	}
	text = map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		key := tok.(string)
		tok, err = dec.Token()
		if err != nil {
			t.Fatalf("%s: %q: %v", name, key, err)
		}
		s, ok := tok.(string)
		if !ok {
			t.Fatalf("%s: %q is not a string: %v", name, key, tok)
		}
		if len(keys) > 0 && key <= keys[len(keys)-1] {
			t.Errorf("%s: key %q is out of order or repeated (after %q)", name, key, keys[len(keys)-1])
		}
		keys = append(keys, key)
		text[key] = s
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		t.Fatalf("%s: the object does not end (%v, %v)", name, tok, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%s: something follows the object", name)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(text); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want.Bytes()) {
		t.Errorf("%s is not in canonical form: sorted keys, two-space indent, one key a line, a final newline", name)
	}
	return keys, text
}

// fmtVerb matches a fmt verb with its flags, width, precision and argument
// index; %% is matched so that it can be skipped.
var fmtVerb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\d+|\*)?(\.(\d+|\*)?)?(\[\d+\])?[a-zA-Z%]`)

// verbs lists a text's fmt verbs in order (%% left out): the arguments the
// text takes. Explicit argument indexes are kept, so "%[2]s %[1]d" and
// "%[1]d %[2]s" compare equal after sorting.
func verbs(s string) []string {
	var out []string
	for _, v := range fmtVerb.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	if strings.Contains(s, "%[") {
		slices.Sort(out)
	}
	return out
}

// placeholder matches a named placeholder such as {name}.
var placeholder = regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_]*\}`)

// TestCatalogue checks the two catalogue files: valid, sorted, the same
// keys, no empty text, and in each key the same arguments in both
// languages (the same fmt verbs in the same order, the same named
// placeholders).
func TestCatalogue(t *testing.T) {
	enKeys, en := readCatalogFile(t, langEN)
	jaKeys, ja := readCatalogFile(t, langJA)
	for _, k := range enKeys {
		if _, ok := ja[k]; !ok {
			t.Errorf("%q is in en.json but not in ja.json", k)
		}
	}
	for _, k := range jaKeys {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in ja.json but not in en.json", k)
		}
	}
	for _, k := range enKeys {
		e, j := en[k], ja[k]
		if strings.TrimSpace(e) == "" || strings.TrimSpace(j) == "" {
			t.Errorf("%q has an empty text: en %q, ja %q", k, e, j)
		}
		if ve, vj := verbs(e), verbs(j); !slices.Equal(ve, vj) {
			t.Errorf("%q takes different arguments: en %q %v, ja %q %v", k, e, ve, j, vj)
		}
		pe, pj := placeholder.FindAllString(e, -1), placeholder.FindAllString(j, -1)
		slices.Sort(pe)
		slices.Sort(pj)
		if !slices.Equal(pe, pj) {
			t.Errorf("%q has different placeholders: en %v, ja %v", k, pe, pj)
		}
	}
	if len(enKeys) == 0 {
		t.Fatal("the catalogue is empty")
	}
}

// TestVerbsFound checks the verb extraction the catalogue test relies on.
func TestVerbsFound(t *testing.T) {
	for s, want := range map[string][]string{
		"%d listings":           {"%d"},
		"%s may apply (%s, %s)": {"%s", "%s", "%s"},
		"100%% of %v":           {"%v"},
		"%[2]s then %[1]d":      {"%[1]d", "%[2]s"},
		"%.1f%%":                {"%.1f"},
		"no verbs":              nil,
	} {
		if got := verbs(s); !slices.Equal(got, want) {
			t.Errorf("verbs(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestReferencedKeysExist finds every message key the templates and the Go
// code name and checks the catalogue has it, so that no page shows a raw
// key: {{.T "key"}} in the templates; translate(lang, "key"), lookup("key"),
// v.T("key") and t("key") (the pages' local shorthand) in the Go code; and
// any other string literal in the Go code shaped like a key of a catalogue
// namespace (keys kept in tables and variables, such as page titles and
// notices). A key built from a prefix ({{.T (print "stage." .)}},
// "fit."+check) needs some key with that prefix.
func TestReferencedKeysExist(t *testing.T) {
	text := testCatalog(t)
	namespaces := map[string]bool{}
	var keys []string
	for k := range text.en {
		namespaces[k[:strings.IndexByte(k+".", '.')]] = true
		keys = append(keys, k)
	}
	hasPrefix := func(p string) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, p) && len(k) > len(p) })
	}
	exists := func(k string) bool { _, ok := text.lookup(k); return ok }
	checked := 0

	// The templates.
	tmplKey := regexp.MustCompile(`\.T\s+"([^"]*)"`)
	tmplPrefix := regexp.MustCompile(`\.T\s+\(print\s+"([^"]*)"`)
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := templateFS.ReadFile("templates/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			checked++
			if !exists(m[1]) {
				t.Errorf("%s uses unknown message %q", e.Name(), m[1])
			}
		}
		for _, m := range tmplPrefix.FindAllStringSubmatch(string(b), -1) {
			checked++
			if !hasPrefix(m[1]) {
				t.Errorf("%s builds a message key from %q, which no key starts with", e.Name(), m[1])
			}
		}
	}

	// The Go code.
	keyShaped := regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		// keyArgs are the argument expressions that must be message keys.
		keyArgs := map[ast.Expr]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			switch x := call.Fun.(type) {
			case *ast.Ident:
				fn = x.Name
			case *ast.SelectorExpr:
				fn = x.Sel.Name
			}
			arg := -1
			switch fn {
			case "translate":
				arg = 1
			case "lookup", "T", "t":
				arg = 0
			}
			if arg >= 0 && arg < len(call.Args) {
				keyArgs[call.Args[arg]] = true
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BinaryExpr:
				// "prefix." + value as a key.
				if lit, ok := x.X.(*ast.BasicLit); ok && keyArgs[x] && lit.Kind == token.STRING {
					p, _ := strconv.Unquote(lit.Value)
					checked++
					if !hasPrefix(p) {
						t.Errorf("%s: a message key is built from %q, which no key starts with", fset.Position(lit.Pos()), p)
					}
				}
			case *ast.BasicLit:
				if x.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(x.Value)
				if err != nil {
					return true
				}
				switch {
				case keyArgs[x]:
					checked++
					if !exists(s) {
						t.Errorf("%s: unknown message %q", fset.Position(x.Pos()), s)
					}
				case keyShaped.MatchString(s) && namespaces[s[:strings.IndexByte(s, '.')]]:
					checked++
					if !exists(s) && !hasPrefix(s) {
						t.Errorf("%s: %q looks like a message key but the catalogue has no such key", fset.Position(x.Pos()), s)
					}
				}
			}
			return true
		})
	}
	t.Logf("%d message references checked", checked)
	if checked < 500 {
		t.Errorf("only %d message references found: the scan has gone wrong", checked)
	}
}
