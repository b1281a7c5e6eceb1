package screening

// jaroWinkler returns the Jaro-Winkler similarity of a and b in [0, 1]
// (prefix scale 0.1, prefix up to 4 runes). match is scratch space of at
// least len(a)+len(b) bools, reused between calls to avoid allocation.
func jaroWinkler(a, b []rune, match []bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		if len(a) == len(b) {
			return 1
		}
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	window := len(b)/2 - 1
	if window < 0 {
		window = 0
	}
	if cap(match) < len(a)+len(b) {
		match = make([]bool, len(a)+len(b))
	}
	ma, mb := match[:len(a)], match[len(a):len(a)+len(b)]
	clear(ma)
	clear(mb)
	m := 0
	for i, r := range a {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && b[j] == r {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, j := 0, 0
	for i := range a {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if a[i] != b[j] {
			t++
		}
		j++
	}
	fm := float64(m)
	jaro := (fm/float64(len(a)) + fm/float64(len(b)) + (fm-float64(t/2))/fm) / 3
	p := 0
	for p < 4 && p < len(a) && a[p] == b[p] {
		p++
	}
	return jaro + float64(p)*0.1*(1-jaro)
}

// osaDistance is the optimal-string-alignment edit distance (insertions,
// deletions, substitutions and adjacent transpositions each cost 1), or
// limit+1 once it is known to exceed limit.
func osaDistance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	var buf [3][40]int
	if len(b)+1 > len(buf[0]) {
		return limit + 1
	}
	prev2, prev, cur := buf[0][:len(b)+1], buf[1][:len(b)+1], buf[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
