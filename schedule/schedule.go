// Package schedule assigns the accepted meetings of a business-matching event
// to time slots and tables.
//
// The problem: an event has a number of time slots and a number of tables per
// slot; each participant is available in some of the slots; each accepted
// meeting request joins two participants. A schedule places meetings so that
// no participant and no table is double-booked and every meeting falls in a
// slot both of its participants are available in. Solve schedules as many
// meetings as it can, spread fairly across participants, and never moves a
// pinned meeting. Greedy is the simple first-come, first-slot baseline it is
// measured against, and UpperBound says how far from the best possible both are.
//
// The package is pure: no clock other than the optional time budget, no
// database, no global state. Given the same Problem and Options.Seed, Solve
// returns the same schedule unless the time budget cuts it short.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"time"
)

// Meeting is one accepted meeting request between participants A and B
// (indexes into Problem.Available).
type Meeting struct {
	A, B int
	// Pinned meetings keep Slot and Table: an organizer placed them by hand.
	// For other meetings Slot and Table are ignored.
	Pinned bool
	Slot   int
	Table  int
}

// Problem is one event's scheduling problem.
type Problem struct {
	// Slots is the number of time slots (breaks already left out).
	Slots int
	// Tables is the number of tables, the same in every slot.
	Tables int
	// Available says, per participant, in which slots they can meet;
	// its length is the number of participants and each entry has length Slots.
	Available [][]bool
	// Meetings are the accepted meeting requests, in the order they were
	// accepted (the order the greedy baseline takes them in).
	Meetings []Meeting
}

// Result is a schedule: for each meeting of the Problem, its slot and table,
// or -1 and -1 when it could not be placed.
type Result struct {
	Slot  []int
	Table []int
	Stats Stats
}

// Stats summarize a schedule.
type Stats struct {
	Meetings  int `json:"meetings"`
	Scheduled int `json:"scheduled"`
	// Share is Scheduled / Meetings.
	Share float64 `json:"share"`
	// Participants counts those with at least one accepted meeting; the
	// minimum and mean are over them, so fairness is judged where it matters.
	Participants int     `json:"participants"`
	MinPer       int     `json:"min_per_participant"`
	MeanPer      float64 `json:"mean_per_participant"`
	// Unserved counts participants with accepted meetings but none scheduled.
	Unserved int `json:"unserved"`
}

// Options tune Solve.
type Options struct {
	// Seed makes tie-breaking deterministic.
	Seed uint64
	// Budget bounds the improvement phase; zero means 5 seconds.
	Budget time.Duration
	// MaxDepth bounds the ejection chains of the improvement phase (how many
	// meetings may be moved in a cascade to make room); zero means 3.
	MaxDepth int
}

// ErrInvalid wraps every problem-shape error of Validate.
var ErrInvalid = errors.New("schedule: invalid problem")

// Validate checks the shape of the problem and that pinned meetings do not
// collide with each other.
func (p *Problem) Validate() error {
	if p.Slots < 0 || p.Tables < 0 {
		return fmt.Errorf("%w: negative slots or tables", ErrInvalid)
	}
	for i, av := range p.Available {
		if len(av) != p.Slots {
			return fmt.Errorf("%w: participant %d has availability for %d slots, want %d", ErrInvalid, i, len(av), p.Slots)
		}
	}
	n := len(p.Available)
	type key struct{ x, s int }
	used := map[key]int{}
	for i, m := range p.Meetings {
		if m.A < 0 || m.A >= n || m.B < 0 || m.B >= n || m.A == m.B {
			return fmt.Errorf("%w: meeting %d joins participants %d and %d", ErrInvalid, i, m.A, m.B)
		}
		if !m.Pinned {
			continue
		}
		if m.Slot < 0 || m.Slot >= p.Slots || m.Table < 0 || m.Table >= p.Tables {
			return fmt.Errorf("%w: pinned meeting %d at slot %d table %d is outside the event", ErrInvalid, i, m.Slot, m.Table)
		}
		for _, k := range []key{{m.A, m.Slot}, {m.B, m.Slot}, {-1 - m.Table, m.Slot}} {
			if j, ok := used[k]; ok {
				return fmt.Errorf("%w: pinned meetings %d and %d collide in slot %d", ErrInvalid, j, i, m.Slot)
			}
			used[k] = i
		}
	}
	return nil
}

