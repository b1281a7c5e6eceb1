package search_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// stallingSource is the store, except that while a gate is set, reading
// listings waits for the gate to open (or the context to end), as a call
// on a hung database connection does.
type stallingSource struct {
	*sqlstore.DB
	gate atomic.Pointer[chan struct{}]
}

func (s *stallingSource) ListingsByID(ctx context.Context, ids []int64) ([]*kakehashi.Listing, error) {
	if g := s.gate.Load(); g != nil {
		select {
		case <-*g:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.DB.ListingsByID(ctx, ids)
}

// TestProbeReportsAStuckFollower checks that Probe, which /readyz asks,
// reports the index stuck when the change-feed follower makes no progress
// while the feed has changes it has not applied, and ready again once it
// catches up; Ready, which searches ask, is not affected.
func TestProbeReportsAStuckFollower(t *testing.T) {
	f := newFixture(t)
	src := &stallingSource{DB: f.db}
	e := search.New(sharedAnalyzer(t), src, search.Options{StaleAfter: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := e.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Probe(ctx); err == nil {
		t.Fatal("Probe says ready before the first catch-up")
	}
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		e.FollowWake(ctx, 10*time.Millisecond, nil)
	}()
	defer func() {
		cancel()
		select {
		case <-followed:
		case <-time.After(5 * time.Second):
			t.Error("the follower did not stop with its context")
		}
	}()
	var probeErr atomic.Value
	probe := func() error {
		err := e.Probe(ctx)
		if err != nil {
			probeErr.Store(err.Error())
		}
		return err
	}
	testwait.For(t, 5*time.Second, func() bool { return probe() == nil }, "Probe saying ready once the follower runs")

	// The database hangs on the follower's next read of listings.
	gate := make(chan struct{})
	src.gate.Store(&gate)
	l := listing(f.us.ID, kakehashi.SideSeed, kakehashi.KindTechnology, "en", "Perovskite tandem solar cells", "28% efficient modules.", "")
	if err := f.db.CreateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, 5*time.Second, func() bool { return probe() != nil }, "Probe reporting the stuck follower")
	msg, _ := probeErr.Load().(string)
	if !strings.Contains(msg, "stuck") || !strings.Contains(msg, "behind the change feed") {
		t.Errorf("Probe said %q; want it to say the index is stuck behind the change feed", msg)
	}
	if err := e.Ready(ctx); err != nil {
		t.Errorf("Ready = %v while the follower is stuck; want nil: the index is built and serves searches", err)
	}

	// The database answers again: the follower applies the change.
	src.gate.Store(nil)
	close(gate)
	testwait.For(t, 5*time.Second, func() bool { return probe() == nil }, "Probe saying ready after the follower caught up")
	ids, err := e.SearchIDs(ctx, search.Query{Text: "perovskite"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0].ID != l.ID {
		t.Fatalf("perovskite found %v, want listing %d", ids, l.ID)
	}
}

// TestProbeReportsAHeldLock checks that Probe reports the index stuck,
// within its lock wait, when a search holds the read lock while a writer
// waits for it (as a search that panicked without releasing the lock did:
// every later search then waits behind the writer), and that the probe
// itself does not hang.
func TestProbeReportsAHeldLock(t *testing.T) {
	f := newFixture(t)
	e := search.New(sharedAnalyzer(t), f.db, search.Options{LockWait: 50 * time.Millisecond})
	ctx := context.Background()
	if err := e.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Probe(ctx); err != nil {
		t.Fatalf("Probe = %v on a fresh index", err)
	}
	release := e.HoldReadLock()
	l := listing(f.us.ID, kakehashi.SideSeed, kakehashi.KindTechnology, "en", "Perovskite tandem solar cells", "28% efficient modules.", "")
	if err := f.db.CreateListing(ctx, l, system); err != nil {
		release()
		t.Fatal(err)
	}
	caughtUp := make(chan error, 1)
	go func() {
		_, err := e.CatchUp(ctx)
		caughtUp <- err
	}()
	var msg string
	testwait.For(t, 5*time.Second, func() bool {
		start := time.Now()
		err := e.Probe(ctx)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("Probe took %s; want it to give up after its lock wait", took)
		}
		if err != nil {
			msg = err.Error()
		}
		return err != nil
	}, "Probe reporting the held lock")
	if !strings.Contains(msg, "lock") {
		t.Errorf("Probe said %q; want it to name the lock", msg)
	}
	release()
	select {
	case err := <-caughtUp:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the catch-up did not complete once the lock was released")
	}
	if err := e.Probe(ctx); err != nil {
		t.Fatalf("Probe = %v once the lock was released", err)
	}
}
