package schedule

import (
	"context"
	"fmt"

	"github.com/kakehashi/kakehashi"
)

// Plan is an event's scheduling problem built from its stored records, with
// the way back from problem indexes to request ids.
type Plan struct {
	Problem *Problem
	// Requests maps a problem meeting index to its meeting request id.
	Requests []int64
}

// NewPlan builds the problem of event e: one participant per registration
// (availability from Participant.Available, nil meaning every slot), one
// meeting per accepted request in the order sent. Meetings already marked
// held or no-show, and pinned ones, are pinned where they are so a re-run
// never moves them.
func NewPlan(e *kakehashi.Event, ps []*kakehashi.Participant, rs []*kakehashi.MeetingRequest, ms []*kakehashi.Meeting) (*Plan, error) {
	slots := len(e.Slots())
	idx := make(map[int64]int, len(ps))
	p := &Problem{Slots: slots, Tables: e.Tables, Available: make([][]bool, len(ps))}
	for i, pt := range ps {
		idx[pt.ID] = i
		av := make([]bool, slots)
		for s := range av {
			av[s] = pt.Available == nil
		}
		for _, s := range pt.Available {
			if s >= 0 && s < slots {
				av[s] = true
			}
		}
		p.Available[i] = av
	}
	fixed := map[int64]*kakehashi.Meeting{}
	for _, m := range ms {
		if m.Pinned || m.Status != kakehashi.MeetingScheduled {
			fixed[m.RequestID] = m
		}
	}
	plan := &Plan{Problem: p}
	for _, r := range rs {
		if r.Status != kakehashi.RequestAccepted {
			continue
		}
		a, okA := idx[r.FromID]
		b, okB := idx[r.ToID]
		if !okA || !okB {
			return nil, fmt.Errorf("schedule: request %d joins unregistered participants", r.ID)
		}
		m := Meeting{A: a, B: b}
		if f := fixed[r.ID]; f != nil {
			m.Pinned, m.Slot, m.Table = true, f.Slot, f.Table
			// A marked meeting stays in the plan's books even where its
			// participants have since changed their availability.
			p.Available[a][f.Slot], p.Available[b][f.Slot] = true, true
		}
		p.Meetings = append(p.Meetings, m)
		plan.Requests = append(plan.Requests, r.ID)
	}
	return plan, nil
}

// Run solves the plan and returns the meetings to store: the placed,
// unpinned ones (pinned meetings are already stored and stay), and the stats.
func (pl *Plan) Run(ctx context.Context, opt Options) ([]*kakehashi.Meeting, Stats, error) {
	r, err := Solve(ctx, pl.Problem, opt)
	if err != nil {
		return nil, Stats{}, err
	}
	var out []*kakehashi.Meeting
	for i, m := range pl.Problem.Meetings {
		if m.Pinned || r.Slot[i] < 0 {
			continue
		}
		out = append(out, &kakehashi.Meeting{RequestID: pl.Requests[i], Slot: r.Slot[i], Table: r.Table[i], Status: kakehashi.MeetingScheduled})
	}
	return out, r.Stats, nil
}
