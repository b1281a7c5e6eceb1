package schedule

// Bound is an upper bound on the number of meetings any schedule can hold.
type Bound struct {
	// Feasible counts meetings whose participants share an available slot;
	// no schedule can place the others.
	Feasible int `json:"feasible"`
	// Tables is Σ over slots of min(tables, ⌊participants available in the
	// slot ÷ 2⌋): each slot holds at most that many meetings.
	Tables int `json:"tables"`
	// Participants is ⌊Σ_p c_p ÷ 2⌋ with c_p = min(p's feasible meetings,
	// p's available slots): nobody meets more often than either allows, and
	// each meeting uses two participants.
	Participants int `json:"participants"`
	// Matching is ⌊f ÷ 2⌋ where f is the maximum flow through the bipartite
	// double cover of the meeting graph (source → p with capacity c_p, p → q
	// with capacity 1 for each feasible meeting in both directions, q → sink
	// with capacity c_q). f ÷ 2 is the fractional b-matching optimum, which
	// no integral schedule exceeds; it is never above Participants and often
	// well below it when popular participants' partners are themselves busy.
	Matching int `json:"matching"`
	// Best is the smallest of the bounds above.
	Best int `json:"best"`
}

// UpperBound computes bounds on how many meetings of p any valid schedule
// places. Time slots are relaxed away in Participants and Matching (they
// ignore that two participants must be free in the same slot), so the true
// optimum may lie below Best.
func UpperBound(p *Problem) Bound {
	st := newState(p, 0)
	n := len(p.Available)
	var b Bound
	deg := make([]int, n)
	var edges [][2]int
	for i, m := range p.Meetings {
		if len(st.common[i]) == 0 {
			continue
		}
		b.Feasible++
		deg[m.A]++
		deg[m.B]++
		edges = append(edges, [2]int{m.A, m.B})
	}
	for s := 0; s < p.Slots; s++ {
		k := 0
		for i := 0; i < n; i++ {
			if deg[i] > 0 && p.Available[i][s] {
				k++
			}
		}
		b.Tables += min(p.Tables, k/2)
	}
	capOf := make([]int, n)
	sum := 0
	for i := 0; i < n; i++ {
		slots := 0
		for _, ok := range p.Available[i] {
			if ok {
				slots++
			}
		}
		capOf[i] = min(deg[i], slots)
		sum += capOf[i]
	}
	b.Participants = sum / 2

	// Nodes: 0 source, 1 sink, 2+i left copy, 2+n+i right copy.
	g := newFlow(2 + 2*n)
	for i := 0; i < n; i++ {
		if capOf[i] > 0 {
			g.add(0, 2+i, capOf[i])
			g.add(2+n+i, 1, capOf[i])
		}
	}
	for _, e := range edges {
		g.add(2+e[0], 2+n+e[1], 1)
		g.add(2+e[1], 2+n+e[0], 1)
	}
	b.Matching = g.maxflow(0, 1) / 2
	b.Best = min(b.Feasible, b.Tables, b.Participants, b.Matching)
	return b
}

// flow is Dinic's maximum-flow algorithm on an adjacency-list graph.
type flow struct {
	head  []int
	next  []int
	to    []int
	cap   []int
	level []int
	iter  []int
}

func newFlow(n int) *flow {
	f := &flow{head: make([]int, n), level: make([]int, n), iter: make([]int, n)}
	for i := range f.head {
		f.head[i] = -1
	}
	return f
}

func (f *flow) add(u, v, c int) {
	f.to = append(f.to, v, u)
	f.cap = append(f.cap, c, 0)
	f.next = append(f.next, f.head[u], f.head[v])
	f.head[u] = len(f.to) - 2
	f.head[v] = len(f.to) - 1
}

func (f *flow) bfs(s, t int) bool {
	for i := range f.level {
		f.level[i] = -1
	}
	f.level[s] = 0
	q := []int{s}
	for len(q) > 0 {
		u := q[0]
		q = q[1:]
		for e := f.head[u]; e >= 0; e = f.next[e] {
			if f.cap[e] > 0 && f.level[f.to[e]] < 0 {
				f.level[f.to[e]] = f.level[u] + 1
				q = append(q, f.to[e])
			}
		}
	}
	return f.level[t] >= 0
}

func (f *flow) dfs(u, t, pushed int) int {
	if u == t {
		return pushed
	}
	for ; f.iter[u] >= 0; f.iter[u] = f.next[f.iter[u]] {
		e := f.iter[u]
		v := f.to[e]
		if f.cap[e] > 0 && f.level[v] == f.level[u]+1 {
			if d := f.dfs(v, t, min(pushed, f.cap[e])); d > 0 {
				f.cap[e] -= d
				f.cap[e^1] += d
				return d
			}
		}
	}
	return 0
}

func (f *flow) maxflow(s, t int) int {
	total := 0
	for f.bfs(s, t) {
		copy(f.iter, f.head)
		for {
			d := f.dfs(s, t, 1<<62)
			if d == 0 {
				break
			}
			total += d
		}
	}
	return total
}
