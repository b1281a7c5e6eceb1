package search_test

import (
	"context"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// TestFollowWake checks that a wake-up applies the change feed at once,
// long before the next poll, and that a closed wake channel leaves the
// follower running on its poll alone.
func TestFollowWake(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.engine.FollowWake(ctx, time.Hour, wake)
	}()
	searchable := func(text string, within time.Duration) bool {
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			if got := f.search(t, search.Query{Text: text}); len(got) == 1 {
				return true
			}
			time.Sleep(5 * time.Millisecond)
		}
		return false
	}
	// Let the follower's first catch-up (at start) pass, so that only the
	// wake-up below can apply the new listing.
	time.Sleep(500 * time.Millisecond)
	l := listing(f.us.ID, kakehashi.SideSeed, kakehashi.KindTechnology, "en", "Perovskite tandem solar cells", "28% efficient modules.", "")
	if err := f.db.CreateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	if searchable("perovskite", 300*time.Millisecond) {
		t.Fatal("searchable before any wake-up or poll: the test cannot tell them apart")
	}
	wake <- struct{}{}
	if !searchable("perovskite", time.Second) {
		t.Fatal("a wake-up did not apply the change feed")
	}
	close(wake)
	time.Sleep(50 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("the follower stopped when the wake channel closed")
	default:
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the follower did not stop with its context")
	}
}
