package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/bench"
	"github.com/kakehashi/kakehashi/bench/loadgen"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/internal/pgtest"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// LoadSetupReport is what one setup (a database and its replicas) measured.
type LoadSetupReport struct {
	Name     string `json:"name"`
	Dialect  string `json:"dialect"`
	Replicas int    `json:"replicas"`
	// GenerateSec is the time to write the listings into the database.
	GenerateSec float64 `json:"generate_s"`
	// StartSec is the time from starting the replicas until all are ready
	// (their indexes built and caught up).
	StartSec float64 `json:"start_s"`
	// CatchUpSec is the time from restarting one replica after the load
	// until it is ready again.
	CatchUpSec float64 `json:"catch_up_s"`
	// LoadAvg is the machine's one-minute load average when the measured
	// load began and when it ended: other work on the machine shows here.
	LoadAvg [2]float64 `json:"load_avg"`
	// PeakRSSMiB is each replica's peak resident memory, read before the
	// restart.
	PeakRSSMiB []float64       `json:"peak_rss_mib"`
	Load       *loadgen.Result `json:"load"`
}

// loadAvg returns the one-minute load average, 0 where it is unknown.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}

// peakRSSMiB returns the peak resident set of process pid, 0 where it is
// unknown.
func peakRSSMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return math.Round(kb / 1024)
		}
	}
	return 0
}

// LoadBenchReport is the output of kakehashi-bench load.
type LoadBenchReport struct {
	Machine  bench.Machine      `json:"machine"`
	Date     string             `json:"date"`
	Listings int                `json:"listings"`
	Clients  int                `json:"clients"`
	Duration float64            `json:"duration_s"`
	Warmup   float64            `json:"warmup_s"`
	Seed     uint64             `json:"seed"`
	Setups   []*LoadSetupReport `json:"setups"`
	// Ratio is the PostgreSQL setup's throughput over the SQLite setup's.
	Ratio float64 `json:"ratio,omitempty"`
}

