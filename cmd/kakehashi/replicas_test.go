package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/internal/pgtest"
	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// syncBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// replica is one kakehashi serve process.
type replica struct {
	name string
	cmd  *exec.Cmd
	logs *syncBuffer
	url  string // http://host:port, once serving
}

var servingLine = regexp.MustCompile(`msg=serving addr=(http://\S+)`)

// startReplica starts bin serve with args and extra environment, without
// waiting; the process is killed when the test ends if still running.
func startReplica(t *testing.T, bin, name string, env []string, args ...string) *replica {
	t.Helper()
	r := &replica{name: name, logs: &syncBuffer{}}
	r.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.Stderr = r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			r.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", r.name, r.logs.String())
		}
	})
	return r
}

// waitServing waits for the "serving" log line and records the address.
func (r *replica) waitServing(t *testing.T, timeout time.Duration) {
	t.Helper()
	if !testwait.Until(timeout, func() bool {
		m := servingLine.FindStringSubmatch(r.logs.String())
		if m != nil {
			r.url = m[1]
		}
		return m != nil || r.cmd.ProcessState != nil
	}) || r.url == "" {
		t.Fatalf("%s did not start serving within %s:\n%s", r.name, timeout, r.logs.String())
	}
}

// readyz returns the status of GET /readyz and its decoded body.
func readyz(base string) (int, map[string]any, error) {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var body map[string]any
	err = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body, err
}

// waitReady waits until /readyz answers 200.
func (r *replica) waitReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	if !testwait.Until(timeout, func() bool {
		code, _, err := readyz(r.url)
		return err == nil && code == http.StatusOK
	}) {
		code, body, err := readyz(r.url)
		t.Fatalf("%s not ready within %s: %d %v %v", r.name, timeout, code, body, err)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	if err := r.cmd.Wait(); err != nil {
		t.Errorf("%s: exit after SIGTERM: %v", r.name, err)
	}
}

// apiToken creates an organization, a member and a personal API token in
// the store at dsn (already migrated) and returns the token.
func apiToken(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sys := kakehashi.SystemActor("test")
	org := &kakehashi.Organization{Name: "Replica Test Lab", Kind: kakehashi.OrgUniversity, Country: "JP"}
	if err := store.CreateOrganization(ctx, org, sys); err != nil {
		t.Fatal(err)
	}
	u := &kakehashi.User{Email: "writer@example.ac.jp", Name: "Writer", OrgID: org.ID, OrgRole: kakehashi.RoleMember}
	if err := store.CreateUser(ctx, u, sys); err != nil {
		t.Fatal(err)
	}
	token, err := auth.NewToken("kkt_")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateAPIToken(ctx, &kakehashi.APIToken{UserID: u.ID, Name: "test"}, auth.HashToken(token), u); err != nil {
		t.Fatal(err)
	}
	return token
}

// postListing publishes a public, open seed titled title through the API
// at base and returns its id and the HTTP status.
func postListing(base, token, title string) (int64, int, error) {
	body, _ := json.Marshal(map[string]any{"side": "seed", "kind": "technology", "title": title,
		"summary": "A listing written by the replica test.", "language": "en", "trl": 4})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/listings", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var l kakehashi.Listing
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return 0, resp.StatusCode, fmt.Errorf("create listing: %d %s", resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return 0, resp.StatusCode, err
	}
	return l.ID, resp.StatusCode, nil
}

