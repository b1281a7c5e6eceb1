package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/screening"
	"github.com/kakehashi/kakehashi/sqlstore"
)

func (e *Env) screenCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return cli.Usage("usage: kakehashi screen load|check [flags]")
	}
	switch args[0] {
	case "load":
		return e.screenLoad(ctx, args[1:])
	case "check":
		return e.screenCheck(ctx, args[1:])
	}
	return cli.Usagef("unknown screen command %q (want load or check)", args[0])
}

// readEntries parses a list file (gzipped if its name ends in .gz).
func readEntries(name, format string) ([]kakehashi.ScreeningEntry, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		r = gz
	}
	switch format {
	case "csl":
		return screening.ParseCSL(r)
	case "csv":
		return screening.ParseCSV(r)
	}
	return nil, cli.Usagef("--format must be csl or csv, got %q", format)
}

func (e *Env) screenLoad(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi screen load")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	format := fs.String("format", "", "csl (the US Consolidated Screening List CSV) or csv (id,name,aliases,country,source,programs)")
	name := fs.String("name", "", "the list's name; a load replaces the previous version of the same name (default: us-csl or the file name)")
	asJSON := fs.Bool("json", false, "print the report as one JSON document")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*format != "csl" && *format != "csv") {
		return cli.Usage("usage: kakehashi screen load --format csl|csv [--name NAME] FILE")
	}
	file := fs.Arg(0)
	if *name == "" {
		*name = strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".gz"), filepath.Ext(strings.TrimSuffix(file, ".gz")))
		if *format == "csl" {
			*name = "us-csl"
		}
	}
	start := time.Now()
	entries, err := readEntries(file, *format)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	db, err := e.OpenDB(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	svc := compliance.New(db, compliance.Config{})
	rep, err := svc.Load(ctx, *name, *format, filepath.Base(file), entries, kakehashi.SystemActor("screen-load"))
	if err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, rep)
	}
	fmt.Fprintf(e.Stdout, "Loaded %s version %d: %d entries from %s in %s.\n", *name, rep.Version.ID, rep.Version.Entries, filepath.Base(file), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(e.Stdout, "Re-screened %d organizations: %d with potential matches.\n", rep.Screened, rep.Matches)
	for _, n := range rep.NewMatches {
		fmt.Fprintf(e.Stdout, "  new potential match: %s\n", n)
	}
	for _, n := range rep.Cleared {
		fmt.Fprintf(e.Stdout, "  no longer matching:  %s\n", n)
	}
	return nil
}

func (e *Env) screenCheck(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi screen check")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	country := fs.String("country", "", "the party's country (ISO 3166-1 alpha-2): raises or lowers scores, does not filter")
	threshold := fs.Float64("threshold", 0, "lowest score to report (0: the matcher's default)")
	asJSON := fs.Bool("json", false, "print the hits as one JSON document")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	name := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if name == "" {
		return cli.Usage("usage: kakehashi screen check [--country CC] NAME")
	}
	if *country != "" && !kakehashi.ValidCountry(*country) {
		return cli.Usagef("--country %q is not an ISO 3166-1 alpha-2 code", *country)
	}
	db, err := e.OpenDB(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	svc := compliance.New(db, compliance.Config{Threshold: *threshold})
	if _, err := svc.Refresh(ctx); err != nil {
		return err
	}
	if svc.Version() == 0 {
		return fmt.Errorf("no restricted-party list is loaded: run kakehashi screen load first")
	}
	hits := svc.Check(ctx, name, *country, 10)
	if *asJSON {
		if hits == nil {
			hits = []screening.Hit{}
		}
		return cli.WriteJSON(e.Stdout, hits)
	}
	if len(hits) == 0 {
		fmt.Fprintf(e.Stdout, "No potential match for %q.\n", name)
		return nil
	}
	for i, h := range hits {
		fmt.Fprintf(e.Stdout, "%d. %.3f  %s  [%s]\n", i+1, h.Score, h.Entry.Name, h.Entry.ID)
		fmt.Fprintf(e.Stdout, "   list: %s", h.Entry.Source)
		if len(h.Entry.Programs) > 0 {
			fmt.Fprintf(e.Stdout, "; programs: %s", strings.Join(h.Entry.Programs, ", "))
		}
		if h.Entry.Country != "" {
			fmt.Fprintf(e.Stdout, "; country: %s", h.Entry.Country)
		}
		fmt.Fprintln(e.Stdout)
		if h.Matched != "" && h.Matched != h.Entry.Name {
			fmt.Fprintf(e.Stdout, "   matched: %s\n", h.Matched)
		}
		for _, a := range h.Entry.Addresses[:min(2, len(h.Entry.Addresses))] {
			fmt.Fprintf(e.Stdout, "   address: %s\n", a)
		}
		for _, f := range h.Features {
			fmt.Fprintf(e.Stdout, "   %-14s %6.3f  %+.3f  %s\n", f.Name, f.Value, f.Contribution, f.Detail)
		}
	}
	return nil
}
