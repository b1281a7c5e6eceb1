// Package cli is the command-line plumbing that the server command
// (cmd/kakehashi) and the benchmark command (cmd/kakehashi-bench) share:
// the outside world of one run (Env), flags that fall back to KAKEHASHI_*
// environment variables, usage errors and their exit status, opening a
// migrated store on the run's clock, and JSON output. It lives in one place
// so that both commands read their configuration the same way, while the
// server binary links none of the benchmarks.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi/sqlstore"
)

// Env is the outside world of one command run; tests give it buffers.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Now is the one clock of every command (nil: the wall clock): serve
	// hands it to the store, the search engine, the API, the pages and the
	// background jobs alike, so that they never disagree about "now".
	Now func() time.Time
}

// Clock reads the Env's clock (Now, or the wall clock when Now is nil).
func (e *Env) Clock() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Usage returns a usage error: a mistake in the command line, which
// ExitCode maps to exit status 2.
func Usage(msg string) error { return usageError{msg} }

// Usagef is Usage with a format.
func Usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// ExitCode is the exit status for err: 2 for a usage error or -h, 1 for
// any other error.
func ExitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// Flags returns a flag set named name (the program and subcommand, as -h
// shows them) that writes its usage to the Env's standard error; Parse
// fills it.
func (e *Env) Flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return fs
}

// Parse parses args, taking unset flags from KAKEHASHI_<NAME> variables
// (dashes as underscores). A bad flag or variable is a usage error naming
// it.
func (e *Env) Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return Usage(err.Error())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		key := "KAKEHASHI_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := e.Getenv(key); v != "" {
			if ferr := f.Value.Set(v); ferr != nil {
				err = Usagef("%s=%q: %v", key, v, ferr)
			}
		}
	})
	return err
}

// OpenDB opens and migrates the store named by dsn, on the Env's clock.
func (e *Env) OpenDB(ctx context.Context, dsn string, opt sqlstore.Options) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, dsn, opt)
	if err != nil {
		return nil, err
	}
	db.Now = e.Clock
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", Redact(dsn), err)
	}
	return db, nil
}

// Logger returns the text logger of a run, on the Env's standard error.
func (e *Env) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// Redact hides a password in a database URL before it is printed.
func Redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.Index(dsn[i+3:], "@"); at >= 0 {
			cred := dsn[i+3 : i+3+at]
			if c := strings.Index(cred, ":"); c >= 0 {
				return dsn[:i+3] + cred[:c] + ":***" + dsn[i+3+at:]
			}
		}
	}
	return dsn
}

// WriteJSON writes v to w as one indented JSON document.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
