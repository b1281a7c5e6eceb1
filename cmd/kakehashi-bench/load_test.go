package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/bench"
	"github.com/kakehashi/kakehashi/bench/loadgen"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/notify/notifytest"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// searchWord asks the replica at base for the listings matching word and
// returns their external ids.
func searchWord(t *testing.T, base, word string) []string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/search?limit=10&q=" + url.QueryEscape(word))
	if err != nil {
		t.Fatalf("search %s on %s: %v", word, base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("search %s on %s: %d %s", word, base, resp.StatusCode, b)
	}
	var res struct {
		Hits []struct {
			Listing struct {
				ExternalID string `json:"external_id"`
			} `json:"listing"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Listing.ExternalID)
	}
	return out
}

// storedWrites returns how many listings a replica has created (POST
// /api/v1/listings answered 201), from the metrics its --metrics-addr
// listener at base serves.
func storedWrites(base string) (int, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s/metrics: %d %s", base, resp.StatusCode, b)
	}
	const series = `kakehashi_http_requests_total{method="POST",route="create-listing",status="201"} `
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, nil
}

// TestKillReplicaDuringLoad runs two replicas on one PostgreSQL database
// under the mixed load, kills one with SIGKILL while the load runs, once
// it has stored writes of it, and checks that the other kept serving
// without an error, that every acknowledged write is stored exactly once
// and found by search on the survivor, and that the killed replica,
// restarted, catches up with what it missed.
func TestKillReplicaDuringLoad(t *testing.T) {
	bin := buildBinary(t)
	dsn := postgres.Get(t).NewDatabase(t)
	ctx := context.Background()
	const listings = 3000
	syn := bench.NewSynthetic(7)
	token, dialect, err := prepareLoadDB(ctx, dsn, syn, listings, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if dialect != sqlstore.Postgres {
		t.Fatalf("dialect %s", dialect)
	}
	dir := t.TempDir()
	var reps []*loadReplica
	var metricsAddrs []string // /metrics is served only on --metrics-addr
	for _, name := range []string{"a", "b"} {
		maddr := notifytest.FreeAddr(t)
		metricsAddrs = append(metricsAddrs, "http://"+maddr)
		r, err := startLoadReplica(bin, dsn, filepath.Join(dir, name+".log"), "--follow-interval", "100ms", "--metrics-addr", maddr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.stop)
		reps = append(reps, r)
	}
	for _, r := range reps {
		if err := r.waitReady(ctx, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	a, b := reps[0], reps[1]

	cfg := loadConfig(syn, []string{a.url, b.url}, token, listings, 8, 10*time.Second, 0, 7, "fault")
	// More writes than the benchmark's 5%, so that many are in flight when
	// the replica dies.
	cfg.Mix = loadgen.Mix{Search: 50, Match: 10, Read: 10, Write: 30}
	// Replica a is killed as soon as it has stored writes of the load (the
	// test needs writes acknowledged before the kill as well as after), which
	// leaves most of the run to go after the kill.
	const writesBeforeKill = 50
	killed := make(chan time.Time, 1)
	var notReady error
	go func() {
		var n int
		var err error
		if !testwait.Until(cfg.Duration/2, func() bool { n, err = storedWrites(metricsAddrs[0]); return n >= writesBeforeKill }) {
			notReady = fmt.Errorf("replica a stored %d writes in the first %s of the load, want %d before the kill (last error: %v)",
				n, cfg.Duration/2, writesBeforeKill, err)
		}
		a.kill()
		killed <- time.Now()
	}()
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ended := time.Now()
	killedAt := <-killed
	if notReady != nil {
		t.Fatal(notReady)
	}
	if ended.Sub(killedAt) < 2*time.Second {
		t.Fatalf("replica a was killed only %s before the load ended; the test proves nothing", ended.Sub(killedAt))
	}
	t.Logf("%d requests (%.0f/s), %d writes acknowledged; replica a killed %.1f s before the end; %d failed attempts",
		res.All.Requests, res.All.PerSec, len(res.Acked), time.Since(killedAt).Seconds(), len(res.Failures))

	// The survivor answered everything, before and after the kill, and
	// every request sent to the dead replica succeeded on its retry.
	for _, f := range res.Failures {
		if f.Target == 1 {
			t.Errorf("replica b failed a %s request at %s (%.2f s after the kill): %s", f.Kind, f.At.Format(time.TimeOnly), f.At.Sub(killedAt).Seconds(), f.Err)
		} else if f.At.Before(killedAt.Add(-time.Second)) {
			t.Errorf("replica a failed a %s request before it was killed: %s", f.Kind, f.Err)
		}
	}
	if res.All.Errors != 0 {
		t.Errorf("%d requests failed: %v", res.All.Errors, res.ErrorLines)
	}
	if !res.Targets[1].LastOK.After(killedAt.Add(time.Second)) {
		t.Errorf("replica b last answered at %s, the kill was at %s: it stopped serving", res.Targets[1].LastOK, killedAt)
	}
	var beforeKill, afterKill, onRetry int
	for _, w := range res.Acked {
		if w.ID == 0 {
			onRetry++ // a retry answered 409: the first attempt had committed
		}
		if w.Target == 0 {
			beforeKill++
		} else {
			afterKill++
		}
	}
	if beforeKill == 0 || afterKill == 0 {
		t.Fatalf("acknowledged writes: %d by a, %d by b; the test needs both", beforeKill, afterKill)
	}

	// Every acknowledged write is stored once; nothing else was stored but
	// what was attempted; each stored listing has one change-feed entry.
	store, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	stored := map[string]int{}
	rows, err := store.SQL().QueryContext(ctx, `SELECT external_id, COUNT(*) FROM listings WHERE external_id LIKE 'load-fault-%' GROUP BY external_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ext string
		var n int
		if err := rows.Scan(&ext, &n); err != nil {
			t.Fatal(err)
		}
		stored[ext] = n
	}
	rows.Close()
	attempted := map[string]bool{}
	for _, ext := range res.Attempted {
		attempted[ext] = true
	}
	for ext, n := range stored {
		if n != 1 || !attempted[ext] {
			t.Errorf("%s stored %d times (attempted: %v)", ext, n, attempted[ext])
		}
	}
	for _, w := range res.Acked {
		if stored[w.ExternalID] != 1 {
			t.Errorf("acknowledged write %s (replica %d) stored %d times", w.ExternalID, w.Target, stored[w.ExternalID])
		}
	}
	var dupTitles, changes int
	store.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT title FROM listings WHERE title LIKE 'zqx%' GROUP BY title HAVING COUNT(*) > 1) d`).Scan(&dupTitles)
	store.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM listing_changes c JOIN listings l ON l.id = c.listing_id WHERE l.external_id LIKE 'load-fault-%'`).Scan(&changes)
	if dupTitles != 0 || changes != len(stored) {
		t.Errorf("%d duplicated titles; %d change-feed entries for %d written listings", dupTitles, changes, len(stored))
	}
	t.Logf("%d writes attempted, %d acknowledged (%d of them by a retry that found the write committed), %d stored",
		len(res.Attempted), len(res.Acked), onRetry, len(stored))

	// The survivor's index has every acknowledged write within a few
	// seconds.
	findAll := func(r *loadReplica, within time.Duration) {
		t.Helper()
		missing := res.Acked
		if !testwait.Until(within, func() bool {
			var still []loadgen.WriteAck
			for _, w := range missing {
				got := searchWord(t, r.url, w.Word)
				if len(got) > 1 || len(got) == 1 && got[0] != w.ExternalID {
					t.Fatalf("search %s on %s: %v, want only %s", w.Word, r.url, got, w.ExternalID)
				}
				if len(got) == 0 {
					still = append(still, w)
				}
			}
			missing = still
			return len(missing) == 0
		}) {
			t.Fatalf("%d of %d acknowledged writes not found by search on %s after %s, e.g. %s (%s)",
				len(missing), len(res.Acked), r.url, within, missing[0].ExternalID, missing[0].Word)
		}
	}
	findAll(b, 5*time.Second)

	// The killed replica, restarted, catches up with the writes it missed.
	a2, err := startLoadReplica(bin, dsn, filepath.Join(dir, "a2.log"), "--follow-interval", "100ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a2.stop)
	start := time.Now()
	if err := a2.waitReady(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Logf("replica a restarted and ready in %.1f s", time.Since(start).Seconds())
	findAll(a2, 0)
}

// TestBenchLoadCommand runs kakehashi-bench load at a tiny size on both
// setups and checks its report.
func TestBenchLoadCommand(t *testing.T) {
	// The two binaries side by side, as make build leaves them in bin/:
	// kakehashi-bench finds the server next to itself.
	dir := t.TempDir()
	goBuild(t, dir, "kakehashi", "../kakehashi")
	benchBin := goBuild(t, dir, "kakehashi-bench", ".")
	pg := postgres.Get(t).NewDatabase(t)
	var out, errb bytes.Buffer
	cmd := exec.Command(benchBin, "load", "--listings", "500", "--clients", "4", "--duration", "2s", "--warmup", "500ms", "--pg", pg, "--json")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench load: %v\n%s", err, errb.String())
	}
	var rep LoadBenchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rep.Setups) != 2 || rep.Setups[0].Dialect != "sqlite" || rep.Setups[1].Dialect != "postgres" || rep.Setups[1].Replicas != 2 {
		t.Fatalf("setups: %+v", rep.Setups)
	}
	for _, s := range rep.Setups {
		l := s.Load
		if l.All.Errors != 0 || l.All.Requests < 20 || s.CatchUpSec <= 0 || s.StartSec <= 0 || len(s.PeakRSSMiB) != s.Replicas {
			t.Errorf("%s: %+v, start %.1f s, catch-up %.1f s", s.Name, l.All, s.StartSec, s.CatchUpSec)
		}
		for _, k := range l.Kinds {
			if k.Requests == 0 || k.P50ms <= 0 || k.P99ms < k.P50ms || k.P999ms < k.P99ms {
				t.Errorf("%s %s: %+v", s.Name, k.Kind, k)
			}
		}
		for _, tg := range l.Targets {
			if tg.Attempts == 0 {
				t.Errorf("%s: replica %s got no requests", s.Name, tg.URL)
			}
		}
	}
	want := float64(int(rep.Setups[1].Load.All.PerSec/rep.Setups[0].Load.All.PerSec*100+0.5)) / 100
	if rep.Ratio != want {
		t.Errorf("ratio %.2f, want %.2f", rep.Ratio, want)
	}
	// Bad flags are usage errors naming the flag.
	for _, args := range [][]string{{"--clients", "0"}, {"--setups", "mysql"}, {"--pg", "mysql://x"}} {
		r := runCLI(t, nil, "", append([]string{"load"}, args...)...)
		if r.err == nil || cli.ExitCode(r.err) != 2 || !strings.Contains(r.err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: %v", args, r.err)
		}
	}
}

