package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// TestHugePageDoesNotFreezeSearch reproduces the freeze of the security
// issue: page=1000000000000000000 overflowed (page-1)*10 into a negative
// offset, which panicked in the engine while it held its read lock; the
// follower then waited for the write lock and every later search waited
// behind it until a restart. Now the page is refused, naming the
// parameter, and a listing written afterwards is applied by the follower
// and found by a search that answers within its deadline.
func TestHugePageDoesNotFreezeSearch(t *testing.T) {
	s := startSearchServer(t)
	status, body, err := s.getWithin(10*time.Second, "/search?q=battery&page=1000000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusBadRequest || !strings.Contains(body, "page: must be a whole number from 1 to 1001") {
		t.Errorf("huge page: status %d, want 400 naming the page parameter; body:\n%.600s", status, body)
	}
	l := storetest.Listing(s.org.ID, "zinc")
	l.Language, l.Title = "en", "Zinc-air flow battery"
	if err := s.db.CreateListing(context.Background(), l, testActor); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, 10*time.Second, func() bool {
		status, body, err := s.getWithin(3*time.Second, "/search?q=zinc")
		if err != nil {
			t.Fatalf("a search after the huge page: %v; search is frozen", err)
		}
		if status != http.StatusOK {
			t.Fatalf("a search after the huge page: status %d; body:\n%.600s", status, body)
		}
		return strings.Contains(body, "Zinc-air flow battery")
	}, "the follower applying a listing written after the huge page")
	status, body, err = s.getWithin(5*time.Second, "/readyz")
	if err != nil || status != http.StatusOK {
		t.Fatalf("/readyz after the huge page: status %d, %v; body %s", status, err, body)
	}
}

// TestSearchPageRefusesBadParameters checks that every paging and filter
// parameter of the search page out of range is answered 400 with the
// search page naming the parameter (the results shown are the query's
// first page without the parameters in error), that a page beyond the
// results links back to the last page that has some, and that the
// researchers page refuses a bad "after" cursor the same way.
func TestSearchPageRefusesBadParameters(t *testing.T) {
	s := startSearchServer(t)
	long := strings.Repeat("電池", 501)
	for _, c := range []struct {
		query  url.Values
		status int
		want   string // in the body
	}{
		{url.Values{"q": {"battery"}, "page": {"0"}}, 400, "page: must be a whole number from 1 to 1001"},
		{url.Values{"q": {"battery"}, "page": {"-1"}}, 400, "page: must be a whole number from 1 to 1001"},
		{url.Values{"q": {"battery"}, "page": {"two"}}, 400, "page: must be a whole number from 1 to 1001"},
		{url.Values{"q": {"battery"}, "page": {"1.5"}}, 400, "page: must be a whole number from 1 to 1001"},
		{url.Values{"q": {"battery"}, "page": {"1002"}}, 400, "page: must be a whole number from 1 to 1001"},
		{url.Values{"q": {"battery"}, "page": {"9223372036854775807"}}, 400, "page: must be a whole number from 1 to 1001"},
		{url.Values{"q": {"battery"}, "page": {"99999999999999999999999"}}, 400, "page: must be a whole number from 1 to 1001"},
		{url.Values{"q": {""}, "page": {"-9223372036854775808"}}, 400, "page: must be a whole number from 1 to 1001"},
		{url.Values{"q": {"battery"}, "trl_min": {"x"}}, 400, "trl_min: must be a whole number from 1 to 9"},
		{url.Values{"q": {"battery"}, "trl_max": {"99999999999999999999"}}, 400, "trl_max: must be a whole number from 1 to 9"},
		{url.Values{"q": {"battery"}, "trl_min": {"7"}, "trl_max": {"3"}}, 400, "trl_min: must not exceed trl_max"},
		{url.Values{"q": {long}}, 400, "q: must be at most 1000 characters"},
		// In range: a page beyond the results is empty and links back to
		// the last page with results (25 listings: page 3).
		{url.Values{"q": {"battery"}, "page": {"1001"}}, 200, "page=3"},
		{url.Values{"q": {"battery"}, "page": {"2"}}, 200, "Solid-state battery cell"},
		{url.Values{"q": {"battery"}, "page": {""}}, 200, "Solid-state battery cell"},
	} {
		target := "/search?" + c.query.Encode()
		status, body, err := s.getWithin(10*time.Second, target)
		if err != nil {
			t.Fatal(err)
		}
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("GET %.120s: status %d, want %d with %q; body:\n%.1500s", target, status, c.status, c.want, body)
		}
		if status == http.StatusBadRequest && c.query.Get("q") == "battery" && !strings.Contains(body, "Solid-state battery cell") {
			t.Errorf("GET %s: the 400 page does not show the query's results without the parameter in error", target)
		}
	}
	for _, after := range []string{"x", "-1", "0", "99999999999999999999"} {
		target := "/researchers?after=" + url.QueryEscape(after)
		status, body, err := s.getWithin(10*time.Second, target)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusBadRequest || !strings.Contains(body, "must be a researcher id from the next-page link") {
			t.Errorf("GET %s: status %d, want 400 naming after; body:\n%.1500s", target, status, body)
		}
	}
	if status, body, err := s.getWithin(10*time.Second, "/researchers?after=12"); err != nil || status != http.StatusOK {
		t.Errorf("GET /researchers?after=12: status %d, %v; body:\n%.600s", status, err, body)
	}
}