// state is a partial schedule with O(1) checks and an undo journal.
type state struct {
	p       *Problem
	nSlots  int
	words   int
	avail   []uint64 // participant*words + w: availability bitset
	common  [][]int  // meeting → slots both participants are available in
	occ     []int32  // participant*nSlots + slot → meeting or -1
	load    []int    // slot → meetings placed
	inSlot  [][]int32
	pos     []int32 // meeting → index in inSlot[slot]
	slot    []int   // meeting → slot or -1
	count   []int   // participant → meetings placed
	locked  []bool  // pinned, or part of the chain being built
	journal []op
	rng     *rand.Rand
	nodes   int // search nodes left in the current attempt
}

type op struct {
	m     int
	slot  int
	place bool
}

func newState(p *Problem, seed uint64) *state {
	n := len(p.Available)
	st := &state{
		p: p, nSlots: p.Slots, words: (p.Slots + 63) / 64,
		occ: make([]int32, n*p.Slots), load: make([]int, p.Slots), inSlot: make([][]int32, p.Slots),
		pos: make([]int32, len(p.Meetings)), slot: make([]int, len(p.Meetings)), count: make([]int, n),
		locked: make([]bool, len(p.Meetings)), common: make([][]int, len(p.Meetings)),
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	st.avail = make([]uint64, n*st.words)
	for i, av := range p.Available {
		for s, ok := range av {
			if ok {
				st.avail[i*st.words+s/64] |= 1 << (s % 64)
			}
		}
	}
	for i := range st.occ {
		st.occ[i] = -1
	}
	for i := range st.slot {
		st.slot[i] = -1
	}
	for i, m := range p.Meetings {
		for w := 0; w < st.words; w++ {
			x := st.avail[m.A*st.words+w] & st.avail[m.B*st.words+w]
			for x != 0 {
				b := bits.TrailingZeros64(x)
				x &= x - 1
				st.common[i] = append(st.common[i], w*64+b)
			}
		}
	}
	return st
}

func (st *state) place(m, s int) {
	mt := st.p.Meetings[m]
	st.occ[mt.A*st.nSlots+s] = int32(m)
	st.occ[mt.B*st.nSlots+s] = int32(m)
	st.load[s]++
	st.pos[m] = int32(len(st.inSlot[s]))
	st.inSlot[s] = append(st.inSlot[s], int32(m))
	st.slot[m] = s
	st.count[mt.A]++
	st.count[mt.B]++
	st.journal = append(st.journal, op{m: m, slot: s, place: true})
}

func (st *state) remove(m int) {
	s := st.slot[m]
	mt := st.p.Meetings[m]
	st.occ[mt.A*st.nSlots+s] = -1
	st.occ[mt.B*st.nSlots+s] = -1
	st.load[s]--
	list := st.inSlot[s]
	i, last := st.pos[m], list[len(list)-1]
	list[i] = last
	st.pos[last] = i
	st.inSlot[s] = list[:len(list)-1]
	st.slot[m] = -1
	st.count[mt.A]--
	st.count[mt.B]--
	st.journal = append(st.journal, op{m: m, slot: s, place: false})
}

// rollback undoes the journal back to mark.
func (st *state) rollback(mark int) {
	for len(st.journal) > mark {
		o := st.journal[len(st.journal)-1]
		if o.place {
			st.remove(o.m)
		} else {
			st.place(o.m, o.slot)
		}
		st.journal = st.journal[:len(st.journal)-2] // the undo and the op it undid
	}
}

// fits says whether meeting m can go in slot s without moving anything.
func (st *state) fits(m, s int) bool {
	mt := st.p.Meetings[m]
	return st.load[s] < st.p.Tables && st.occ[mt.A*st.nSlots+s] < 0 && st.occ[mt.B*st.nSlots+s] < 0
}

// bestFit returns the free slot for m with the fewest meetings placed (which
// keeps tables free where they are scarce), ties broken at random; -1 if none.
func (st *state) bestFit(m int) int {
	best, bestLoad, ties := -1, 0, 0
	for _, s := range st.common[m] {
		if !st.fits(m, s) {
			continue
		}
		switch {
		case best < 0 || st.load[s] < bestLoad:
			best, bestLoad, ties = s, st.load[s], 1
		case st.load[s] == bestLoad:
			ties++
			if st.rng.IntN(ties) == 0 {
				best = s
			}
		}
	}
	return best
}

// insert places meeting m, moving up to depth levels of other meetings out of
// the way (an ejection chain). Locked meetings are never moved. It reports
// whether m was placed; on failure the state is as before.
func (st *state) insert(m, depth int) bool {
	if s := st.bestFit(m); s >= 0 {
		st.place(m, s)
		return true
	}
	if depth == 0 {
		return false
	}
	mt := st.p.Meetings[m]
	cands := st.common[m]
	start := 0
	if len(cands) > 0 {
		start = st.rng.IntN(len(cands))
	}
	var evict [3]int
	for k := range cands {
		if st.nodes <= 0 {
			return false
		}
		st.nodes--
		s := cands[(start+k)%len(cands)]
		ne := 0
		ok := true
		for _, x := range [2]int32{st.occ[mt.A*st.nSlots+s], st.occ[mt.B*st.nSlots+s]} {
			if x < 0 || (ne == 1 && evict[0] == int(x)) {
				continue
			}
			if st.locked[x] {
				ok = false
				break
			}
			evict[ne] = int(x)
			ne++
		}
		if !ok {
			continue
		}
		if st.load[s]-ne >= st.p.Tables {
			// The slot's tables are full: one more meeting has to go; pick an
			// unlocked one at random.
			list := st.inSlot[s]
			found := false
			off := st.rng.IntN(len(list))
			for j := range list {
				x := int(list[(off+j)%len(list)])
				if !st.locked[x] && (ne == 0 || x != evict[0]) && (ne < 2 || x != evict[1]) {
					evict[ne] = x
					ne++
					found = true
					break
				}
			}
			if !found {
				continue
			}
		}
		mark := len(st.journal)
		for _, x := range evict[:ne] {
			st.remove(x)
		}
		st.place(m, s)
		st.locked[m] = true
		placed := true
		for _, x := range evict[:ne] {
			if !st.insert(x, depth-1) {
				placed = false
				break
			}
		}
		st.locked[m] = false
		if placed {
			return true
		}
		st.rollback(mark)
	}
	return false
}

// swapForFairness places meeting m by taking the slot of one conflicting
// meeting whose participants already have more meetings, when that lowers
// Σ count² (a strictly fairer schedule with the same number of meetings).
func (st *state) swapForFairness(m int) bool {
	mt := st.p.Meetings[m]
	gain := 2*(st.count[mt.A]+st.count[mt.B]) + 2
	for _, s := range st.common[m] {
		a, b := st.occ[mt.A*st.nSlots+s], st.occ[mt.B*st.nSlots+s]
		var x int32 = -1
		switch {
		case a >= 0 && b >= 0 && a != b:
			continue
		case a >= 0:
			x = a
		case b >= 0:
			x = b
		case st.load[s] < st.p.Tables:
			st.place(m, s)
			return true
		default:
			// Tables full: the best candidate is the slot's meeting whose
			// participants have the most meetings.
			bestSum := -1
			for _, y := range st.inSlot[s] {
				if st.locked[y] {
					continue
				}
				ym := st.p.Meetings[y]
				if c := st.count[ym.A] + st.count[ym.B]; c > bestSum {
					bestSum, x = c, y
				}
			}
			if x < 0 {
				continue
			}
		}
		if st.locked[x] {
			continue
		}
		xm := st.p.Meetings[x]
		loss := 2*(st.count[xm.A]+st.count[xm.B]) - 2
		if gain < loss {
			st.remove(int(x))
			st.place(m, s)
			return true
		}
	}
	return false
}

// placePinned puts the pinned meetings in their slots.
func (st *state) placePinned() {
	for i, m := range st.p.Meetings {
		if m.Pinned {
			st.place(i, m.Slot)
			st.locked[i] = true
		}
	}
}

// Greedy is the baseline: meetings in the order given, each in the first slot
// where both participants are available and free and a table is free.
func Greedy(p *Problem) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	st := newState(p, 0)
	st.placePinned()
	for i, m := range p.Meetings {
		if m.Pinned {
			continue
		}
		for _, s := range st.common[i] {
			if st.fits(i, s) {
				st.place(i, s)
				break
			}
		}
	}
	return st.result(), nil
}