// benchLoad runs the mixed API workload against one replica on SQLite and
// two replicas on PostgreSQL, each started as a child process.
func (e *Env) benchLoad(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi-bench load")
	nListings := fs.Int("listings", 1_000_000, "listings to generate in each database")
	clients := fs.Int("clients", 16, "concurrent clients")
	duration := fs.Duration("duration", 60*time.Second, "how long load is measured in each setup")
	warmup := fs.Duration("warmup", 5*time.Second, "load sent before measuring starts")
	setups := fs.String("setups", "sqlite,pg", "setups to run: sqlite (one replica), pg (two replicas), comma-separated")
	pgURL := fs.String("pg", "", "an empty postgres:// database to use (default: a throwaway cluster started with initdb and pg_ctl)")
	dir := fs.String("dir", "", "working directory for the SQLite file and replica logs (default a temporary directory, removed afterwards)")
	seed := fs.Uint64("seed", 1, "seed of the synthetic corpus and of the clients")
	asJSON := fs.Bool("json", false, "print the report as one JSON document")
	serverBin := fs.String("server-bin", "", "the kakehashi server binary the replicas run (default: kakehashi next to this executable, else built from ./cmd/kakehashi with go build)")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if *nListings < 1 || *clients < 1 || *duration <= 0 || *warmup < 0 {
		return cli.Usage("--listings, --clients and --duration must be positive, --warmup not negative")
	}
	var runSQLite, runPG bool
	for _, s := range strings.Split(*setups, ",") {
		switch strings.TrimSpace(s) {
		case "sqlite":
			runSQLite = true
		case "pg", "postgres":
			runPG = true
		default:
			return cli.Usagef("--setups: unknown setup %q (want sqlite, pg)", s)
		}
	}
	if *pgURL != "" && !strings.HasPrefix(*pgURL, "postgres://") && !strings.HasPrefix(*pgURL, "postgresql://") {
		return cli.Usage("--pg must be a postgres:// URL")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the kakehashi-bench executable: %w", err)
	}
	bin, cleanup, err := findServerBin(ctx, *serverBin, self, e.Stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	work := *dir
	if work == "" {
		if work, err = os.MkdirTemp("", "kakehashi-bench-load-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	rep := LoadBenchReport{Machine: bench.ThisMachine(), Date: time.Now().UTC().Format(time.RFC3339), Listings: *nListings,
		Clients: *clients, Duration: duration.Seconds(), Warmup: warmup.Seconds(), Seed: *seed}
	syn := bench.NewSynthetic(*seed)
	lc := loadRun{env: e, bin: bin, dir: work, syn: syn, listings: *nListings, clients: *clients, duration: *duration, warmup: *warmup, seed: *seed}
	if runSQLite {
		r, err := lc.setup(ctx, "one replica on SQLite", filepath.Join(work, "load.db"), 1)
		if err != nil {
			return fmt.Errorf("SQLite setup: %w", err)
		}
		rep.Setups = append(rep.Setups, r)
	}
	if runPG {
		dsn := *pgURL
		if dsn == "" {
			fmt.Fprintln(e.Stderr, "bench: starting a throwaway PostgreSQL cluster…")
			cl, err := pgtest.Start(context.Background())
			if err != nil {
				return fmt.Errorf("start PostgreSQL: %w", err)
			}
			defer cl.Stop()
			dsn = cl.URL("postgres")
		}
		r, err := lc.setup(ctx, "two replicas on PostgreSQL", dsn, 2)
		if err != nil {
			return fmt.Errorf("PostgreSQL setup: %w", err)
		}
		rep.Setups = append(rep.Setups, r)
	}
	if len(rep.Setups) == 2 && rep.Setups[0].Load.All.PerSec > 0 {
		rep.Ratio = math.Round(rep.Setups[1].Load.All.PerSec/rep.Setups[0].Load.All.PerSec*100) / 100
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, rep)
	}
	fmt.Fprintf(e.Stdout, "Load on loopback: %d synthetic listings, %d clients, %s measured after %s warm-up; 70%% search, 15%% match, 10%% listing reads, 5%% writes; %s\n",
		rep.Listings, rep.Clients, duration, warmup, rep.Machine)
	for _, s := range rep.Setups {
		if err := printLoadSetup(e.Stdout, s); err != nil {
			return err
		}
	}
	if rep.Ratio > 0 {
		fmt.Fprintf(e.Stdout, "\nthroughput ratio (two replicas on PostgreSQL / one on SQLite): %.2f\n", rep.Ratio)
	}
	return nil
}

// findServerBin returns the kakehashi server binary that bench load runs
// as replicas: flagValue (--server-bin) if set, else a kakehashi file next
// to self (the kakehashi-bench executable, as make build places them), else
// one built from ./cmd/kakehashi with go build into a temporary directory,
// which cleanup removes. The benchmark binary no longer contains the
// server, so it cannot exec itself.
func findServerBin(ctx context.Context, flagValue, self string, stderr io.Writer) (bin string, cleanup func(), err error) {
	nothing := func() {}
	if flagValue != "" {
		if fi, err := os.Stat(flagValue); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return "", nothing, cli.Usagef("--server-bin %s: not an executable file", flagValue)
		}
		return flagValue, nothing, nil
	}
	next := filepath.Join(filepath.Dir(self), "kakehashi")
	if fi, err := os.Stat(next); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return next, nothing, nil
	}
	dir, err := os.MkdirTemp("", "kakehashi-bench-server-")
	if err != nil {
		return "", nothing, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	bin = filepath.Join(dir, "kakehashi")
	const pkg = "github.com/kakehashi/kakehashi/cmd/kakehashi"
	fmt.Fprintf(stderr, "bench: no kakehashi next to %s and no --server-bin: building %s into %s with go build…\n", self, pkg, dir)
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		cleanup()
		return "", nothing, fmt.Errorf("build the server (give --server-bin to use a built one): go build %s: %w\n%s", pkg, err, bytes.TrimSpace(out))
	}
	return bin, cleanup, nil
}

// printLoadSetup writes one setup's figures as a table.
func printLoadSetup(w io.Writer, s *LoadSetupReport) error {
	l := s.Load
	fmt.Fprintf(w, "\n%s (%s): data written in %.1f s, replicas ready in %.1f s\n", s.Name, s.Dialect, s.GenerateSec, s.StartSec)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\trequests\terrors\treq/s\tp50 ms\tp99 ms\tp999 ms\tmax ms\t")
	for _, k := range append(l.Kinds, &l.All) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", k.Kind, k.Requests, k.Errors, k.PerSec, k.P50ms, k.P99ms, k.P999ms, k.Maxms)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "throughput %.1f req/s, %d errors, search p99 %.2f ms, index ready %.1f s after a replica restart\n",
		l.All.PerSec, l.All.Errors, l.Kinds[0].P99ms, s.CatchUpSec)
	fmt.Fprintf(w, "replica peak RSS %v MiB; machine load average %.1f at the start of the load, %.1f at its end\n", s.PeakRSSMiB, s.LoadAvg[0], s.LoadAvg[1])
	for _, line := range l.ErrorLines {
		fmt.Fprintln(w, "  error:", line)
	}
	return nil
}

// loadRun holds what every setup of one bench load run shares.
type loadRun struct {
	env               *Env
	bin, dir          string
	syn               *bench.Synthetic
	listings, clients int
	duration, warmup  time.Duration
	seed              uint64
	setupNo           int
}

