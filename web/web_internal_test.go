package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// TestEnumerationsAreLabelled checks that every enumeration value of the
// domain has a label in both languages (i18n_test.go checks the catalogue
// itself).
func TestEnumerationsAreLabelled(t *testing.T) {
	text := testCatalog(t)
	var values []string
	for _, v := range kakehashi.Sides {
		values = append(values, string(v))
	}
	for _, v := range append(slices.Clone(kakehashi.SeedKinds), kakehashi.NeedKinds...) {
		values = append(values, string(v))
	}
	for _, v := range kakehashi.PartnershipTypes {
		values = append(values, string(v))
	}
	for _, v := range kakehashi.Visibilities {
		values = append(values, string(v))
	}
	for _, v := range kakehashi.Statuses {
		values = append(values, string(v))
	}
	for _, v := range kakehashi.OrgKinds {
		values = append(values, string(v))
	}
	for _, v := range kakehashi.IPStatuses {
		values = append(values, string(v))
	}
	values = append(values, kakehashi.Sectors...)
	for _, v := range values {
		l, ok := text.lookup("enum." + v)
		if !ok || l[0] == "" || l[1] == "" {
			t.Errorf("no English and Japanese label for %q", v)
		}
	}
}

func TestMarkSegments(t *testing.T) {
	got := markSegments("Batteries for battery-powered EVs; 全固体電池の電池", []string{"battery", "Batteries", "電池"})
	var b strings.Builder
	for _, s := range got {
		if s.Mark {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	if want := "[Batteries] for [battery]-powered EVs; 全固体[電池]の[電池]"; b.String() != want {
		t.Fatalf("marked %q, want %q", b.String(), want)
	}
	// A Latin surface inside a longer word is not marked.
	for _, s := range markSegments("rebattery", []string{"battery"}) {
		if s.Mark {
			t.Fatal("marked inside a word")
		}
	}
}

func TestSnippetCentersOnTheMatch(t *testing.T) {
	l := &kakehashi.Listing{Summary: strings.Repeat("filler words here. ", 30) + "The perovskite cell reaches 28%. " + strings.Repeat("more text. ", 20)}
	segs := snippet(l, []search.TermMatch{{Term: "perovskit", Surfaces: []string{"perovskite"}}})
	var text string
	marked := false
	for _, s := range segs {
		text += s.Text
		marked = marked || s.Mark && s.Text == "perovskite"
	}
	if !marked || !strings.HasPrefix(text, "…") || !strings.HasSuffix(text, "…") || len([]rune(text)) > 230 {
		t.Fatalf("snippet %q (marked %v)", text, marked)
	}
}

func TestFormats(t *testing.T) {
	d := time.Date(2027, 3, 31, 14, 59, 59, 0, time.UTC)
	if got := formatDate(langJA, d); got != "2027年3月31日" {
		t.Errorf("ja date %q", got)
	}
	if got := formatDate(langEN, d); got != "31 Mar 2027" {
		t.Errorf("en date %q", got)
	}
	v := &view{Lang: langJA, text: testCatalog(t)}
	if got := v.Date(d); got != "2027年3月31日" {
		t.Errorf("ja view date %q", got)
	}
	late := time.Date(2027, 3, 31, 16, 0, 0, 0, time.UTC) // 1 April in Japan
	if got := v.Date(&late); got != "2027年4月1日" {
		t.Errorf("ja view date in Japan time %q", got)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := formatNumber(n); got != want {
			t.Errorf("formatNumber(%d) = %q, want %q", n, got, want)
		}
	}
	codes := fieldCodes()
	if i, j := slices.Index(codes, "2.9"), slices.Index(codes, "2.10"); i < 0 || j != i+1 || codes[0] != "1.1" {
		t.Errorf("field order %v", codes)
	}
}

func TestLanguageChoice(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if langOf(r) != langEN {
		t.Error("default language")
	}
	r.Header.Set("Accept-Language", "ja-JP,ja;q=0.9,en;q=0.8")
	if langOf(r) != langJA {
		t.Error("Accept-Language ja")
	}
	r.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	if langOf(r) != langEN {
		t.Error("the remembered choice wins over the browser's")
	}
}

// TestSafeNext feeds the one function that vets redirect targets taken
// from a request the forms browsers and servers turn into another site.
func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		// Clean local paths are kept as they are.
		{"/search?q=x", "/search?q=x"},
		{"/", "/"},
		{"/dashboard", "/dashboard"},
		{"/listings/12#interest", "/listings/12#interest"},
		{"/researchers?after=50&q=%E5%85%A8%E5%9B%BA%E4%BD%93", "/researchers?after=50&q=%E5%85%A8%E5%9B%BA%E4%BD%93"},
		{"/orgs/4/webhooks?deleted=1", "/orgs/4/webhooks?deleted=1"},
		{"/search?q=http://x.example/", "/search?q=http://x.example/"},
		// Everything else goes home.
		{"", "/"},
		{"/\t/evil.example/phish", "/"},
		{"/%09/evil.example/phish", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"//evil.example", "/"},
		{"//evil.example/path", "/"},
		{"///evil.example", "/"},
		{`/\evil.example`, "/"},
		{`\/evil.example`, "/"},
		{`\\evil.example`, "/"},
		{`/path\..\..\evil`, "/"},
		{"https://evil.example/", "/"},
		{"http:evil.example", "/"},
		{"HTTPS://evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"JavaScript:alert(document.domain)", "/"},
		{"data:text/html,<script>alert(1)</script>", "/"},
		{"evil.example", "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/%2f/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%5c%5cevil.example", "/"},
		{"/%0d%0aSet-Cookie:%20x=y", "/"},
		{"/%0D%0ALocation:%20https://evil.example", "/"},
		{"/\r\nSet-Cookie: x=y", "/"},
		{"/\x00", "/"},
		{"/\x7f", "/"},
		{"/ /evil.example", "/"},
		{"/\u3000/evil.example", "/"},
		{"/\uff0f\uff0fevil.example", "/"},
		{"/..//evil.example", "/"},
		{"/a/../..//evil.example", "/"},
		{"/./evil", "/"},
		{"/%2e%2e/%2e%2e//evil.example", "/"},
		{"/@evil.example", "/@evil.example"},
		{"/%", "/"},
	} {
		if got := safeNext(tc.next); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// FuzzSafeNext checks that whatever safeNext lets through stays on this
// site: as Go and as browsers resolve it (browsers drop tabs and newlines
// and read a backslash as a slash), and as http.Redirect writes it.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/search?q=x", "//evil.example", "/\t/evil.example", "/%2F%2Fevil", `/\evil`, "https://evil.example",
		"javascript:alert(1)", "/..//evil", "/a?b=c#d", "/%0d%0aX: y"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://kakehashi.example/some/page?x=1")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither the input nor /", next, got)
		}
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/")
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest("GET", "/login", nil), got, http.StatusSeeOther)
		for _, target := range []string{got, browser.Replace(got), rec.Header().Get("Location"), browser.Replace(rec.Header().Get("Location"))} {
			u, err := url.Parse(target)
			if err != nil {
				t.Fatalf("safeNext(%q) = %q: %q does not parse: %v", next, got, target, err)
			}
			if u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
				t.Fatalf("safeNext(%q) = %q: %q is not a local path", next, got, target)
			}
			if r := base.ResolveReference(u); r.Scheme != base.Scheme || r.Host != base.Host {
				t.Fatalf("safeNext(%q) = %q: %q resolves to %s", next, got, target, r)
			}
			if strings.ContainsAny(target, "\r\n") {
				t.Fatalf("safeNext(%q) = %q: a header break in %q", next, got, target)
			}
		}
	})
}