// Solve schedules the meetings of p.
//
// It builds a schedule greedily, hardest meetings first — those between
// participants with few requests and those whose participants share few
// available slots — then improves it until no pass gains or the budget is
// spent: each unscheduled meeting is tried with ejection chains of growing
// depth (move a conflicting meeting of either participant, or one holding the
// last table, to another slot, recursively), and finally meetings of
// participants with few scheduled meetings take the places of meetings of
// participants with many when that makes the schedule fairer.
// Pinned meetings never move. Cancelling ctx stops the improvement early.
func Solve(ctx context.Context, p *Problem, opt Options) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if opt.Budget <= 0 {
		opt.Budget = 5 * time.Second
	}
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 3
	}
	deadline := time.Now().Add(opt.Budget)
	st := newState(p, opt.Seed)
	st.placePinned()

	deg := make([]int, len(p.Available))
	for _, m := range p.Meetings {
		deg[m.A]++
		deg[m.B]++
	}
	order := make([]int, 0, len(p.Meetings))
	for i, m := range p.Meetings {
		if !m.Pinned && len(st.common[i]) > 0 {
			order = append(order, i)
		}
	}
	key := func(i int) (int, int) {
		m := p.Meetings[i]
		return min(deg[m.A], deg[m.B]), len(st.common[i])
	}
	slices.SortStableFunc(order, func(x, y int) int {
		x1, x2 := key(x)
		y1, y2 := key(y)
		if x1 != y1 {
			return x1 - y1
		}
		return x2 - y2
	})
	for _, i := range order {
		if s := st.bestFit(i); s >= 0 {
			st.place(i, s)
		}
	}

	// Improvement: ejection chains of growing depth over the unscheduled
	// meetings, those of the least-served participants first.
	const nodesPerAttempt = 2000
	expired := func() bool { return ctx.Err() != nil || time.Now().After(deadline) }
	for depth := 1; depth <= opt.MaxDepth && !expired(); depth++ {
		for !expired() {
			gained := 0
			for _, i := range st.unscheduled(order) {
				if expired() {
					break
				}
				st.nodes = nodesPerAttempt
				if st.insert(i, depth) {
					gained++
				}
				st.journal = st.journal[:0]
			}
			if gained == 0 {
				break
			}
		}
	}
	// Fairness: bounded passes; each accepted swap lowers Σ count², so the
	// loop ends even without the bound.
	for pass := 0; pass < 20 && !expired(); pass++ {
		changed := false
		for _, i := range st.unscheduled(order) {
			if st.swapForFairness(i) {
				changed = true
			}
			st.journal = st.journal[:0]
		}
		// A displaced meeting may fit elsewhere now.
		for _, i := range st.unscheduled(order) {
			st.nodes = nodesPerAttempt
			st.insert(i, 1)
			st.journal = st.journal[:0]
		}
		if !changed {
			break
		}
	}
	return st.result(), nil
}

