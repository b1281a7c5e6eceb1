package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

func openMigrated(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func createSeed(t *testing.T, db *sqlstore.DB, org int64, title string) {
	t.Helper()
	l := &kakehashi.Listing{OrgID: org, Side: kakehashi.SideSeed, Kind: kakehashi.KindTechnology, Title: title, Summary: "S", Language: "en", TRL: 3,
		IP: kakehashi.IP{Status: kakehashi.IPNone}, Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen}
	if err := db.CreateListing(context.Background(), l, kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
}

// receive reports whether ch delivers a value within d.
func receive(ch <-chan struct{}, d time.Duration) bool {
	select {
	case _, ok := <-ch:
		return ok
	case <-time.After(d):
		return false
	}
}

// TestWaitChangesPostgres checks that a listing written through another
// connection wakes the follower, and that after its LISTEN connection is
// killed the follower reconnects by itself, wakes once to cover the gap,
// and is woken by later writes again.
func TestWaitChangesPostgres(t *testing.T) {
	dsn := postgres.Get(t).NewDatabase(t)
	writer := openMigrated(t, dsn)
	follower := openMigrated(t, dsn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening := make(chan struct{}, 10)
	wake := follower.WaitChanges(ctx, sqlstore.WaitOptions{MinBackoff: 10 * time.Millisecond, PingEvery: 40 * time.Millisecond,
		Listening: func() { listening <- struct{}{} }})
	if !receive(listening, 10*time.Second) {
		t.Fatal("no LISTEN connection")
	}
	if !receive(wake, time.Second) {
		t.Fatal("no wake-up after connecting (the catch-up that covers a gap)")
	}
	// Several silent periods pass, each ending with a ping: no wake-up and
	// no reconnection.
	if receive(wake, 300*time.Millisecond) {
		t.Fatal("woken without a change")
	}
	if len(listening) != 0 {
		t.Fatal("the LISTEN connection was replaced while idle")
	}
	org := &kakehashi.Organization{Name: "Org", Kind: kakehashi.OrgCompany, Country: "JP"}
	if err := writer.CreateOrganization(context.Background(), org, kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	createSeed(t, writer, org.ID, "First")
	if !receive(wake, 5*time.Second) {
		t.Fatal("a committed listing did not wake the follower")
	}

	var killed int
	if err := writer.SQL().QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'kakehashi/listen'`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate the LISTEN connection: %d, %v", killed, err)
	}
	if !receive(listening, 10*time.Second) {
		t.Fatal("the LISTEN connection was not re-established")
	}
	if !receive(wake, time.Second) {
		t.Fatal("no wake-up after reconnecting")
	}
	createSeed(t, writer, org.ID, "Second")
	if !receive(wake, 5*time.Second) {
		t.Fatal("a listing written after the reconnection did not wake the follower")
	}
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-wake:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the wake channel was not closed when the context ended")
		}
	}
}

// TestWaitChangesSQLite checks that SQLite, where one process owns the
// file and followers poll, never wakes and closes the channel at the end.
func TestWaitChangesSQLite(t *testing.T) {
	db := openMigrated(t, filepath.Join(t.TempDir(), "k.db"))
	ctx, cancel := context.WithCancel(context.Background())
	wake := db.WaitChanges(ctx, sqlstore.WaitOptions{})
	org := &kakehashi.Organization{Name: "Org", Kind: kakehashi.OrgCompany, Country: "JP"}
	if err := db.CreateOrganization(context.Background(), org, kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	createSeed(t, db, org.ID, "First")
	if receive(wake, 100*time.Millisecond) {
		t.Fatal("SQLite woke a follower")
	}
	cancel()
	select {
	case _, ok := <-wake:
		if ok {
			t.Fatal("value after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not closed when the context ended")
	}
}
