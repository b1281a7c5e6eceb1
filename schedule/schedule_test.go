package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/schedule"
)

func TestSolveBeatsGreedyAndIsValid(t *testing.T) {
	for _, c := range []schedule.GenConfig{
		{Participants: 200, Requests: 1000, Days: 1, SlotsPerDay: 24, Seed: 1},
		{Participants: 60, Requests: 300, Days: 2, SlotsPerDay: 12, Seed: 2},
	} {
		p := schedule.Generate(c)
		g, err := schedule.Greedy(p)
		if err != nil {
			t.Fatal(err)
		}
		r, err := schedule.Solve(context.Background(), p, schedule.Options{Seed: 1, Budget: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := schedule.Check(p, g); err != nil {
			t.Fatalf("greedy: %v", err)
		}
		if err := schedule.Check(p, r); err != nil {
			t.Fatalf("solve: %v", err)
		}
		b := schedule.UpperBound(p)
		t.Logf("%+v greedy=%+v solve=%+v bound=%+v", c, g.Stats, r.Stats, b)
		if r.Stats.Scheduled <= g.Stats.Scheduled {
			t.Errorf("solve %d ≤ greedy %d", r.Stats.Scheduled, g.Stats.Scheduled)
		}
		if r.Stats.Scheduled > b.Best {
			t.Errorf("solve %d above bound %d", r.Stats.Scheduled, b.Best)
		}
	}
}

func TestPinnedStayAndValidateRejectsClash(t *testing.T) {
	p := schedule.Generate(schedule.GenConfig{Participants: 30, Requests: 120, Days: 1, SlotsPerDay: 10, Seed: 3})
	for s := range p.Available[p.Meetings[0].A] {
		p.Available[p.Meetings[0].A][s], p.Available[p.Meetings[0].B][s] = true, true
	}
	p.Meetings[0].Slot, p.Meetings[0].Table = 4, 2
	p.Meetings[0].Pinned = true
	r, err := schedule.Solve(context.Background(), p, schedule.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if err := schedule.Check(p, r); err != nil || r.Slot[0] != 4 || r.Table[0] != 2 {
		t.Fatalf("pinned moved to %d/%d: %v", r.Slot[0], r.Table[0], err)
	}
	again, _ := schedule.Solve(context.Background(), p, schedule.Options{Seed: 9})
	for i := range r.Slot {
		if r.Slot[i] != again.Slot[i] || r.Table[i] != again.Table[i] {
			t.Fatalf("not deterministic at meeting %d", i)
		}
	}
	p.Meetings[1] = schedule.Meeting{A: p.Meetings[0].A, B: p.Meetings[0].B, Pinned: true, Slot: 4, Table: 3}
	if _, err := schedule.Solve(context.Background(), p, schedule.Options{}); err == nil {
		t.Fatal("clashing pins accepted")
	}
}