// setup fills the database dsn, starts n replicas on it, sends the load,
// restarts the first replica and stops them all.
func (lc *loadRun) setup(ctx context.Context, name, dsn string, n int) (*LoadSetupReport, error) {
	lc.setupNo++
	rep := &LoadSetupReport{Name: name, Replicas: n}
	fmt.Fprintf(lc.env.Stderr, "bench: %s: writing %d listings…\n", name, lc.listings)
	t := time.Now()
	token, dialect, err := prepareLoadDB(ctx, dsn, lc.syn, lc.listings, lc.env.Stderr)
	if err != nil {
		return nil, err
	}
	rep.Dialect = string(dialect)
	rep.GenerateSec = math.Round(time.Since(t).Seconds()*10) / 10
	fmt.Fprintf(lc.env.Stderr, "bench: %s: data written in %.1f s; starting %d replica(s)…\n", name, rep.GenerateSec, n)
	t = time.Now()
	var reps []*loadReplica
	defer func() {
		for _, r := range reps {
			r.stop()
		}
	}()
	for i := range n {
		r, err := startLoadReplica(lc.bin, dsn, filepath.Join(lc.dir, fmt.Sprintf("setup%d-replica%d.log", lc.setupNo, i+1)))
		if err != nil {
			return nil, err
		}
		reps = append(reps, r)
	}
	for _, r := range reps {
		if err := r.waitReady(ctx, 30*time.Minute); err != nil {
			return nil, err
		}
	}
	rep.StartSec = math.Round(time.Since(t).Seconds()*10) / 10
	fmt.Fprintf(lc.env.Stderr, "bench: %s: ready in %.1f s; %d clients for %s (+%s warm-up)…\n", name, rep.StartSec, lc.clients, lc.duration, lc.warmup)
	targets := make([]string, len(reps))
	for i, r := range reps {
		targets[i] = r.url
	}
	rep.LoadAvg[0] = loadAvg()
	rep.Load, err = loadgen.Run(ctx, loadConfig(lc.syn, targets, token, lc.listings, lc.clients, lc.duration, lc.warmup, lc.seed, fmt.Sprintf("s%d", lc.setupNo)))
	if err != nil {
		return nil, err
	}
	rep.LoadAvg[1] = loadAvg()
	for _, r := range reps {
		rep.PeakRSSMiB = append(rep.PeakRSSMiB, peakRSSMiB(r.cmd.Process.Pid))
	}
	fmt.Fprintf(lc.env.Stderr, "bench: %s: %.1f req/s, %d errors; restarting replica 1…\n", name, rep.Load.All.PerSec, rep.Load.All.Errors)
	reps[0].stop()
	t = time.Now()
	r, err := startLoadReplica(lc.bin, dsn, reps[0].logPath+".restart")
	if err != nil {
		return nil, err
	}
	reps[0] = r
	if err := r.waitReady(ctx, 30*time.Minute); err != nil {
		return nil, err
	}
	rep.CatchUpSec = math.Round(time.Since(t).Seconds()*10) / 10
	// A long run keeps what it measured even if a later setup fails.
	if err := printLoadSetup(lc.env.Stderr, rep); err != nil {
		return nil, err
	}
	if b, err := json.MarshalIndent(rep, "", "  "); err == nil {
		os.WriteFile(filepath.Join(lc.dir, fmt.Sprintf("setup%d.json", lc.setupNo)), b, 0o644)
	}
	return rep, nil
}

// loadConfig is the workload of bench load and of the fault tests.
func loadConfig(syn *bench.Synthetic, targets []string, token string, listings, clients int, duration, warmup time.Duration, seed uint64, runID string) loadgen.Config {
	return loadgen.Config{
		Targets: targets, Clients: clients, Duration: duration, Warmup: warmup, Mix: loadgen.DefaultMix,
		Token: token, Listings: int64(listings), Seed: seed, RunID: runID,
		Query: syn.Query,
		Text: func(i int) (string, string) {
			l := syn.Listing(int64(listings + i))
			return l.Title, l.Body
		},
	}
}

// loadOrgs is the number of organizations synthetic listings belong to.
const loadOrgs = 1000

var loadCountries = []string{"JP", "JP", "JP", "US", "US", "GB", "DE", "FR", "KR", "SG", "CA", "AU", "NL", "SE", "IN", "CH"}