// searchIDs returns the ids of an anonymous search's hits, in rank order.
func searchIDs(base, q string) ([]int64, error) {
	resp, err := http.Get(base + "/api/v1/search?limit=50&q=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("search %q: %d %s", q, resp.StatusCode, b)
	}
	var page struct {
		Hits []struct {
			Listing struct {
				ID int64 `json:"id"`
			} `json:"listing"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, err
	}
	ids := make([]int64, len(page.Hits))
	for i, h := range page.Hits {
		ids[i] = h.Listing.ID
	}
	return ids, nil
}

// migrationFiles counts the store's migrations.
func migrationFiles(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "sqlstore", "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v", err)
	}
	return len(files)
}

// TestReplicasOnPostgres runs two real serve processes on one PostgreSQL
// database: started together they migrate once; a listing written through
// one is found by search on the other within a second, woken by
// LISTEN/NOTIFY (the safety poll is set to a minute, so only a notification
// can be that quick). Replica B takes its configuration from KAKEHASHI_*
// variables only.
func TestReplicasOnPostgres(t *testing.T) {
	bin := buildBinary(t)
	dsn := postgres.Get(t).NewDatabase(t)
	a := startReplica(t, bin, "A", nil, "--db", dsn, "--addr", "127.0.0.1:0", "--follow-interval", "1m", "--max-conns", "8")
	b := startReplica(t, bin, "B", []string{"KAKEHASHI_DB=" + dsn, "KAKEHASHI_ADDR=127.0.0.1:0", "KAKEHASHI_FOLLOW_INTERVAL=1m", "KAKEHASHI_MAX_CONNS=8"})
	a.waitServing(t, 60*time.Second)
	b.waitServing(t, 60*time.Second)
	a.waitReady(t, 30*time.Second)
	b.waitReady(t, 30*time.Second)

	ctx := context.Background()
	store, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var rows, versions int
	if err := store.SQL().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if want := migrationFiles(t); rows != want || versions != want {
		t.Fatalf("schema_migrations has %d rows (%d versions) after two concurrent start-ups; want %d", rows, versions, want)
	}
	var listeners int
	if err := store.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kakehashi/listen'`).Scan(&listeners); err != nil {
		t.Fatal(err)
	}
	if listeners != 2 {
		t.Fatalf("%d LISTEN connections; want one per replica", listeners)
	}

	token := apiToken(t, dsn)
	reps := []*replica{a, b}
	var delays []time.Duration
	for i := range 6 {
		w, r := reps[i%2], reps[1-i%2]
		word := fmt.Sprintf("replicaprobe%dx%d", i, time.Now().UnixNano()%1e6)
		id, _, err := postListing(w.url, token, "Listing "+word)
		if err != nil {
			t.Fatalf("write through %s: %v", w.name, err)
		}
		acked := time.Now()
		found := testwait.Until(5*time.Second, func() bool {
			ids, err := searchIDs(r.url, word)
			return err == nil && slices.Contains(ids, id)
		})
		delay := time.Since(acked)
		if !found {
			t.Fatalf("listing %d written through %s not found on %s after %s", id, w.name, r.name, delay)
		}
		delays = append(delays, delay)
	}
	slices.Sort(delays)
	t.Logf("write on one replica → found by search on the other: delays %v (median %v, max %v)", delays, delays[len(delays)/2], delays[len(delays)-1])
	if max := delays[len(delays)-1]; max > time.Second {
		t.Fatalf("slowest write took %v to be searchable on the other replica; want ≤ 1s", max)
	}
	a.stop(t)
	b.stop(t)
	for _, r := range reps {
		if !strings.Contains(r.logs.String(), "draining") {
			t.Errorf("%s did not drain on SIGTERM:\n%s", r.name, r.logs.String())
		}
	}
}

// startCluster starts a PostgreSQL cluster of the test's own (to be
// restarted without disturbing the other tests), failing under CI=true when
// none can start and skipping otherwise, as pgtest.Shared does.
func startCluster(t *testing.T) *pgtest.Cluster {
	t.Helper()
	if os.Getenv("KAKEHASHI_TEST_POSTGRES") != "" {
		const why = "this test stops, starts or reconfigures a PostgreSQL cluster of its own; it cannot use KAKEHASHI_TEST_POSTGRES"
		if os.Getenv("CI") == "true" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	c, err := pgtest.Start(context.Background())
	if err != nil {
		if errors.Is(err, pgtest.ErrUnavailable) && os.Getenv("CI") != "true" {
			t.Skipf("skipping PostgreSQL run: %v", err)
		}
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

// TestReplicaSurvivesPostgresRestart restarts PostgreSQL under a running
// replica: it reconnects by itself (its pool and its LISTEN connection), a
// listing written before is still found, and one written after the restart
// is searchable within a second, by notification again.
func TestReplicaSurvivesPostgresRestart(t *testing.T) {
	cluster := startCluster(t)
	bin := buildBinary(t)
	dsn := cluster.NewDatabase(t)
	r := startReplica(t, bin, "replica", nil, "--db", dsn, "--addr", "127.0.0.1:0", "--follow-interval", "1m")
	r.waitServing(t, 60*time.Second)
	r.waitReady(t, 30*time.Second)
	token := apiToken(t, dsn)
	before, _, err := postListing(r.url, token, "Listing beforerestart")
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL restarted in %v", time.Since(start).Round(time.Millisecond))
	if !testwait.Until(30*time.Second, func() bool { return strings.Contains(r.logs.String(), "LISTEN connection re-established") }) {
		t.Fatalf("the LISTEN connection was not re-established:\n%s", r.logs.String())
	}
	t.Logf("LISTEN re-established %v after the restart began", time.Since(start).Round(time.Millisecond))
	// The pool drops the connections the restart broke; a request may
	// fail while it does, but the replica must serve again by itself.
	var after int64
	if !testwait.Until(30*time.Second, func() bool {
		after, _, err = postListing(r.url, token, "Listing afterrestart")
		return err == nil
	}) {
		t.Fatalf("no write succeeded after the restart: %v", err)
	}
	acked := time.Now()
	if !testwait.Until(time.Second, func() bool {
		ids, err := searchIDs(r.url, "afterrestart")
		return err == nil && slices.Contains(ids, after)
	}) {
		t.Fatalf("listing %d written after the restart not searchable within 1s", after)
	}
	t.Logf("write after the restart searchable after %v", time.Since(acked).Round(time.Millisecond))
	if ids, err := searchIDs(r.url, "beforerestart"); err != nil || !slices.Equal(ids, []int64{before}) {
		t.Fatalf("listing written before the restart: %v %v", ids, err)
	}
	if code, body, err := readyz(r.url); err != nil || code != http.StatusOK {
		t.Fatalf("/readyz after the restart: %d %v %v", code, body, err)
	}
	r.stop(t)
}

// TestReadyzWaitsForIndex holds the index build back and checks that
// /readyz answers 503 naming the search index (and search answers 503)
// until the index has been built and caught up with the change feed.
func TestReadyzWaitsForIndex(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	addrc := make(chan string, 1)
	var logs syncBuffer
	e := &Env{Env: cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &logs, Getenv: func(string) string { return "" }},
		Ready: func(a string) { addrc <- a },
		beforeIndex: func(ctx context.Context) {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}}
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, []string{"serve", "--db", db, "--demo", "--addr", "127.0.0.1:0"}) }()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	code, body, err := readyz(base)
	if err != nil || code != http.StatusServiceUnavailable || body["ready"] != false {
		t.Fatalf("/readyz before the index is built: %d %v %v", code, body, err)
	}
	if checks, _ := body["checks"].(map[string]any); checks["search"] == "ok" || checks["store"] != "ok" {
		t.Fatalf("/readyz checks before the index is built: %v", checks)
	}
	if _, err := searchIDs(base, "battery"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("search before the index is built: %v; want 503", err)
	}
	close(release)
	if !testwait.Until(30*time.Second, func() bool {
		code, _, err := readyz(base)
		return err == nil && code == http.StatusOK
	}) {
		t.Fatalf("not ready after the build:\n%s", logs.String())
	}
	if ids, err := searchIDs(base, "sodium"); err != nil || len(ids) == 0 {
		t.Fatalf("search once ready: %v %v", ids, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
