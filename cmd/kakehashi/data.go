package main

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/importer"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/sqlstore"
)

func (e *Env) importCmd(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi import")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	format := fs.String("format", "", "input format: jsonl, csv or openalex (OpenAlex works) (required)")
	batch := fs.Int("batch", 500, "rows per transaction")
	asJSON := fs.Bool("json", false, "print the report as one JSON document on stdout")
	authors := fs.Bool("authors", true, "openalex: create or link researcher profiles for the works' authors")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	f := importer.Format(*format)
	if f != importer.JSONL && f != importer.CSV && f != importer.OpenAlex {
		return cli.Usagef("--format must be jsonl, csv or openalex, got %q", *format)
	}
	if fs.NArg() == 0 {
		return cli.Usage("name at least one file to import")
	}
	db, err := e.OpenDB(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	reports := map[string]any{}
	for _, name := range fs.Args() {
		if f == importer.OpenAlex {
			rep, err := e.importOpenAlexFile(ctx, db, name, *batch, !*authors)
			if rep != nil {
				reports[name] = rep
				if !*asJSON {
					printOpenAlexReport(e.Stderr, name, rep)
				}
			}
			if err != nil {
				return fmt.Errorf("import %s: %w", name, err)
			}
			continue
		}
		rep, err := e.importFile(ctx, db, name, f, *batch)
		if rep != nil {
			reports[name] = rep
			if !*asJSON {
				printReport(e.Stderr, name, rep)
			}
		}
		if err != nil {
			return fmt.Errorf("import %s: %w", name, err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(reports)
	}
	return nil
}

func (e *Env) importFile(ctx context.Context, db *sqlstore.DB, name string, f importer.Format, batch int) (*importer.Report, error) {
	r, bar, closeFn, err := e.openInput(name)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	im := &importer.Importer{DB: db, Actor: kakehashi.SystemActor("import"), BatchSize: batch, Progress: bar.update}
	rep, err := im.Import(ctx, r, f)
	bar.done()
	return rep, err
}

func (e *Env) importOpenAlexFile(ctx context.Context, db *sqlstore.DB, name string, batch int, skipAuthors bool) (*importer.OpenAlexReport, error) {
	r, bar, closeFn, err := e.openInput(name)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	bar.unit = "works"
	im := &importer.Importer{DB: db, Actor: kakehashi.SystemActor("import-openalex"), BatchSize: batch, Progress: bar.update, SkipAuthors: skipAuthors}
	rep, err := im.ImportOpenAlex(ctx, r)
	bar.done()
	return rep, err
}

// openInput opens a file to import, decompressing it when its name ends in
// .gz, with a progress bar that follows the bytes read.
func (e *Env) openInput(name string) (io.Reader, *progress, func(), error) {
	file, err := os.Open(name)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, nil, nil, err
	}
	counted := &countingReader{r: file}
	var r io.Reader = bufio.NewReaderSize(counted, 256<<10)
	closeFn := func() { file.Close() }
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			file.Close()
			return nil, nil, nil, fmt.Errorf("gzip: %w", err)
		}
		r = gz
		closeFn = func() { gz.Close(); file.Close() }
	}
	return r, e.newProgress(name, st.Size(), counted), closeFn, nil
}

// skipReasons phrases the reasons an OpenAlex work is skipped.
var skipReasons = []struct{ key, text string }{
	{importer.SkipNoAbstract, "no abstract"},
	{importer.SkipNoCountry, "no institution with a country"},
	{importer.SkipNoTitle, "no title"},
	{importer.SkipMalformed, "malformed line"},
	{importer.SkipInvalid, "invalid record"},
}

