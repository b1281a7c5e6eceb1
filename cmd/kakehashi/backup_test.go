package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/internal/testwait"
)

// serveInProcess runs serve with args in this process until the test ends
// and returns its base URL once the search index is ready.
func serveInProcess(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	logs := &syncBuffer{}
	e := &Env{Env: cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs, Getenv: func(string) string { return "" }},
		Ready: func(a string) { addrc <- a }}
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve %v: %v", args, err)
		}
	})
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-done:
		done <- err
		t.Fatalf("serve %v ended: %v\n%s", args, err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve %v did not start", args)
	}
	(&replica{name: "serve " + strings.Join(args, " "), url: base}).waitReady(t, 60*time.Second)
	return base
}

// backupQueries are searched on an original and its restored copy.
var backupQueries = []string{"solid electrolyte", "sodium", "固体電解質", "全固体電池", "battery", "sensor", "hydrogen", "water",
	"robot", "medical imaging", "AI", "recycling", "semiconductor", "共同研究"}

// sameSearchResults checks that two servers return the same listing ids in
// the same order for every query, and that the queries found something.
func sameSearchResults(t *testing.T, original, restored string) {
	t.Helper()
	withHits := 0
	for _, q := range backupQueries {
		want, err := searchIDs(original, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := searchIDs(restored, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %q: restored copy returns %v; the original %v", q, got, want)
		}
		if len(want) > 0 {
			withHits++
		}
	}
	if withHits < len(backupQueries)/2 {
		t.Fatalf("only %d of %d queries found anything; the comparison proves little", withHits, len(backupQueries))
	}
	t.Logf("%d queries (%d with hits) return the same ids in the same order", len(backupQueries), withHits)
}

// TestBackupSQLiteOnline backs up a SQLite database while a server uses it
// (searching in a loop), checks that OUT is never overwritten, and that a
// server on the backup returns the same search results.
func TestBackupSQLiteOnline(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	base := serveInProcess(t, "--db", db, "--demo")
	// The server searches before, during and after the backup.
	searches := startLoop(t, "search", func() error { _, err := searchIDs(base, "battery"); return err })
	searches.await(t, 1)
	out := filepath.Join(dir, "backup.db")
	r := runCLI(t, map[string]string{"KAKEHASHI_DB": db}, "", "backup", out)
	searches.await(t, searches.count()+1)
	searches.halt()
	if r.err != nil {
		t.Fatalf("backup: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, "listings") {
		t.Fatalf("backup report %q", r.stderr)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*partial*")); len(leftovers) > 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
	before, _ := os.ReadFile(out)
	if r := runCLI(t, nil, "", "backup", "--db", db, out); r.err == nil || !strings.Contains(r.err.Error(), "exists") {
		t.Fatalf("backup over an existing file: %v", r.err)
	}
	if after, _ := os.ReadFile(out); !slices.Equal(before, after) {
		t.Fatal("a refused backup changed the existing file")
	}
	for _, args := range [][]string{{"backup", "--db", db}, {"backup", "--db", db, "a", "b"}} {
		if r := runCLI(t, nil, "", args...); cli.ExitCode(r.err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, r.err)
		}
	}
	if r := runCLI(t, nil, "", "backup", "--db", filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); r.err == nil || !strings.Contains(r.err.Error(), "does not exist") {
		t.Fatalf("backup of a missing database: %v", r.err)
	}
	// Restore: the backup is a complete database file; a fresh server
	// opens a copy of it.
	restored := filepath.Join(t.TempDir(), "restored.db")
	copyFile(t, out, restored)
	sameSearchResults(t, base, serveInProcess(t, "--db", restored))

	// Writers carry on during a backup: the backup starts once a write has
	// been stored, and writes are stored after it ends, so that it neither
	// failed for the writer nor locked it out.
	token := apiToken(t, db)
	writes := startLoop(t, "write", func() error { _, _, err := postListing(base, token, "Written during the backup"); return err })
	writes.await(t, 1)
	started := writes.count()
	r = runCLI(t, nil, "", "backup", "--db", db, filepath.Join(dir, "second.db"))
	during := writes.count() - started
	writes.await(t, writes.count()+1)
	writes.halt()
	if r.err != nil {
		t.Fatalf("backup during writes: %v\n%s", r.err, r.stderr)
	}
	t.Logf("second backup taken while %d writes were stored: %s", during, strings.TrimSpace(r.stderr))
}

// loop runs an operation over and over in a goroutine, counting those that
// succeeded, until halted or the test ends; one that fails fails the test
// and ends the loop.
type loop struct {
	what    string
	n       atomic.Int64
	failed  atomic.Bool
	stop    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
}

// startLoop starts running op; what names one run of it in messages.
func startLoop(t *testing.T, what string, op func() error) *loop {
	l := &loop{what: what, stop: make(chan struct{})}
	l.stopped.Add(1)
	go func() {
		defer l.stopped.Done()
		for {
			select {
			case <-l.stop:
				return
			default:
			}
			if err := op(); err != nil {
				l.failed.Store(true)
				t.Errorf("%s %d: %v", what, l.n.Load()+1, err)
				return
			}
			l.n.Add(1)
		}
	}()
	t.Cleanup(l.halt)
	return l
}

// count returns how many runs succeeded so far.
func (l *loop) count() int64 { return l.n.Load() }

// await waits until n runs have succeeded.
func (l *loop) await(t *testing.T, n int64) {
	t.Helper()
	const within = 30 * time.Second
	if !testwait.Until(within, func() bool { return l.n.Load() >= n || l.failed.Load() }) {
		t.Fatalf("%s %d did not succeed within %s (%d so far)", l.what, n, within, l.n.Load())
	}
	if l.failed.Load() {
		t.FailNow()
	}
}

// halt stops the loop and waits for the run under way to end.
func (l *loop) halt() {
	l.once.Do(func() { close(l.stop) })
	l.stopped.Wait()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBackupPostgres backs up a PostgreSQL database in use with kakehashi
// backup (pg_dump's custom format), restores it with pg_restore into a new
// database, and checks that a server on it returns the same search results.
func TestBackupPostgres(t *testing.T) {
	cluster := postgres.Get(t)
	dsn := cluster.NewDatabase(t)
	base := serveInProcess(t, "--db", dsn, "--demo")
	out := filepath.Join(t.TempDir(), "kakehashi.dump")
	r := runCLI(t, nil, "", "backup", "--db", dsn, out)
	if r.err != nil {
		t.Fatalf("backup: %v\n%s", r.err, r.stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "PGDMP") {
		t.Fatalf("not a pg_dump custom-format archive: %v", err)
	}
	if r := runCLI(t, nil, "", "backup", "--db", dsn, "--pg-dump", "/nonexistent/pg_dump", filepath.Join(t.TempDir(), "x.dump")); r.err == nil ||
		!strings.Contains(r.err.Error(), "/nonexistent/pg_dump") {
		t.Fatalf("backup with a missing pg_dump: %v", r.err)
	}
	fresh := cluster.NewDatabase(t)
	if out, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname="+fresh, out).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	restored := serveInProcess(t, "--db", fresh)
	sameSearchResults(t, base, restored)
	// The restored copy is a working database: it accepts writes.
	if _, _, err := postListing(restored, apiToken(t, fresh), "Written after restore"); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(restored + "/api/v1/listings?limit=1"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list on the restored copy: %v", err)
	}
}