// prepareLoadDB migrates the empty database dsn and writes n synthetic
// listings (with their change-feed entries) into it directly, in large
// transactions, generating the text on all cores; then it creates the load
// client's user and returns its API token.
func prepareLoadDB(ctx context.Context, dsn string, syn *bench.Synthetic, n int, progress io.Writer) (string, sqlstore.Dialect, error) {
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{MaxOpenConns: 4})
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return "", "", err
	}
	var existing int
	if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM organizations) + (SELECT COUNT(*) FROM listings)`).Scan(&existing); err != nil {
		return "", "", err
	}
	if existing > 0 {
		return "", "", cli.Usage("the database is not empty; bench load needs an empty database")
	}
	g := &kpiGen{db: db}
	created := time.Now().UTC().Truncate(time.Second).AddDate(-1, 0, 0)
	var orgRows [][]any
	for i := 1; i <= loadOrgs; i++ {
		orgRows = append(orgRows, []any{i, fmt.Sprintf("Load organization %d", i), string(benchOrgKinds[i%len(benchOrgKinds)]),
			loadCountries[i%len(loadCountries)], "", `[]`, "bench", created, created})
	}
	if err := g.insert(ctx, "organizations", "id, name, kind, country, region, sectors, content_hash, created_at, updated_at", orgRows); err != nil {
		return "", "", err
	}
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	const batch = 20_000
	workers := runtime.GOMAXPROCS(0)
	last := time.Now()
	for start := 1; start <= n; start += batch {
		end := min(start+batch, n+1)
		rows := make([][]any, end-start)
		changes := make([][]any, end-start)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for id := start + w; id < end; id += workers {
					l := syn.Listing(int64(id))
					l.Normalize()
					at := created.Add(time.Duration(id) * time.Second)
					var deadline any
					if l.Deadline != nil {
						deadline = *l.Deadline
					}
					rows[id-start] = []any{id, l.OrgID, string(l.Side), string(l.Kind), l.Title, l.Summary, l.Body, l.Language,
						js(l.Keywords), js(l.Fields), js(l.Sectors), l.TRL, js(l.IP), js(l.PartnershipTypes), js(l.TargetCountries),
						false, string(l.Visibility), string(l.Status), deadline, nil, "bench", at, at}
					changes[id-start] = []any{id, at}
				}
			}()
		}
		wg.Wait()
		if err := g.insert(ctx, "listings", `id, org_id, side, kind, title, summary, body, language, keywords, fields, sectors, trl, ip,
			partnership_types, target_countries, controlled, visibility, status, deadline, created_by, content_hash, created_at, updated_at`, rows); err != nil {
			return "", "", err
		}
		if err := g.insert(ctx, "listing_changes", "listing_id, at", changes); err != nil {
			return "", "", err
		}
		if time.Since(last) > 15*time.Second {
			fmt.Fprintf(progress, "bench: %d of %d listings written\n", end-1, n)
			last = time.Now()
		}
	}
	if db.Dialect() == sqlstore.Postgres {
		for _, t := range []string{"organizations", "listings"} {
			if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))`, t, t)); err != nil {
				return "", "", fmt.Errorf("reset %s sequence: %w", t, err)
			}
		}
	}
	if _, err := db.SQL().ExecContext(ctx, `ANALYZE`); err != nil {
		return "", "", fmt.Errorf("analyze: %w", err)
	}
	u := &kakehashi.User{Email: "load-client@bench.example", Name: "Load client", OrgID: 1, OrgRole: kakehashi.RoleMember}
	if err := db.CreateUser(ctx, u, nil); err != nil {
		return "", "", err
	}
	secret, err := auth.NewToken("kkt_")
	if err != nil {
		return "", "", err
	}
	if err := db.CreateAPIToken(ctx, &kakehashi.APIToken{UserID: u.ID, Name: "bench load"}, auth.HashToken(secret), u); err != nil {
		return "", "", err
	}
	return secret, db.Dialect(), nil
}

// loadReplica is a kakehashi serve child process.
type loadReplica struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	log     *os.File
	exited  chan struct{}
	err     error // set when exited closes
}

// startLoadReplica starts bin serve on dsn on a free loopback port, logging to
// logPath.
func startLoadReplica(bin, dsn, logPath string, extra ...string) (*loadReplica, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--db", dsn, "--addr", addr}, extra...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start replica: %w", err)
	}
	r := &loadReplica{cmd: cmd, url: "http://" + addr, logPath: logPath, log: f, exited: make(chan struct{})}
	go func() {
		r.err = cmd.Wait()
		f.Close()
		close(r.exited)
	}()
	return r, nil
}

// waitReady polls /readyz until the replica answers 200.
func (r *loadReplica) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := client.Get(r.url + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.exited:
			return fmt.Errorf("replica %s exited (%v) before it was ready:\n%s", r.url, r.err, r.tail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("replica %s not ready after %s:\n%s", r.url, timeout, r.tail())
		}
	}
}

// tail returns the end of the replica's log.
func (r *loadReplica) tail() string {
	b, _ := os.ReadFile(r.logPath)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(bytes.TrimSpace(b))
}

// stop ends the replica with SIGTERM (SIGKILL after 30 s) and waits.
func (r *loadReplica) stop() {
	select {
	case <-r.exited:
		return
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(30 * time.Second):
		r.kill()
	}
}

// kill ends the replica with SIGKILL and waits.
func (r *loadReplica) kill() {
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return
	}
	<-r.exited
}
