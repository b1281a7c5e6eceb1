package csvsafe

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", ""},
		{"plain", "plain"},
		{"=1+2", "'=1+2"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'", "'"},
		{"'plain", "'plain"},
		{"'=1", "''=1"},
		{"''-1", "'''-1"},
		{"a=1", "a=1"},
		{" =1", " =1"},
		{"全固体=1", "全固体=1"},
	} {
		if got := Escape(tc.in); got != tc.out {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.out)
		}
		if got := Unescape(tc.out); got != tc.in {
			t.Errorf("Unescape(%q) = %q, want %q", tc.out, got, tc.in)
		}
	}
}

// FuzzRoundTrip checks that Unescape undoes Escape exactly and that an
// escaped cell never starts a formula.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"", "=", "'=", "''+x", "'", "-", "@a", "\t", "plain", "'plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if Unescape(e) != s {
			t.Fatalf("Unescape(Escape(%q)) = %q", s, Unescape(e))
		}
		if e != "" && strings.IndexByte(triggers, e[0]) >= 0 {
			t.Fatalf("Escape(%q) = %q starts a formula", s, e)
		}
	})
}
