package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kakehashi/kakehashi/bench"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/schedule"
)

// ScheduleCaseReport is how the scheduler and the greedy baseline did on one
// generated event.
type ScheduleCaseReport struct {
	Participants int            `json:"participants"`
	Requests     int            `json:"accepted_requests"`
	Slots        int            `json:"slots"`
	Tables       int            `json:"tables"`
	Greedy       schedule.Stats `json:"greedy"`
	GreedySec    float64        `json:"greedy_s"`
	Optimizer    schedule.Stats `json:"optimizer"`
	OptimizerSec float64        `json:"optimizer_s"`
	Bound        schedule.Bound `json:"bound"`
	// GapToBound is (bound − optimizer) ÷ bound.
	GapToBound float64 `json:"gap_to_bound"`
}

// ScheduleBenchReport is the output of kakehashi-bench schedule.
type ScheduleBenchReport struct {
	Machine   bench.Machine         `json:"machine"`
	Date      string                `json:"date"`
	Seed      uint64                `json:"seed"`
	Days      int                   `json:"days"`
	DayPlan   string                `json:"day_plan"`
	BudgetSec float64               `json:"budget_s"`
	Cases     []*ScheduleCaseReport `json:"cases"`
}

// benchSchedule measures the event meeting scheduler against a greedy
// baseline (first-come, first slot) on generated events, with an upper bound
// on what any schedule could place.
func (e *Env) benchSchedule(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi-bench schedule")
	cases := fs.String("cases", "200:1000,1000:10000", "generated events as PARTICIPANTS:ACCEPTED_REQUESTS, comma-separated")
	days := fs.Int("days", 1, "event days")
	dayStart := fs.String("start", "09:00", "daily start")
	dayEnd := fs.String("end", "18:00", "daily end")
	lunch := fs.String("break", "12:30-13:30", "daily break, START-END, or none")
	meeting := fs.Duration("meeting", 20*time.Minute, "meeting length")
	seed := fs.Uint64("seed", 1, "seed of the generator and the optimizer")
	budget := fs.Duration("budget", 5*time.Second, "time budget of the optimizer's improvement phase")
	asJSON := fs.Bool("json", false, "print the report as one JSON document")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	spd, err := slotsPerDay(*dayStart, *dayEnd, *lunch, *meeting)
	if err != nil {
		return cli.Usage(err.Error())
	}
	rep := ScheduleBenchReport{Machine: bench.ThisMachine(), Date: time.Now().UTC().Format(time.RFC3339), Seed: *seed, Days: *days,
		DayPlan:   fmt.Sprintf("%s–%s, break %s, %s meetings: %d slots a day", *dayStart, *dayEnd, *lunch, *meeting, spd),
		BudgetSec: budget.Seconds()}
	for _, c := range strings.Split(*cases, ",") {
		np, nr, ok := strings.Cut(strings.TrimSpace(c), ":")
		participants, err1 := strconv.Atoi(np)
		requests, err2 := strconv.Atoi(nr)
		if !ok || err1 != nil || err2 != nil || participants < 2 || requests < 1 {
			return cli.Usagef("bad case %q (want PARTICIPANTS:ACCEPTED_REQUESTS)", c)
		}
		p := schedule.Generate(schedule.GenConfig{Participants: participants, Requests: requests, Days: *days, SlotsPerDay: spd, Seed: *seed})
		cr := &ScheduleCaseReport{Participants: participants, Requests: len(p.Meetings), Slots: p.Slots, Tables: p.Tables}
		fmt.Fprintf(e.Stderr, "bench: %d participants, %d accepted requests, %d slots × %d tables…\n", participants, len(p.Meetings), p.Slots, p.Tables)

		t := time.Now()
		g, err := schedule.Greedy(p)
		if err != nil {
			return err
		}
		cr.GreedySec = time.Since(t).Seconds()
		t = time.Now()
		r, err := schedule.Solve(ctx, p, schedule.Options{Seed: *seed, Budget: *budget})
		if err != nil {
			return err
		}
		cr.OptimizerSec = time.Since(t).Seconds()
		for name, res := range map[string]*schedule.Result{"greedy": g, "optimizer": r} {
			if err := schedule.Check(p, res); err != nil {
				return fmt.Errorf("%s produced an invalid schedule: %w", name, err)
			}
		}
		cr.Greedy, cr.Optimizer = g.Stats, r.Stats
		cr.Bound = schedule.UpperBound(p)
		if cr.Bound.Best > 0 {
			cr.GapToBound = float64(cr.Bound.Best-r.Stats.Scheduled) / float64(cr.Bound.Best)
		}
		rep.Cases = append(rep.Cases, cr)
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, rep)
	}
	fmt.Fprintf(e.Stdout, "Meeting scheduler, generated events (seed %d, %d day(s), %s); %s\n\n", rep.Seed, rep.Days, rep.DayPlan, rep.Machine)
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "participants\trequests\tslots×tables\tsystem\tscheduled\tshare\tmin/mean per participant\tunserved\ttime s\t")
	for _, c := range rep.Cases {
		for _, row := range []struct {
			name string
			s    schedule.Stats
			sec  float64
		}{{"greedy", c.Greedy, c.GreedySec}, {"optimizer", c.Optimizer, c.OptimizerSec}} {
			fmt.Fprintf(tw, "%d\t%d\t%d×%d\t%s\t%d\t%.1f%%\t%d / %.2f\t%d\t%.3f\t\n", c.Participants, c.Requests, c.Slots, c.Tables,
				row.name, row.s.Scheduled, 100*row.s.Share, row.s.MinPer, row.s.MeanPer, row.s.Unserved, row.sec)
		}
		b := c.Bound
		fmt.Fprintf(tw, "%d\t%d\t%d×%d\tupper bound\t%d\t%.1f%%\t\t\t\t\n", c.Participants, c.Requests, c.Slots, c.Tables, b.Best, 100*float64(b.Best)/float64(max(1, c.Requests)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout)
	for _, c := range rep.Cases {
		b := c.Bound
		fmt.Fprintf(e.Stdout, "%d participants: optimizer +%d meetings over greedy; %.1f%% below the upper bound %d = min(feasible %d, tables %d, per-participant %d, b-matching %d)\n",
			c.Participants, c.Optimizer.Scheduled-c.Greedy.Scheduled, 100*c.GapToBound, b.Best, b.Feasible, b.Tables, b.Participants, b.Matching)
	}
	return nil
}

// slotsPerDay counts the meeting slots of one day between start and end
// ("15:04"), leaving out a break ("15:04-15:04" or "none").
func slotsPerDay(start, end, brk string, meeting time.Duration) (int, error) {
	parse := func(s string) (time.Duration, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(s))
		if err != nil {
			return 0, fmt.Errorf("bad time %q: %w", s, err)
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
	}
	if meeting <= 0 {
		return 0, fmt.Errorf("meeting length must be positive")
	}
	s, err := parse(start)
	if err != nil {
		return 0, err
	}
	en, err := parse(end)
	if err != nil {
		return 0, err
	}
	var bs, be time.Duration
	if brk != "" && brk != "none" {
		a, b, ok := strings.Cut(brk, "-")
		if !ok {
			return 0, fmt.Errorf("bad break %q (want START-END)", brk)
		}
		if bs, err = parse(a); err != nil {
			return 0, err
		}
		if be, err = parse(b); err != nil {
			return 0, err
		}
	}
	n := 0
	for t := s; t+meeting <= en; t += meeting {
		if be > bs && t < be && t+meeting > bs {
			t = be - meeting // resume right after the break
			continue
		}
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("no slots between %s and %s", start, end)
	}
	return n, nil
}
