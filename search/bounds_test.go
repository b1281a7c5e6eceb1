package search_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// within runs fn on its own goroutine and reports whether it returned
// within d, and the value it panicked with, if it did. A call that never
// returns is left behind: the test has failed by then.
func within(d time.Duration, fn func()) (returned bool, panicked any) {
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	select {
	case p := <-done:
		return true, p
	case <-time.After(d):
		return false, nil
	}
}

// TestSearchBoundsOffsetAndLimit checks that no offset or limit, however
// large or negative, panics the engine or leaves its lock held: each is
// either answered or refused as invalid, naming the parameter, and the
// next catch-up (which takes the write lock, as the follower does) still
// completes. The first offset is what (page-1)*10 made of
// page=1000000000000000000 on the search page: it overflowed to a negative
// number, which panicked while the read lock was held and froze search.
func TestSearchBoundsOffsetAndLimit(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		offset, limit int
		field         string // the parameter refused, "" for none
	}{
		{-8446744073709551626, 10, "offset"},
		{-1, 10, "offset"},
		{math.MinInt, 10, "offset"},
		{search.MaxOffset + 1, 10, "offset"},
		{math.MaxInt, 10, "offset"},
		{0, -1, "limit"},
		{0, search.MaxLimit + 1, "limit"},
		{0, math.MaxInt, "limit"},
		{math.MaxInt - 10, math.MaxInt - 10, "offset"},
		{search.MaxOffset, search.MaxLimit, ""},
		{1, 1, ""},
		{0, 0, ""}, // the default page size
	}
	for _, text := range []string{"battery", ""} {
		for _, c := range cases {
			name := fmt.Sprintf("text=%q offset=%d limit=%d", text, c.offset, c.limit)
			q := search.Query{Text: text, Offset: c.offset, Limit: c.limit, Facets: true}
			var errs [2]error
			returned, p := within(5*time.Second, func() {
				_, errs[0] = f.engine.Search(context.Background(), q)
				_, errs[1] = f.engine.SearchIDs(context.Background(), q)
			})
			if !returned {
				t.Fatalf("%s: no answer within 5s", name)
			}
			if p != nil {
				t.Errorf("%s: panicked: %v", name, p)
				continue
			}
			for i, err := range errs {
				what := [...]string{"Search", "SearchIDs"}[i]
				switch {
				case c.field == "" && err != nil:
					t.Errorf("%s: %s: %v", name, what, err)
				case c.field != "" && kakehashi.ErrorCode(err) != kakehashi.EINVALID:
					t.Errorf("%s: %s: got %v, want an invalid-%s error", name, what, err, c.field)
				case c.field != "" && !slices.ContainsFunc(kakehashi.FieldErrors(err), func(fe kakehashi.FieldError) bool { return fe.Field == c.field }):
					t.Errorf("%s: %s: error %v does not name %s", name, what, err, c.field)
				}
			}
		}
	}
	// Nothing left the lock held: a catch-up, which takes the write lock,
	// completes, and search still answers.
	if returned, p := within(5*time.Second, func() {
		if _, err := f.engine.CatchUp(context.Background()); err != nil {
			t.Error(err)
		}
	}); !returned || p != nil {
		t.Fatalf("catch-up after the queries: returned %v, panicked %v: the engine's lock is stuck", returned, p)
	}
	if got := f.search(t, search.Query{Text: "sodium"}); len(got) != 1 {
		t.Fatalf("sodium found %q after the queries, want one listing", got)
	}
}
