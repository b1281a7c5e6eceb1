package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// introductionsCmd lists introductions for coordinators working from a
// terminal: all of them, the open ones, or the stalled work queue.
func (e *Env) introductionsCmd(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi introductions")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	open := fs.Bool("open", false, "only introductions still in the pipeline")
	stalled := fs.Bool("stalled", false, "only open introductions without a stage change for --stall-days")
	stallDays := fs.Int("stall-days", 14, "days without a stage change that make an introduction stalled")
	remind := fs.Bool("remind", false, "remind the owners and coordinators of stalled introductions (once per stage), as serve does hourly")
	asJSON := fs.Bool("json", false, "print one JSON document")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if *stallDays < 1 {
		return cli.Usage("--stall-days must be at least 1")
	}
	db, err := e.OpenDB(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	before := e.Clock().Add(-time.Duration(*stallDays) * 24 * time.Hour)
	if *remind {
		n, err := db.RemindStalled(ctx, before)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stderr, "reminded %d stalled introductions\n", n)
		return nil
	}
	f := kakehashi.IntroductionFilter{Open: *open, Limit: 1000}
	if *stalled {
		f.StalledBefore = before
	}
	var all []*kakehashi.Introduction
	for {
		page, err := db.Introductions(ctx, f)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	for _, in := range all {
		in.Stalled = in.Open() && in.StageChangedAt.Before(before)
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, all)
	}
	if len(all) == 0 {
		fmt.Fprintln(e.Stderr, "no introductions")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLISTING\tSTAGE\tOUTCOME\tSINCE\tDAYS\tSTALLED\tCOORDINATOR")
	for _, in := range all {
		stalledMark, coord := "", "-"
		if in.Stalled {
			stalledMark = "yes"
		}
		if in.CoordinatorID != 0 {
			coord = fmt.Sprint(in.CoordinatorID)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", in.ID, in.ListingID, in.Stage, in.Outcome,
			in.StageChangedAt.Format(time.DateOnly), int(e.Clock().Sub(in.StageChangedAt).Hours()/24), stalledMark, coord)
	}
	return tw.Flush()
}
