package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/internal/pgtest"
	"github.com/kakehashi/kakehashi/internal/testclock"
	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/sqlstore"
)

var postgres pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	postgres.Stop()
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	err            error
}

func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &Env{Env: cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: testclock.Now}}
	err := e.Run(context.Background(), args)
	return result{out.String(), errb.String(), err}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"import", "--format", "xml", "f"}, {"import", "--format", "jsonl"},
		{"export", "--format", "csv"}, {"user"}, {"user", "add", "--email", "a@b.example"}, {"serve", "--nope"}} {
		r := runCLI(t, nil, "", args...)
		if r.err == nil || cli.ExitCode(r.err) != 2 {
			t.Errorf("%v: err %v (exit %d), want a usage error", args, r.err, cli.ExitCode(r.err))
		}
	}
}

// TestBenchMoved checks that the old "kakehashi bench …" is a usage error
// that names the command the benchmarks moved to, not "unknown command",
// and that the usage text no longer offers it.
func TestBenchMoved(t *testing.T) {
	for _, args := range [][]string{{"bench"}, {"bench", "beir", "--corpus", "c.jsonl"}} {
		r := runCLI(t, nil, "", args...)
		if r.err == nil || cli.ExitCode(r.err) != 2 || !strings.Contains(r.err.Error(), "kakehashi-bench") {
			t.Errorf("%v: %v (exit %d), want a usage error pointing to kakehashi-bench", args, r.err, cli.ExitCode(r.err))
		}
	}
	if r := runCLI(t, nil, "", "bench", "beir", "--corpus", "c.jsonl"); r.err == nil || !strings.Contains(r.err.Error(), "kakehashi-bench beir --corpus c.jsonl") {
		t.Errorf("bench beir: %v, want the same command line under kakehashi-bench", r.err)
	}
	if strings.Contains(usage, "bench") {
		t.Errorf("the usage text still offers bench:\n%s", usage)
	}
}

func TestImportReportAndJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	in := writeFile(t, "in.jsonl", `{"record":"organization","external_id":"o1","name":"Org","kind":"university","country":"JP"}
{"record":"listing","external_id":"l1","org":"o1","side":"seed","kind":"technology","title":"T","summary":"S","language":"en","trl":3}
{"record":"listing","external_id":"l2","org":"o1","side":"seed","kind":"technology","title":"T","summary":"S","language":"en","trl":0}
`)
	r := runCLI(t, nil, "", "import", "--db", db, "--format", "jsonl", in)
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, want := range []string{"3 rows read", "1 created", "1 rows skipped", "line 3 (l2)", "trl must be"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stderr)
		}
	}
	r = runCLI(t, map[string]string{"KAKEHASHI_DB": db}, "", "import", "--format", "jsonl", "--json", in)
	if r.err != nil {
		t.Fatal(r.err)
	}
	var reports map[string]struct {
		Rows      int
		Unchanged map[string]int
		Problems  []struct{ Line int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &reports); err != nil {
		t.Fatalf("--json output is not one JSON document: %v\n%s", err, r.stdout)
	}
	rep := reports[in]
	if rep.Rows != 3 || rep.Unchanged["listing"] != 1 || rep.Unchanged["organization"] != 1 || len(rep.Problems) != 1 || rep.Problems[0].Line != 3 {
		t.Fatalf("second import report: %+v", rep)
	}
	r = runCLI(t, nil, "", "export", "--db", db, "--format", "jsonl")
	if r.err != nil || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, `"external_id":"l1"`) {
		t.Fatalf("export: %v\n%s", r.err, r.stdout)
	}
	out := filepath.Join(t.TempDir(), "listings.csv")
	if r = runCLI(t, nil, "", "export", "--db", db, "--format", "csv", "--what", "listings", "--out", out); r.err != nil {
		t.Fatal(r.err)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "external_id,org,side") {
		t.Fatalf("CSV export: %q", b)
	}
}

func TestUserAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	r := runCLI(t, nil, "correct horse battery\n", "user", "add", "--db", db, "--email", "Admin@Example.org", "--name", "Admin", "--role", "admin")
	if r.err != nil {
		t.Fatal(r.err)
	}
	store, err := sqlstore.Open(context.Background(), db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	u, err := store.UserByEmail(context.Background(), "admin@example.org")
	if err != nil || u.PlatformRole != kakehashi.PlatformAdmin || auth.VerifyPassword("correct horse battery", u.PasswordHash) != nil {
		t.Fatalf("created user %+v, %v", u, err)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"short\n", []string{"--email", "b@example.org", "--name", "B"}, "at least 10"},
		{"1234567890\n", []string{"--email", "b@example.org", "--name", "B"}, "predictable sequence"},
		{"iloveyou123\n", []string{"--email", "b@example.org", "--name", "B"}, "too common"},
		{"bertrand1999\n", []string{"--email", "bertrand@example.org", "--name", "Bertrand"}, "your name, your e-mail address"},
		{"long enough pw\n", []string{"--email", "admin@example.org", "--name", "Again"}, "already registered"},
		{"long enough pw\n", []string{"--email", "c@example.org", "--name", "C", "--role", "root"}, "platform_role"},
		{"long enough pw\n", []string{"--email", "d@example.org", "--name", "D", "--org", "no-such-org"}, "not found"},
	} {
		r := runCLI(t, nil, c.stdin, append([]string{"user", "add", "--db", db}, c.args...)...)
		if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
			t.Errorf("%v: err %v, want %q", c.args, r.err, c.want)
		}
	}
}

// TestServeDemo starts the server with the demo on SQLite, reads the API
// anonymously, and shuts it down by cancelling its context (as SIGTERM does).
func TestServeDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	var logs bytes.Buffer
	e := &Env{Env: cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &logs, Getenv: func(string) string { return "" }},
		Ready: func(a string) { addrc <- a }}
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, []string{"serve", "--db", db, "--demo", "--addr", "127.0.0.1:0"}) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	var page struct {
		Items []kakehashi.Listing `json:"items"`
	}
	resp, err := http.Get("http://" + addr + "/api/v1/listings?limit=200")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(page.Items) < 150 {
		t.Fatalf("anonymous listing: status %d, %d items", resp.StatusCode, len(page.Items))
	}
	for _, l := range page.Items {
		if l.Visibility != kakehashi.VisibilityPublic || l.Status == kakehashi.StatusDraft {
			t.Fatalf("anonymous caller got listing %d (%s, %s)", l.ID, l.Visibility, l.Status)
		}
	}
	resp, err = http.Get("http://" + addr + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not shut down")
	}
	if !strings.Contains(logs.String(), "demo data loaded") || !strings.Contains(logs.String(), "stopped") {
		t.Fatalf("logs:\n%s", logs.String())
	}
	// A second start leaves the loaded database alone.
	logs.Reset()
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { done <- e.Run(ctx2, []string{"serve", "--db", db, "--demo", "--addr", "127.0.0.1:0"}) }()
	<-addrc
	cancel2()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "demo data not loaded") {
		t.Fatalf("second start logs:\n%s", logs.String())
	}
}

// buildBinary compiles the command once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kakehashi")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSIGTERMDrains runs the real binary and stops it with SIGTERM.
func TestSIGTERMDrains(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "k.db")
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", "127.0.0.1:0")
	// The process writes its logs while the test reads them.
	var logs syncBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !testwait.Until(30*time.Second, func() bool { return strings.Contains(logs.String(), "serving") }) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the server did not log \"serving\" within 30s:\n%s", logs.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "draining") || !strings.Contains(logs.String(), "stopped") {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

// TestKillDuringImport kills an import with SIGKILL while it writes, checks
// that only whole batches were stored, and that a re-run completes the
// import without duplicates, on both backends.
func TestKillDuringImport(t *testing.T) {
	bin := buildBinary(t)
	const orgs, listings, batch = 50, 12000, 200
	var b strings.Builder
	for i := range orgs {
		fmt.Fprintf(&b, `{"record":"organization","external_id":"o%d","name":"Org %d","kind":"company","country":"GB"}`+"\n", i, i)
	}
	for i := range listings {
		fmt.Fprintf(&b, `{"record":"listing","external_id":"l%d","org":"o%d","side":"need","kind":"challenge","title":"Need %d","summary":"Summary of need %d","body":"%s","language":"en","trl":%d}`+"\n",
			i, i%orgs, i, i, strings.Repeat("text ", 50), 1+i%9)
	}
	file := writeFile(t, "big.jsonl", b.String())

	for _, backend := range []string{"SQLite", "Postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "k.db")
			if backend == "Postgres" {
				dsn = postgres.Get(t).NewDatabase(t)
			}
			ctx := context.Background()
			store, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if err := store.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			count := func() (int, int) {
				var o, l int
				store.SQL().QueryRow(`SELECT COUNT(*) FROM organizations`).Scan(&o)
				store.SQL().QueryRow(`SELECT COUNT(*) FROM listings`).Scan(&l)
				return o, l
			}
			cmd := exec.Command(bin, "import", "--db", dsn, "--format", "jsonl", "--batch", fmt.Sprint(batch), file)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if !testwait.Until(60*time.Second, func() bool { _, l := count(); return l >= 3*batch }) {
				cmd.Process.Kill()
				cmd.Wait()
				o, l := count()
				t.Fatalf("the import did not store %d listings within 60s: %d organizations and %d listings stored", 3*batch, o, l)
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			o, l := count()
			t.Logf("killed after %d organizations and %d listings", o, l)
			if o != orgs || (o+l)%batch != 0 {
				t.Fatalf("after SIGKILL: %d organizations + %d listings is not a whole number of %d-row batches", o, l, batch)
			}
			if l == listings {
				t.Fatal("the import finished before it was killed; the test proved nothing")
			}
			var changes int
			store.SQL().QueryRow(`SELECT COUNT(*) FROM listing_changes`).Scan(&changes)
			if changes != l {
				t.Fatalf("%d change-feed entries for %d listings", changes, l)
			}
			r := runCLI(t, nil, "", "import", "--db", dsn, "--format", "jsonl", "--batch", fmt.Sprint(batch), "--json", file)
			if r.err != nil {
				t.Fatal(r.err)
			}
			var reports map[string]struct {
				Created, Unchanged map[string]int
			}
			json.Unmarshal([]byte(r.stdout), &reports)
			rep := reports[file]
			if rep.Created["listing"] != listings-l || rep.Unchanged["listing"] != l {
				t.Fatalf("re-run report %+v; want %d created and %d unchanged", rep, listings-l, l)
			}
			if o, l := count(); o != orgs || l != listings {
				t.Fatalf("after re-run: %d organizations, %d listings; want %d and %d", o, l, orgs, listings)
			}
		})
	}
}

func TestSearchAndMatchCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	in := writeFile(t, "in.jsonl", `{"record":"organization","external_id":"o1","name":"Kansai Lab","kind":"university","country":"JP"}
{"record":"organization","external_id":"o2","name":"Hoshizora Motors","kind":"company","country":"JP"}
{"record":"listing","external_id":"s1","org":"o1","side":"seed","kind":"technology","title":"全固体電池の開発","summary":"硫化物系固体電解質を用いた全固体電池。","language":"ja","trl":4,"partnership_types":["joint_research"]}
{"record":"listing","external_id":"s2","org":"o1","side":"seed","kind":"dataset","title":"Chest X-ray dataset","summary":"Annotated radiographs.","language":"en","trl":6}
{"record":"listing","external_id":"n1","org":"o2","side":"need","kind":"challenge","title":"車載用の全固体電池を求む","summary":"固体電解質の量産技術を探しています。","language":"ja","trl":5,"partnership_types":["joint_research"]}
`)
	if r := runCLI(t, nil, "", "import", "--db", db, "--format", "jsonl", in); r.err != nil {
		t.Fatal(r.err)
	}
	r := runCLI(t, nil, "", "search", "--db", db, "電池")
	if r.err != nil || !strings.Contains(r.stdout, "全固体電池の開発") || !strings.Contains(r.stdout, "電池(title") {
		t.Fatalf("search table: %v\n%s", r.err, r.stdout)
	}
	r = runCLI(t, nil, "", "search", "--db", db, "--side", "need", "--json", "電池")
	var res struct {
		Hits []struct {
			Listing struct {
				ExternalID string `json:"external_id"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Hits) != 1 || res.Hits[0].Listing.ExternalID != "n1" {
		t.Fatalf("search --json: %v %s", err, r.stdout)
	}
	if r := runCLI(t, nil, "", "search", "--db", db, "--country", "UK", "x"); r.err == nil || cli.ExitCode(r.err) != 2 {
		t.Fatalf("bad filter: %v", r.err)
	}
	for _, limit := range []string{"-1", "1000000", "9223372036854775807"} {
		if r := runCLI(t, nil, "", "search", "--db", db, "--limit", limit, "x"); r.err == nil || cli.ExitCode(r.err) != 2 || !strings.Contains(r.err.Error(), "limit") {
			t.Errorf("search --limit %s: %v; want a usage error naming limit", limit, r.err)
		}
	}
	r = runCLI(t, nil, "", "match", "--db", db, "3")
	if r.err != nil || !strings.Contains(r.stdout, "Best seeds for need 3") || !strings.Contains(r.stdout, "全固体電池の開発") || !strings.Contains(r.stdout, "✓partnership") ||
		!strings.Contains(r.stdout, "Kansai Lab") {
		t.Fatalf("match table: %v\n%s", r.err, r.stdout)
	}
	if r := runCLI(t, nil, "", "match", "--db", db, "99"); r.err == nil || !strings.Contains(r.err.Error(), "not found") {
		t.Fatalf("match of a missing listing: %v", r.err)
	}
}

func TestIntroductionsCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sys := kakehashi.SystemActor("test")
	owner := &kakehashi.Organization{Name: "Owner", Kind: kakehashi.OrgCompany, Country: "JP"}
	other := &kakehashi.Organization{Name: "Other", Kind: kakehashi.OrgUniversity, Country: "GB"}
	for _, o := range []*kakehashi.Organization{owner, other} {
		if err := store.CreateOrganization(ctx, o, sys); err != nil {
			t.Fatal(err)
		}
	}
	requester := &kakehashi.User{Email: "r@example.ac.uk", Name: "R", OrgID: other.ID, OrgRole: kakehashi.RoleMember}
	ownerUser := &kakehashi.User{Email: "o@example.jp", Name: "O", OrgID: owner.ID, OrgRole: kakehashi.RoleMember}
	for _, u := range []*kakehashi.User{requester, ownerUser} {
		if err := store.CreateUser(ctx, u, sys); err != nil {
			t.Fatal(err)
		}
	}
	l := &kakehashi.Listing{OrgID: owner.ID, Side: kakehashi.SideNeed, Kind: kakehashi.KindChallenge, Title: "T", Summary: "S", Language: "en", TRL: 5,
		IP: kakehashi.IP{Status: kakehashi.IPNone}, Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen}
	if err := store.CreateListing(ctx, l, sys); err != nil {
		t.Fatal(err)
	}
	store.Now = func() time.Time { return testclock.Now().Add(-30 * 24 * time.Hour) }
	in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: requester.ID, RequesterOrgID: other.ID, Message: "Hello"}
	if err := store.CreateIntroduction(ctx, in, requester); err != nil {
		t.Fatal(err)
	}
	store.Now = testclock.Now
	r := runCLI(t, nil, "", "introductions", "--db", db, "--stalled")
	if r.err != nil || !strings.Contains(r.stdout, "interest") || !strings.Contains(r.stdout, "yes") {
		t.Fatalf("stalled queue: %v\n%s", r.err, r.stdout)
	}
	r = runCLI(t, nil, "", "introductions", "--db", db, "--remind")
	if r.err != nil || !strings.Contains(r.stderr, "reminded 1 stalled") {
		t.Fatalf("remind: %v\n%s", r.err, r.stderr)
	}
	if ns, _ := store.Notifications(ctx, ownerUser.ID, false, 10); len(ns) != 2 || ns[0].Kind != "stalled" {
		t.Fatalf("owner inbox after the reminder: %+v", ns)
	}
	if r := runCLI(t, nil, "", "introductions", "--db", db, "--stalled", "--stall-days", "60"); r.err != nil || strings.Contains(r.stdout, "yes") {
		t.Fatalf("nothing is stalled after 60 days: %v\n%s", r.err, r.stdout)
	}
}

func TestImportOpenAlex(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	fixture := filepath.Join("..", "..", "importer", "testdata", "openalex-works.jsonl")
	r := runCLI(t, nil, "", "import", "--db", db, "--format", "openalex", fixture)
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, want := range []string{"6 works read", "3 created", "1 merged", "3 works skipped", "1 no abstract", "line 5: malformed JSON"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stderr)
		}
	}
	r = runCLI(t, nil, "", "import", "--db", db, "--format", "openalex", "--json", fixture)
	if r.err != nil || !json.Valid([]byte(r.stdout)) || !strings.Contains(r.stdout, "unchanged") {
		t.Fatalf("second import --json: %v\n%s", r.err, r.stdout)
	}
}

// TestMetricsListener checks that the Prometheus metrics are not on the
// public listener but on --metrics-addr, and only there.
func TestMetricsListener(t *testing.T) {
	metricsAddr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	var logs bytes.Buffer
	e := &Env{Env: cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &logs, Getenv: func(string) string { return "" }},
		Ready: func(a string) { addrc <- a }}
	done := make(chan error, 1)
	go func() {
		done <- e.Run(ctx, []string{"serve", "--db", filepath.Join(t.TempDir(), "k.db"), "--addr", "127.0.0.1:0", "--metrics-addr", metricsAddr})
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, _ := get("http://" + addr + "/metrics"); status != http.StatusNotFound {
		t.Errorf("public /metrics: status %d, want 404", status)
	}
	if status, body := get("http://" + metricsAddr + "/metrics"); status != http.StatusOK || !strings.Contains(body, "kakehashi_listings") {
		t.Errorf("/metrics on --metrics-addr: status %d: %.300s", status, body)
	}
	if status, _ := get("http://" + metricsAddr + "/api/v1/listings"); status != http.StatusNotFound {
		t.Errorf("the metrics listener serves the API: status %d", status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not shut down")
	}
	if _, err := net.Dial("tcp", metricsAddr); err == nil {
		t.Error("the metrics listener is still open after shutdown")
	}
}
