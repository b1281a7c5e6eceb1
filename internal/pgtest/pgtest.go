// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb into
// a temporary directory, pg_ctl start on a free loopback port, one fresh
// database per test, and everything removed when the test binary ends.
//
// When the tests run as root (as in CI), the server runs as the "postgres"
// user through runuser, because initdb refuses root. KAKEHASHI_TEST_POSTGRES
// may name an existing server (a postgres:// URL) to use instead.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// ErrUnavailable means no PostgreSQL server binaries were found.
var ErrUnavailable = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql (apt-get install postgresql)")

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	baseURL string // without database name
	stop    func()
	// halt and start stop and start the server process, keeping its data
	// (nil for an external server).
	halt, start func() error
	n           atomic.Int64
}

// Shared starts one cluster on first use and returns it to every caller in
// the test binary; Main stops it at exit.
type Shared struct {
	once    sync.Once
	cluster *Cluster
	err     error
}

// Get returns the shared cluster, starting it on first call. Without server
// binaries it fails the test when CI=true and skips it otherwise, so a
// developer without PostgreSQL can still run the SQLite half of the suite
// while CI can never pass without the PostgreSQL half.
func (s *Shared) Get(t testing.TB) *Cluster {
	t.Helper()
	s.once.Do(func() { s.cluster, s.err = Start(context.Background()) })
	if s.err != nil {
		if errors.Is(s.err, ErrUnavailable) && os.Getenv("CI") != "true" {
			t.Skipf("skipping PostgreSQL run: %v", s.err)
		}
		t.Fatalf("start PostgreSQL: %v", s.err)
	}
	return s.cluster
}

// Stop stops the shared cluster if it was started.
func (s *Shared) Stop() {
	if s.cluster != nil {
		s.cluster.Stop()
	}
}

// Start initialises and starts a new cluster.
func Start(ctx context.Context) (*Cluster, error) {
	if u := os.Getenv("KAKEHASHI_TEST_POSTGRES"); u != "" {
		return &Cluster{baseURL: u, stop: func() {}}, nil
	}
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kakehashi-pg-")
	if err != nil {
		return nil, err
	}
	runAs := func(name string, args ...string) *exec.Cmd {
		return exec.CommandContext(ctx, filepath.Join(bin, name), args...)
	}
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs a postgres user to run the server: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		runAs = func(name string, args ...string) *exec.Cmd {
			return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := runAs("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
	logFile := filepath.Join(dir, "server.log")
	start := func() error {
		if out, err := runAs("pg_ctl", "-D", data, "-l", logFile, "-o", opts, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
			log, _ := os.ReadFile(logFile)
			return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log)
		}
		return nil
	}
	if err := start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c := &Cluster{baseURL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port), start: start}
	c.halt = func() error {
		if out, err := runAs("pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "60", "stop").CombinedOutput(); err != nil {
			return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
		}
		return nil
	}
	c.stop = func() {
		runAs("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").Run()
		os.RemoveAll(dir)
	}
	return c, nil
}

// Stop stops the server and removes its files.
func (c *Cluster) Stop() { c.stop() }

// errExternal refuses to stop or start a server the tests did not start.
var errExternal = errors.New("pgtest: cannot stop or start an external server (KAKEHASHI_TEST_POSTGRES)")

// Halt stops the server process (a fast shutdown: clients are
// disconnected), keeping its data and port for Resume.
func (c *Cluster) Halt() error {
	if c.halt == nil {
		return errExternal
	}
	return c.halt()
}

// Resume starts the server stopped by Halt again on the same port.
func (c *Cluster) Resume() error {
	if c.start == nil {
		return errExternal
	}
	return c.start()
}

// Restart stops and starts the server, as an operator's restart does.
func (c *Cluster) Restart() error {
	if err := c.Halt(); err != nil {
		return err
	}
	return c.Resume()
}

// AdminURL returns the URL of the server's maintenance database
// ("postgres"), for tools such as createdb and pg_restore.
func (c *Cluster) AdminURL() string { return c.baseURL + "/postgres?sslmode=disable" }

// NewDatabase creates an empty database and returns its URL. The database is
// dropped when the test ends.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("kakehashi_test_%d_%d", os.Getpid(), c.n.Add(1))
	admin, err := sql.Open("pgx", c.baseURL+"/postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", c.baseURL+"/postgres")
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return c.baseURL + "/" + name + "?sslmode=disable"
}

// findBin returns the directory holding initdb and pg_ctl: the newest
// /usr/lib/postgresql/*/bin, or the one on PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrUnavailable
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL returns the URL of database name on the cluster, for programs (such as
// kakehashi bench load) that use a throwaway cluster outside a test.
func (c *Cluster) URL(name string) string { return c.baseURL + "/" + name + "?sslmode=disable" }
