package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/sqlstore"
)

func testEnv(vars map[string]string) *Env {
	return &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return vars[k] }}
}

// TestParseEnvironment checks the flag-or-variable rule both commands
// share: the command line wins, KAKEHASHI_<NAME> (dashes as underscores)
// fills an unset flag, and a bad value is a usage error naming the
// variable.
func TestParseEnvironment(t *testing.T) {
	e := testEnv(map[string]string{"KAKEHASHI_MAX_CONNS": "7", "KAKEHASHI_DB": "env.db"})
	fs := e.Flags("kakehashi test")
	conns := fs.Int("max-conns", 0, "")
	db := fs.String("db", "default.db", "")
	if err := e.Parse(fs, []string{"--db", "flag.db"}); err != nil {
		t.Fatal(err)
	}
	if *conns != 7 || *db != "flag.db" {
		t.Errorf("max-conns %d, db %q; want 7 from the environment and flag.db from the command line", *conns, *db)
	}

	e = testEnv(map[string]string{"KAKEHASHI_MAX_CONNS": "many"})
	fs = e.Flags("kakehashi test")
	fs.Int("max-conns", 0, "")
	err := e.Parse(fs, nil)
	if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "KAKEHASHI_MAX_CONNS") {
		t.Errorf("bad variable: %v (exit %d), want a usage error naming it", err, ExitCode(err))
	}
	fs = e.Flags("kakehashi test")
	if err := e.Parse(fs, []string{"--nope"}); err == nil || ExitCode(err) != 2 {
		t.Errorf("unknown flag: %v, want a usage error", err)
	}
	fs = e.Flags("kakehashi test")
	if err := e.Parse(fs, []string{"-h"}); !errors.Is(err, flag.ErrHelp) || ExitCode(err) != 2 {
		t.Errorf("-h: %v", err)
	}
}

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{{Usage("x"), 2}, {Usagef("bad %d", 1), 2}, {errors.New("disk full"), 1}, {flag.ErrHelp, 2}} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db:5432/k": "postgres://app:***@db:5432/k",
		"postgres://app@db/k":             "postgres://app@db/k",
		"kakehashi.db":                    "kakehashi.db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenDBUsesTheClock checks that the store OpenDB returns reads the
// Env's one clock.
func TestOpenDBUsesTheClock(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	e := testEnv(nil)
	e.Now = func() time.Time { return at }
	if !e.Clock().Equal(at) {
		t.Fatalf("Clock() = %s", e.Clock())
	}
	db, err := e.OpenDB(context.Background(), filepath.Join(t.TempDir(), "k.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Now == nil || !db.Now().Equal(at) {
		t.Errorf("the store's clock is not the Env's")
	}
	if d := time.Since(testEnv(nil).Clock()); d < 0 || d > time.Minute {
		t.Errorf("Clock without Now is %s off the wall clock", d)
	}
}