func TestFitInBothLanguages(t *testing.T) {
	text := testCatalog(t)
	r := search.FitReason{Check: "partnership", Reason: "shared", Args: []string{"joint_research, license"}, Detail: "both want joint_research, license"}
	if got := (&view{Lang: langJA, text: text}).Fit(r); got != "双方が共同研究, ライセンスを希望" {
		t.Errorf("ja: %q", got)
	}
	if got := (&view{Lang: langEN, text: text}).Fit(r); got != "both want Joint research, Licence" {
		t.Errorf("en: %q", got)
	}
	d := search.FitReason{Check: "deadline", Reason: "open", Args: []string{"2027-03-31", "130"}}
	if got := (&view{Lang: langJA, text: text}).Fit(d); got != "締切 2027年3月31日(残り130日)" {
		t.Errorf("ja deadline: %q", got)
	}
	c := search.FitReason{Check: "country", Reason: "need_targets", Args: []string{"GB"}}
	if got := (&view{Lang: langEN, text: text}).Fit(c); got != "the need looks for partners in United Kingdom, the seed's country" {
		t.Errorf("en country: %q", got)
	}
	// Every reason the engine gives has a message.
	for _, key := range []string{"partnership.unstated", "partnership.shared", "partnership.disjoint", "trl.inside", "trl.outside",
		"country.seed_targets", "country.need_targets", "country.unstated", "country.elsewhere", "country.hidden", "deadline.none", "deadline.open", "deadline.passed"} {
		if _, ok := text.lookup("fit." + key); !ok {
			t.Errorf("no message fit.%s", key)
		}
	}
}
