package search_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// feedWatch is the store as an engine's source that counts the catch-ups:
// the reads of the change feed that found nothing more to apply. A test
// waits on the count for the follower to have caught up, instead of
// sleeping for a time it hopes is long enough.
type feedWatch struct {
	*sqlstore.DB
	caughtUp atomic.Int64
}

func (w *feedWatch) ListingChanges(ctx context.Context, afterSeq int64, limit int) ([]kakehashi.ListingChange, error) {
	ch, err := w.DB.ListingChanges(ctx, afterSeq, limit)
	if err == nil && len(ch) == 0 {
		w.caughtUp.Add(1)
	}
	return ch, err
}

// TestFollowWake checks that a wake-up applies the change feed at once,
// long before the next poll, and that a closed wake channel leaves the
// follower running on its poll alone: neither stopped nor catching up
// again and again.
func TestFollowWake(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &feedWatch{DB: f.db}
	f.engine = search.New(sharedAnalyzer(t), src, search.Options{Now: f.db.Now})
	if err := f.engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	caughtUp := src.caughtUp.Load()
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.engine.FollowWake(ctx, time.Hour, wake)
	}()
	stopped := func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	searchable := func() bool { return len(f.search(t, search.Query{Text: "perovskite"})) == 1 }

	// The follower catches up once as it starts. The listing is written
	// after that, so that only the wake-up below can apply it.
	testwait.For(t, 10*time.Second, func() bool { return src.caughtUp.Load() > caughtUp }, "the follower's first catch-up")
	l := listing(f.us.ID, kakehashi.SideSeed, kakehashi.KindTechnology, "en", "Perovskite tandem solar cells", "28% efficient modules.", "")
	if err := f.db.CreateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	if n := src.caughtUp.Load(); searchable() || n != caughtUp+1 {
		t.Fatalf("searchable before any wake-up (%d catch-ups, want 1): the test cannot tell a wake-up from a poll", n-caughtUp)
	}
	wake <- struct{}{}
	testwait.For(t, 10*time.Second, searchable, "a wake-up applying the change feed (the new listing searchable)")

	// Closing the channel wakes the follower once more; it must go on.
	caughtUp = src.caughtUp.Load()
	close(wake)
	testwait.For(t, 10*time.Second, func() bool { return src.caughtUp.Load() > caughtUp || stopped() },
		"the follower's catch-up after its wake channel closed")
	if stopped() {
		t.Fatal("the follower stopped when the wake channel closed")
	}
	cancel()
	testwait.For(t, 5*time.Second, stopped, "the follower stopping with its context")
	if n := src.caughtUp.Load() - caughtUp; n != 1 {
		t.Errorf("the follower caught up %d times after its wake channel closed, want once: a closed channel must not keep waking it", n)
	}
}

// flakyFeed fails the next read of the change feed once armed, as a read
// on a connection that a database restart has just closed would.
type flakyFeed struct {
	*sqlstore.DB
	fail  atomic.Bool
	reads atomic.Int64
}

func (f *flakyFeed) ListingChanges(ctx context.Context, afterSeq int64, limit int) ([]kakehashi.ListingChange, error) {
	f.reads.Add(1)
	if f.fail.CompareAndSwap(true, false) {
		return nil, context.DeadlineExceeded
	}
	return f.DB.ListingChanges(ctx, afterSeq, limit)
}

// TestFollowRetriesAFailedCatchUp: when the catch-up a wake-up triggers
// fails, the follower tries again at once instead of waiting for the next
// wake-up or poll — the write that woke it sends no second notification,
// so it would stay unsearchable until the poll (a minute on PostgreSQL).
func TestFollowRetriesAFailedCatchUp(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &flakyFeed{DB: f.db}
	f.engine = search.New(sharedAnalyzer(t), src, search.Options{Now: f.db.Now})
	if err := f.engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	reads := src.reads.Load()
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.engine.FollowWake(ctx, time.Hour, wake)
	}()
	defer func() { cancel(); <-done }()
	// The listing is written after the follower's first catch-up, so that
	// only the wake-up (whose read fails) or a retry can apply it.
	testwait.For(t, 10*time.Second, func() bool { return src.reads.Load() > reads }, "the follower's first catch-up")
	l := listing(f.us.ID, kakehashi.SideSeed, kakehashi.KindTechnology, "en", "Perovskite tandem solar cells", "28% efficient modules.", "")
	if err := f.db.CreateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	src.fail.Store(true)
	wake <- struct{}{}
	testwait.For(t, 10*time.Second, func() bool { return len(f.search(t, search.Query{Text: "perovskite"})) == 1 },
		"the listing searchable after one failed catch-up and a single wake-up")
}
