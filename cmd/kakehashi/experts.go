package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/search"
)

// expertsCmd prints the people who could work on a need, explained.
func (e *Env) expertsCmd(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi experts")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	listing := fs.Int64("listing", 0, "id of the need (required)")
	country := fs.String("country", "", "researcher's organization country (ISO 3166-1 alpha-2)")
	orgKind := fs.String("org-kind", "", "researcher's organization kind ("+kindNames()+")")
	career := fs.String("career-stage", "", "career stage (student, early_career, mid_career, senior, emeritus, unknown)")
	openTo := fs.String("open-to", "", "openness: any, industry_collaboration, cross_appointment or startup")
	limit := fs.Int("limit", 10, "number of people")
	all := fs.Bool("all", false, "use every seed as evidence, as platform staff (default: what the public sees)")
	asJSON := fs.Bool("json", false, "print the result as one JSON document")
	lexPath := fs.String("lexicon", lexicon.DefaultPath, "EDICT Japanese–English dictionary, or none")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return cli.Usage("usage: kakehashi experts --listing ID [flags] (no positional arguments)")
	}
	if *listing <= 0 {
		return cli.Usage("--listing must be the positive id of a need")
	}
	if *limit < 1 || *limit > 100 {
		return cli.Usagef("--limit must be between 1 and 100, got %d", *limit)
	}
	f := search.ExpertFilter{Country: strings.ToUpper(*country), OrgKind: kakehashi.OrgKind(*orgKind), CareerStage: kakehashi.CareerStage(*career), OpenTo: *openTo}
	if err := f.Validate(); err != nil {
		var flags []string
		for _, fe := range kakehashi.FieldErrors(err) {
			flags = append(flags, "--"+strings.ReplaceAll(fe.Field, "_", "-")+": "+fe.Message)
		}
		return cli.Usage(strings.Join(flags, "; "))
	}
	db, engine, err := e.openEngine(ctx, *dsn, *lexPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := engine.Experts(ctx, db, *listing, cliViewer(*all), search.ExpertOptions{Limit: *limit, Filter: f})
	if err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, res)
	}
	fmt.Fprintf(e.Stdout, "Who could work on need %d: %s\n\n", res.Listing.ID, res.Listing.Title)
	if len(res.Experts) == 0 {
		fmt.Fprintln(e.Stdout, "no researchers found")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSCORE\tPROFILE\tSEEDS\tID\tNAME\tORGANIZATION\tCOUNTRY\tSTAGE\tMATCHED\tSEEDS MATCHED\tSHARED FIELDS")
	for i, x := range res.Experts {
		org, cc := "", ""
		if x.Organization != nil {
			org, cc = x.Organization.Name, x.Organization.Country
		}
		var seeds []string
		for _, h := range x.Explanation.Seeds {
			seeds = append(seeds, fmt.Sprintf("#%d %s", h.Listing.ID, clip(h.Listing.Title, 30)))
		}
		fmt.Fprintf(tw, "%d\t%.2f\t%.2f\t%.2f\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, x.Score, x.Explanation.ProfileScore, x.Explanation.SeedScore,
			x.Researcher.ID, clip(x.Researcher.Name, 30), clip(org, 30), cc, x.Researcher.Career, matched(x.Explanation.Terms, 4),
			strings.Join(seeds, "; "), strings.Join(x.Explanation.SharedFields, ","))
	}
	return tw.Flush()
}

func kindNames() string {
	s := make([]string, len(kakehashi.OrgKinds))
	for i, k := range kakehashi.OrgKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