func printOpenAlexReport(w io.Writer, name string, rep *importer.OpenAlexReport) {
	fmt.Fprintf(w, "%s: %d works read\n", name, rep.Works)
	s, o := rep.Seeds, rep.Organizations
	fmt.Fprintf(w, "  %-13s %6d created  %6d updated  %6d unchanged\n", "seeds", s.Created, s.Updated, s.Unchanged)
	fmt.Fprintf(w, "  %-13s %6d created  %6d updated  %6d unchanged  %6d merged (matched an existing one)\n",
		"organizations", o.Created, o.Updated, o.Unchanged, o.Merged)
	fmt.Fprintf(w, "  %-13s %6d created  %6d linked (existed)  %6d new seed links  %6d authors skipped (no name or id)\n",
		"researchers", rep.Researchers.Created, rep.Researchers.Linked, rep.Researchers.Links, rep.Researchers.Skipped)
	skipped := len(rep.Problems)
	if skipped == 0 {
		return
	}
	fmt.Fprintf(w, "  %d works skipped:\n", skipped)
	for _, r := range skipReasons {
		if n := rep.Skipped[r.key]; n > 0 {
			fmt.Fprintf(w, "    %6d %s\n", n, r.text)
		}
	}
	// The common reasons are only counted; the others name their lines.
	for _, p := range rep.Problems {
		if p.Reason != importer.SkipNoAbstract && p.Reason != importer.SkipNoCountry {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
}

func printReport(w io.Writer, name string, rep *importer.Report) {
	fmt.Fprintf(w, "%s: %d rows read\n", name, rep.Rows)
	for _, kind := range []string{importer.RecordOrganization, importer.RecordListing} {
		if rep.Created[kind]+rep.Updated[kind]+rep.Unchanged[kind] == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-13s %6d created  %6d updated  %6d unchanged\n", kind+"s", rep.Created[kind], rep.Updated[kind], rep.Unchanged[kind])
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(w, "  %d rows skipped:\n", len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress draws a progress bar on a terminal, and nothing otherwise.
type progress struct {
	w       io.Writer
	name    string
	total   int64
	read    *countingReader
	started time.Time
	last    time.Time
	on      bool
	unit    string // what the count counts: rows by default
}

func (e *Env) newProgress(name string, total int64, read *countingReader) *progress {
	p := &progress{w: e.Stderr, name: name, total: total, read: read, started: time.Now()}
	if f, ok := e.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.on = true
	}
	return p
}

func (p *progress) update(rows int) {
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	frac := 0.0
	if p.total > 0 {
		frac = float64(p.read.n.Load()) / float64(p.total)
	}
	const width = 30
	filled := min(int(frac*width), width)
	rate := float64(rows) / time.Since(p.started).Seconds()
	unit := cmp.Or(p.unit, "rows")
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%%  %d %s  %.0f %s/s ", p.name,
		strings.Repeat("█", filled), strings.Repeat("░", width-filled), frac*100, rows, unit, rate, unit)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (e *Env) exportCmd(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi export")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	format := fs.String("format", "jsonl", "output format: jsonl or csv")
	what := fs.String("what", "all", "records to export: all, organizations or listings (CSV needs one kind)")
	out := fs.String("out", "", "output file (default: standard output)")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	f := importer.Format(*format)
	if f != importer.JSONL && f != importer.CSV {
		return cli.Usagef("--format must be jsonl or csv, got %q", *format)
	}
	w := importer.What(*what)
	if w != importer.All && w != importer.Organizations && w != importer.Listings {
		return cli.Usagef("--what must be all, organizations or listings, got %q", *what)
	}
	if f == importer.CSV && w == importer.All {
		return cli.Usage("CSV holds one kind of record per file: add --what organizations or --what listings")
	}
	db, err := e.OpenDB(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	dst := e.Stdout
	if *out != "" {
		// Write to a temporary file and rename, so that a failed export
		// never leaves a truncated file under the requested name.
		tmp, err := os.CreateTemp(dirOf(*out), ".kakehashi-export-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		bw := bufio.NewWriter(tmp)
		if err := importer.Export(ctx, db, bw, f, w); err != nil {
			tmp.Close()
			return err
		}
		if err := bw.Flush(); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		return os.Rename(tmp.Name(), *out)
	}
	bw := bufio.NewWriter(dst)
	if err := importer.Export(ctx, db, bw, f, w); err != nil {
		return err
	}
	return bw.Flush()
}

func dirOf(path string) string {
	if i := strings.LastIndex(path, "/"); i >= 0 {
		return path[:i+1]
	}
	return "."
}

func (e *Env) userAdd(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi user add")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	email := fs.String("email", "", "e-mail address, the sign-in name (required)")
	name := fs.String("name", "", "display name (required)")
	org := fs.String("org", "", "organization id or external id")
	orgRole := fs.String("org-role", "member", "role in the organization: member or org_admin")
	role := fs.String("role", "", "platform role: admin or coordinator")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return cli.Usage("--email and --name are required")
	}
	pw, err := e.readPassword()
	if err != nil {
		return err
	}
	if p := auth.CheckPassword(pw, *email, *name); p != "" {
		return fmt.Errorf("password %s", p.Message())
	}
	db, err := e.OpenDB(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	u := &kakehashi.User{Email: *email, Name: *name, PlatformRole: kakehashi.PlatformRole(*role)}
	if *org != "" {
		if id, err := strconv.ParseInt(*org, 10, 64); err == nil {
			o, err := db.Organization(ctx, id)
			if err != nil {
				return fmt.Errorf("--org: %s", describe(err))
			}
			u.OrgID = o.ID
		} else {
			o, err := db.OrganizationByExternalID(ctx, *org)
			if err != nil {
				return fmt.Errorf("--org: %s", describe(err))
			}
			u.OrgID = o.ID
		}
		u.OrgRole = kakehashi.OrgRole(*orgRole)
	}
	if u.PasswordHash, err = auth.HashPassword(pw, auth.DefaultParams); err != nil {
		return err
	}
	if err := db.CreateUser(ctx, u, kakehashi.SystemActor("cli")); err != nil {
		return fmt.Errorf("create user: %s", describe(err))
	}
	fmt.Fprintf(e.Stderr, "created user %d <%s>%s\n", u.ID, u.Email, roleNote(u))
	return nil
}

func roleNote(u *kakehashi.User) string {
	var parts []string
	if u.PlatformRole != "" {
		parts = append(parts, string(u.PlatformRole))
	}
	if u.OrgID != 0 {
		parts = append(parts, fmt.Sprintf("%s of organization %d", u.OrgRole, u.OrgID))
	}
	if len(parts) == 0 {
		return ""
	}
	return " as " + strings.Join(parts, ", ")
}

// readPassword asks on the terminal without echo, or reads the first line of
// standard input when it is not a terminal (for scripts), or takes
// KAKEHASHI_PASSWORD.
func (e *Env) readPassword() (string, error) {
	if pw := e.Getenv("KAKEHASHI_PASSWORD"); pw != "" {
		return pw, nil
	}
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.Stderr, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.Stderr, "Again: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return "", err
		}
		if string(b) != string(again) {
			return "", fmt.Errorf("the passwords differ")
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
