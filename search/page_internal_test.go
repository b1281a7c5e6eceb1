package search

import (
	"math"
	"testing"
)

// TestPageTakesAnyOffsetAndSize checks that page, which cuts a page out of
// ranked results, neither panics nor overflows whatever offset and size it
// is given: the page=1000000000000000000 freeze began with a negative
// offset reaching it.
func TestPageTakesAnyOffsetAndSize(t *testing.T) {
	s := make([]scored, 25)
	for i := range s {
		s[i].doc = uint32(i)
	}
	for _, c := range []struct{ offset, n, want, first int }{
		{0, 10, 10, 0},
		{20, 10, 5, 20},
		{24, 1, 1, 24},
		{25, 10, 0, 0},
		{-1, 10, 10, 0},
		{-8446744073709551626, 10, 10, 0},
		{math.MinInt, math.MinInt, 0, 0},
		{math.MaxInt, 10, 0, 0},
		{0, math.MaxInt, 25, 0},
		{10, math.MaxInt, 15, 10},
		{math.MaxInt - 5, math.MaxInt, 0, 0},
		{0, 0, 0, 0},
		{0, -5, 0, 0},
	} {
		got := page(s, c.offset, c.n)
		if len(got) != c.want || len(got) > 0 && int(got[0].doc) != c.first {
			t.Errorf("page(25 results, %d, %d): %d results from %v; want %d from %d", c.offset, c.n, len(got), got, c.want, c.first)
		}
	}
	if got := page(nil, -3, 5); got != nil {
		t.Errorf("page(nil, -3, 5) = %v", got)
	}
}
