package schedule

import (
	"math"
	"math/rand/v2"
)

// GenConfig describes a synthetic event for benchmarks and tests.
type GenConfig struct {
	Participants int
	// Requests is the number of accepted meeting requests (distinct pairs).
	Requests int
	// Days and SlotsPerDay give the slots; Tables defaults to Participants/4.
	Days, SlotsPerDay int
	Tables            int
	// Skew is the Zipf-like exponent of how requests concentrate on popular
	// participants (0 = uniform); 0.8 when zero.
	Skew float64
	Seed uint64
}

// Generate builds a realistic synthetic problem: most participants are there
// the whole event with a few blocked periods (another meeting, a talk they
// give), some arrive late or leave early, on multi-day events some come for
// one day only; requests go preferentially to popular participants.
func Generate(c GenConfig) *Problem {
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed*0x2545f4914f6cdd1d+1))
	if c.Days <= 0 {
		c.Days = 1
	}
	if c.Tables <= 0 {
		c.Tables = max(1, c.Participants/4)
	}
	if c.Skew == 0 {
		c.Skew = 0.8
	}
	n, spd := c.Participants, c.SlotsPerDay
	p := &Problem{Slots: c.Days * spd, Tables: c.Tables, Available: make([][]bool, n)}
	for i := range n {
		av := make([]bool, p.Slots)
		for d := range c.Days {
			for s := range spd {
				av[d*spd+s] = true
			}
		}
		if c.Days > 1 && rng.Float64() < 0.2 { // one day only
			keep := rng.IntN(c.Days)
			for d := range c.Days {
				if d != keep {
					clear(av[d*spd : (d+1)*spd])
				}
			}
		}
		switch r := rng.Float64(); {
		case r < 0.15: // arrives late
			clear(av[:spd/4+rng.IntN(spd/3+1)])
		case r < 0.3: // leaves early
			clear(av[p.Slots-spd/4-rng.IntN(spd/3+1):])
		}
		for range c.Days * (1 + rng.IntN(2)) { // blocked periods of 1–4 slots
			at := rng.IntN(p.Slots)
			clear(av[at:min(p.Slots, at+1+rng.IntN(4))])
		}
		p.Available[i] = av
	}
	// Popularity: participant i (in a shuffled order) has weight 1/(rank+5)^skew.
	perm := rng.Perm(n)
	cum := make([]float64, n)
	total := 0.0
	for r, i := range perm {
		_ = i
		total += 1 / math.Pow(float64(r+5), c.Skew)
		cum[r] = total
	}
	pick := func() int {
		x := rng.Float64() * total
		lo, hi := 0, n-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cum[mid] < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return perm[lo]
	}
	seen := make(map[[2]int]bool, c.Requests)
	for tries := 0; len(p.Meetings) < c.Requests && tries < c.Requests*50; tries++ {
		from, to := rng.IntN(n), pick()
		if from == to {
			continue
		}
		k := [2]int{min(from, to), max(from, to)}
		if seen[k] {
			continue
		}
		seen[k] = true
		p.Meetings = append(p.Meetings, Meeting{A: from, B: to})
	}
	return p
}