// TestFindServerBin checks where bench load takes the server binary from:
// --server-bin when given (a usage error naming the flag when it is not an
// executable), else the kakehashi next to the kakehashi-bench executable,
// else one built with go build, said so on standard error.
func TestFindServerBin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	self := filepath.Join(dir, "kakehashi-bench")
	var errb bytes.Buffer
	for _, bad := range []string{filepath.Join(dir, "absent"), dir} {
		if _, _, err := findServerBin(ctx, bad, self, &errb); err == nil || cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--server-bin") {
			t.Errorf("--server-bin %s: %v, want a usage error naming the flag", bad, err)
		}
	}
	given := filepath.Join(dir, "my-server")
	if err := os.WriteFile(given, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if bin, cleanup, err := findServerBin(ctx, given, self, &errb); err != nil || bin != given {
		t.Errorf("--server-bin %s: %q, %v", given, bin, err)
	} else {
		cleanup()
	}

	// Nothing next to it: the server is built, and the build is announced.
	bin, cleanup, err := findServerBin(ctx, "", self, &errb)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "serve") || strings.Contains(string(out), "kakehashi-bench") {
		t.Errorf("the built %s help: %v\n%s", bin, err, out)
	}
	if !strings.Contains(errb.String(), "go build") || !strings.Contains(errb.String(), "cmd/kakehashi") {
		t.Errorf("the build was not announced on stderr: %q", errb.String())
	}
	cleanup()
	if _, err := os.Stat(bin); !os.IsNotExist(err) {
		t.Errorf("cleanup left %s: %v", bin, err)
	}

	// A kakehashi next to kakehashi-bench is used as it is, without a build.
	next := filepath.Join(dir, "kakehashi")
	if err := os.WriteFile(next, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if bin, _, err := findServerBin(ctx, "", self, &errb); err != nil || bin != next || errb.Len() != 0 {
		t.Errorf("with %s present: %q, %v, stderr %q", next, bin, err, errb.String())
	}
}
