// Command kakehashi runs the Kakehashi partner-matching platform: the web
// server and JSON API, database migrations, account creation, and import and
// export of organizations and listings.
//
// Usage:
//
//	kakehashi serve   [--addr 127.0.0.1:8080] [--db PATH|postgres://…] [--demo]
//	kakehashi migrate [--db …]
//	kakehashi user add [--db …] --email E --name N [--org ID|EXTERNAL_ID] [--org-role member|org_admin] [--role admin|coordinator]
//	kakehashi import  [--db …] --format jsonl|csv|openalex [--authors=false] [--json] FILE…
//	kakehashi export  [--db …] --format jsonl|csv [--what all|organizations|listings] [--out FILE]
//	kakehashi search  [--db …] [--side seed|need] [--country CC] [--json] QUERY
//	kakehashi match   [--db …] [--json] LISTING_ID
//	kakehashi experts [--db …] --listing ID [--country CC] [--org-kind K] [--career-stage S] [--open-to O] [--json]
//	kakehashi introductions [--db …] [--open] [--stalled] [--stall-days 14] [--remind] [--json]
//	kakehashi screen  load [--db …] --format csl|csv [--name NAME] FILE  |  check [--db …] [--country CC] [--json] NAME
//	kakehashi backup  [--db …] [--pg-dump PATH] OUT
//
// Every flag can also be set from the environment as KAKEHASHI_<FLAG>, for
// example KAKEHASHI_DB=postgres://… .
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := env.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kakehashi:", err)
		}
		os.Exit(exitCode(err))
	}
}

// Env is the outside world of one command run; tests give it buffers.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, if set, is called by serve with its address once it listens.
	Ready func(addr string)
	// beforeIndex, if set, is called by serve before it builds the search
	// index (tests hold the build back with it to observe /readyz).
	beforeIndex func(context.Context)
	// Now is the one clock of every command (nil: the wall clock): serve
	// hands it to the store, the search engine, the API, the pages and the
	// background jobs alike, so that they never disagree about "now".
	Now func() time.Time
}

// now reads the Env's clock.
func (e *Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `kakehashi — open-innovation partner matching

Commands:
  serve     run the web server and JSON API
  migrate   create or upgrade the database schema
  user add  create a user account (e.g. the first admin)
  import    import organizations and listings (JSON Lines or CSV)
  export    export organizations and listings
  search    search seeds and needs (English or Japanese)
  match     the best matches for a listing, explained
  experts   who could work on a need: researchers ranked and explained
  introductions  list introductions (--stalled: the work queue; --remind: send reminders)
  screen    load restricted-party lists (screen load) and check a name (screen check)
  backup    copy the database to a new file while it is in use (SQLite VACUUM INTO, PostgreSQL pg_dump)

Run 'kakehashi COMMAND -h' for a command's flags.`

// Run runs the command line args.
func (e *Env) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.Stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return e.serve(ctx, args[1:])
	case "migrate":
		return e.migrate(ctx, args[1:])
	case "user":
		if len(args) < 2 || args[1] != "add" {
			return usageError{"usage: kakehashi user add --email E --name N [flags]"}
		}
		return e.userAdd(ctx, args[2:])
	case "import":
		return e.importCmd(ctx, args[1:])
	case "export":
		return e.exportCmd(ctx, args[1:])
	case "search":
		return e.searchCmd(ctx, args[1:])
	case "match":
		return e.matchCmd(ctx, args[1:])
	case "experts":
		return e.expertsCmd(ctx, args[1:])
	case "bench":
		return e.benchCmd(ctx, args[1:])
	case "introductions":
		return e.introductionsCmd(ctx, args[1:])
	case "screen":
		return e.screenCmd(ctx, args[1:])
	case "backup":
		return e.backupCmd(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.Stdout, usage)
		return nil
	}
	fmt.Fprintln(e.Stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

// flags returns a flag set for a subcommand whose defaults come from the
// KAKEHASHI_* environment.
func (e *Env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("kakehashi "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return fs
}

// parse parses args, taking unset flags from KAKEHASHI_<NAME> variables.
func (e *Env) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
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
				err = usageError{fmt.Sprintf("%s=%q: %v", key, v, ferr)}
			}
		}
	})
	return err
}

// openDB opens and migrates the store named by dsn.
func (e *Env) openDB(ctx context.Context, dsn string, opt sqlstore.Options) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, dsn, opt)
	if err != nil {
		return nil, err
	}
	db.Now = e.now
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", redact(dsn), err)
	}
	return db, nil
}

func (e *Env) migrate(ctx context.Context, args []string) error {
	fs := e.flags("migrate")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	db, err := e.openDB(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "%s database %s is at schema version %d\n", db.Dialect(), redact(*dsn), v)
	return nil
}

// redact hides a password in a database URL before it is printed.
func redact(dsn string) string {
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

func (e *Env) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// describe formats an error for the terminal, listing field errors one per line.
func describe(err error) string {
	var b strings.Builder
	b.WriteString(kakehashi.ErrorMessage(err))
	for _, f := range kakehashi.FieldErrors(err) {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return b.String()
}