// unscheduled lists the meetings of order not placed, those whose
// participants have the fewest meetings placed first.
func (st *state) unscheduled(order []int) []int {
	var out []int
	for _, i := range order {
		if st.slot[i] < 0 {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(x, y int) int {
		mx, my := st.p.Meetings[x], st.p.Meetings[y]
		return min(st.count[mx.A], st.count[mx.B]) - min(st.count[my.A], st.count[my.B])
	})
	return out
}

// result assigns tables (pinned meetings keep theirs; others take the lowest
// free table of their slot) and computes the stats.
func (st *state) result() *Result {
	p := st.p
	r := &Result{Slot: slices.Clone(st.slot), Table: make([]int, len(p.Meetings))}
	used := make([][]bool, p.Slots)
	for i, m := range p.Meetings {
		r.Table[i] = -1
		if m.Pinned {
			if used[m.Slot] == nil {
				used[m.Slot] = make([]bool, p.Tables)
			}
			used[m.Slot][m.Table] = true
			r.Table[i] = m.Table
		}
	}
	next := make([]int, p.Slots)
	for i, m := range p.Meetings {
		s := r.Slot[i]
		if s < 0 || m.Pinned {
			continue
		}
		for used[s] != nil && next[s] < p.Tables && used[s][next[s]] {
			next[s]++
		}
		r.Table[i] = next[s]
		next[s]++
	}
	r.Stats = Measure(p, r.Slot)
	return r
}

// Measure computes the stats of a schedule given each meeting's slot (-1 for
// unscheduled).
func Measure(p *Problem, slot []int) Stats {
	st := Stats{Meetings: len(p.Meetings)}
	deg := make([]int, len(p.Available))
	got := make([]int, len(p.Available))
	for i, m := range p.Meetings {
		deg[m.A]++
		deg[m.B]++
		if slot[i] >= 0 {
			st.Scheduled++
			got[m.A]++
			got[m.B]++
		}
	}
	if st.Meetings > 0 {
		st.Share = float64(st.Scheduled) / float64(st.Meetings)
	}
	st.MinPer = -1
	sum := 0
	for i, d := range deg {
		if d == 0 {
			continue
		}
		st.Participants++
		sum += got[i]
		if st.MinPer < 0 || got[i] < st.MinPer {
			st.MinPer = got[i]
		}
		if got[i] == 0 {
			st.Unserved++
		}
	}
	if st.MinPer < 0 {
		st.MinPer = 0
	}
	if st.Participants > 0 {
		st.MeanPer = float64(sum) / float64(st.Participants)
	}
	return st
}

// Check verifies a schedule against the problem: slots and tables in range,
// availability honored, nobody and no table double-booked, pinned meetings
// where they were pinned. It returns the first violation.
func Check(p *Problem, r *Result) error {
	if len(r.Slot) != len(p.Meetings) || len(r.Table) != len(p.Meetings) {
		return fmt.Errorf("schedule: result has %d slots for %d meetings", len(r.Slot), len(p.Meetings))
	}
	type key struct{ x, s int }
	used := map[key]int{}
	for i, m := range p.Meetings {
		s, t := r.Slot[i], r.Table[i]
		if s < 0 {
			if m.Pinned {
				return fmt.Errorf("schedule: pinned meeting %d unscheduled", i)
			}
			continue
		}
		if s >= p.Slots || t < 0 || t >= p.Tables {
			return fmt.Errorf("schedule: meeting %d at slot %d table %d is outside the event", i, s, t)
		}
		if m.Pinned && (s != m.Slot || t != m.Table) {
			return fmt.Errorf("schedule: pinned meeting %d moved", i)
		}
		if !p.Available[m.A][s] || !p.Available[m.B][s] {
			return fmt.Errorf("schedule: meeting %d in slot %d where a participant is unavailable", i, s)
		}
		for _, k := range []key{{m.A, s}, {m.B, s}, {-1 - t, s}} {
			if j, ok := used[k]; ok {
				return fmt.Errorf("schedule: meetings %d and %d collide in slot %d", j, i, s)
			}
			used[k] = i
		}
	}
	return nil
}
