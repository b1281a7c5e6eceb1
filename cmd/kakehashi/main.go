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
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/sqlstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Env: cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}}
	if err := env.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kakehashi:", err)
		}
		os.Exit(cli.ExitCode(err))
	}
}

// Env is the outside world of one command run; tests give it buffers. The
// shared part (streams, environment, the one clock Now) is cli.Env.
type Env struct {
	cli.Env
	// Ready, if set, is called by serve with its address once it listens.
	Ready func(addr string)
	// beforeIndex, if set, is called by serve before it builds the search
	// index (tests hold the build back with it to observe /readyz).
	beforeIndex func(context.Context)
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
		return cli.Usage("no command given")
	}
	switch args[0] {
	case "serve":
		return e.serve(ctx, args[1:])
	case "migrate":
		return e.migrate(ctx, args[1:])
	case "user":
		if len(args) < 2 || args[1] != "add" {
			return cli.Usage("usage: kakehashi user add --email E --name N [flags]")
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
		// The benchmarks left the server binary (it links neither Bleve nor
		// the test PostgreSQL); say where they went rather than "unknown".
		return benchMoved(args[1:])
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
	return cli.Usagef("unknown command %q", args[0])
}

func (e *Env) migrate(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi migrate")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	db, err := e.OpenDB(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "%s database %s is at schema version %d\n", db.Dialect(), cli.Redact(*dsn), v)
	return nil
}

// benchMoved is the answer to the old "kakehashi bench …": a usage error
// naming the command that runs the benchmarks now.
func benchMoved(args []string) error {
	run := "kakehashi-bench beir|scale|screening|schedule|kpi|load [flags]"
	if len(args) > 0 {
		run = "kakehashi-bench " + strings.Join(args, " ")
	}
	return cli.Usagef("the benchmarks are a separate command: run %s (from a source tree: go run ./cmd/kakehashi-bench …)", run)
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
