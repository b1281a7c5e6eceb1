package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// searchFacets are the facet parameters of the search page; the fuzzer
// picks one by index.
var searchFacets = []string{"side", "kind", "country", "language", "partnership", "field", "sector", "open", "monolingual"}

// FuzzSearchPage serves the search page with fuzzed query, paging, TRL and
// facet parameters against a small SQLite-backed application, and checks
// that it never answers 5xx, always answers within 5s, and that a plain
// search still answers with results afterwards (no request may leave the
// engine's lock held, as page=1000000000000000000 once did). Seeds are in
// testdata/fuzz/FuzzSearchPage.
func FuzzSearchPage(f *testing.F) {
	s := startSearchServer(f)
	f.Add("battery", "1", "", "", uint8(0), "")
	f.Add("battery", "1000000000000000000", "", "", uint8(0), "")
	f.Add("", "-9223372036854775808", "0", "10", uint8(5), "2.5")
	f.Fuzz(func(t *testing.T, q, page, trlMin, trlMax string, facet uint8, value string) {
		v := url.Values{"q": {q}, "page": {page}, "trl_min": {trlMin}, "trl_max": {trlMax}}
		v.Set(searchFacets[int(facet)%len(searchFacets)], value)
		target := "/search?" + v.Encode()
		status, body, err := s.getWithin(5*time.Second, target)
		if err != nil {
			t.Fatal(err)
		}
		if status >= 500 {
			t.Fatalf("GET %.300s: status %d; body:\n%.1000s", target, status, body)
		}
		status, body, err = s.getWithin(5*time.Second, "/search?q=battery")
		if err != nil {
			t.Fatalf("a plain search after GET %.300s: %v", target, err)
		}
		if status != http.StatusOK || !strings.Contains(body, "Solid-state battery cell") {
			t.Fatalf("a plain search after GET %.300s: status %d without results; body:\n%.1000s", target, status, body)
		}
	})
}
