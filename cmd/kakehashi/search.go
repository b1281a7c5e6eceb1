package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/textproc"
)

// loadLexicon reads the EDICT dictionary that cross-lingual matching
// translates with. Without it (path "none", or Debian's edict package not
// installed) the engine matches monolingually, which is logged once.
func loadLexicon(log *slog.Logger, path string) *lexicon.Lexicon {
	if path == "none" {
		log.Info("cross-lingual matching off (--lexicon none): search is monolingual")
		return nil
	}
	start := time.Now()
	// The table derived from the dictionary is cached in the user's cache
	// directory (~/.cache/kakehashi): reading it is several times faster.
	cache := ""
	if dir, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(dir, "kakehashi")
	}
	lex, err := lexicon.LoadCached(path, cache)
	if err != nil {
		log.Warn("no Japanese–English dictionary: search is monolingual (install Debian's edict package, e.g. make demo)", "err", err)
		return nil
	}
	st := lex.Stats()
	log.Info("Japanese–English dictionary loaded", "path", path, "japanese", st.Japanese, "english", st.English,
		"duration", time.Since(start).Round(time.Millisecond))
	return lex
}

// openEngine opens the store and builds a search index over it.
func (e *Env) openEngine(ctx context.Context, dsn, lexPath string) (*sqlstore.DB, *search.Engine, error) {
	db, err := e.OpenDB(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return nil, nil, err
	}
	an, err := textproc.New()
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	engine := search.New(an, db, search.Options{Lexicon: loadLexicon(e.Logger(), lexPath)})
	if err := engine.Build(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, engine, nil
}

// cliViewer is whom the command searches as: the public by default, or
// platform staff (everything, as stored) with --all.
func cliViewer(all bool) *kakehashi.User {
	if all {
		return &kakehashi.User{PlatformRole: kakehashi.PlatformAdmin}
	}
	return nil
}

func (e *Env) searchCmd(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi search")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	side := fs.String("side", "", "seed or need")
	kind := fs.String("kind", "", "listing kind")
	country := fs.String("country", "", "owner's country (ISO 3166-1 alpha-2)")
	lang := fs.String("language", "", "listing language (ISO 639-1)")
	open := fs.Bool("open", false, "only open listings whose deadline has not passed")
	limit := fs.Int("limit", 10, "number of results")
	all := fs.Bool("all", false, "search everything, as platform staff (default: what the public sees)")
	asJSON := fs.Bool("json", false, "print the result as one JSON document")
	mono := fs.Bool("monolingual", false, "search only in the query's language (no Japanese ⇄ English translation)")
	lexPath := fs.String("lexicon", lexicon.DefaultPath, "EDICT Japanese–English dictionary, or none")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	q := search.Query{Text: strings.Join(fs.Args(), " "), Viewer: cliViewer(*all), Limit: *limit,
		Filter: search.Filter{Side: kakehashi.Side(*side), Kind: kakehashi.ListingKind(*kind), Country: *country, Language: *lang, Open: *open,
			Monolingual: *mono}}
	if err := q.Validate(); err != nil {
		return cli.Usage(describe(err))
	}
	db, engine, err := e.openEngine(ctx, *dsn, *lexPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := engine.Search(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, res)
	}
	if len(res.Hits) == 0 {
		fmt.Fprintln(e.Stderr, "no listings found")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSCORE\tID\tSIDE/KIND\tLANG\tTITLE\tMATCHED")
	for i, h := range res.Hits {
		fmt.Fprintf(tw, "%d\t%.2f\t%d\t%s/%s\t%s\t%s\t%s\n", i+1, h.Score, h.Listing.ID, h.Listing.Side, h.Listing.Kind,
			h.Listing.Language, clip(h.Listing.Title, 60), matched(h.Explanation.Terms, 5))
	}
	return tw.Flush()
}

func (e *Env) matchCmd(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi match")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	limit := fs.Int("limit", 10, "number of matches")
	all := fs.Bool("all", false, "match against everything, as platform staff (default: what the public sees)")
	asJSON := fs.Bool("json", false, "print the result as one JSON document")
	mono := fs.Bool("monolingual", false, "match only in the listing's language (no Japanese ⇄ English translation)")
	lexPath := fs.String("lexicon", lexicon.DefaultPath, "EDICT Japanese–English dictionary, or none")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Usage("usage: kakehashi match [flags] LISTING_ID")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return cli.Usagef("listing id must be a positive number, got %q", fs.Arg(0))
	}
	db, engine, err := e.openEngine(ctx, *dsn, *lexPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := engine.Match(ctx, id, cliViewer(*all), search.MatchOptions{Limit: *limit, Filter: search.Filter{Monolingual: *mono}})
	if err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, res)
	}
	other := "seeds"
	if res.Listing.Side == kakehashi.SideSeed {
		other = "needs"
	}
	fmt.Fprintf(e.Stdout, "Best %s for %s %d: %s\n\n", other, res.Listing.Side, res.Listing.ID, res.Listing.Title)
	if len(res.Hits) == 0 {
		fmt.Fprintln(e.Stdout, "no open matches")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSCORE\tTEXT\tFIT\tID\tKIND\tTRL\tTITLE\tMATCHED\tFIT CHECKS")
	for i, h := range res.Hits {
		var checks []string
		for _, f := range h.Explanation.Fit {
			mark := "✓"
			if !f.OK {
				mark = "✗"
			}
			checks = append(checks, mark+f.Check)
		}
		fmt.Fprintf(tw, "%d\t%.2f\t%.2f\t%.2f\t%d\t%s\t%d\t%s\t%s\t%s\n", i+1, h.Score, h.Explanation.TextScore, h.Explanation.FitScore,
			h.Listing.ID, h.Listing.Kind, h.Listing.TRL, clip(h.Listing.Title, 50), matched(h.Explanation.Terms, 4), strings.Join(checks, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(res.Organizations) > 0 {
		fmt.Fprintln(e.Stdout, "\nOrganizations")
		tw = tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tSCORE\tORGANIZATION\tCOUNTRY\tKIND\tLISTINGS")
		for i, o := range res.Organizations {
			fmt.Fprintf(tw, "%d\t%.2f\t%s\t%s\t%s\t%d\n", i+1, o.Score, clip(o.Organization.Name, 50), o.Organization.Country, o.Organization.Kind, len(o.Listings))
		}
		return tw.Flush()
	}
	return nil
}

// matched lists the top matched terms as they were written, with fields.
func matched(terms []search.TermMatch, n int) string {
	var parts []string
	for _, t := range terms[:min(n, len(terms))] {
		s := t.Surfaces[0]
		if t.Translation != "" {
			s = t.Translation // 電池 → battery
		}
		p := fmt.Sprintf("%s(%s)", s, strings.Join(t.Fields, ","))
		if !slices.Contains(parts, p) { // the words of one translated phrase
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// clip shortens s to n characters for a table cell.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
