package screening

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kakehashi/kakehashi"
)

// Scoring weights. A name's score is wJW·(Jaro-Winkler) + wTokens·(token
// overlap), then the country feature adds countryBonus or countryPenalty.
// Tuned on testdata/cases.jsonl against the real Consolidated Screening List.
const (
	wJW            = 0.35
	wTokens        = 0.65
	countryBonus   = 0.03
	countryPenalty = -0.04

	// minFuzzyLen is the least length at which two different tokens may still
	// count as the same token with a typo (one edit; two from 9 runes).
	minFuzzyLen = 5
	// typoCost scales the share of edited runes into a similarity loss.
	typoCost = 1.5

	// maxTokenCandidates is how many names the token block adds at most: the
	// names sharing the most IDF weight with the query.
	maxTokenCandidates = 200
	// minTokenKey is the least token-block key for a token candidate.
	minTokenKey = 0.25
	// maxGramPostings skips trigrams too common to discriminate.
	maxGramPostings = 6000
	// maxGramCandidates is how many names the trigram block adds at most.
	maxGramCandidates = 150
	// minGramDice is the least trigram Dice overlap for a trigram candidate.
	minGramDice = 0.3
)

// DefaultThreshold is the score at or above which a hit is reported; tuned on
// testdata/cases.jsonl against the real Consolidated Screening List.
const DefaultThreshold = 0.83

// variant is one name or alias of an entry, normalized.
type variant struct {
	entry   int32
	alias   int32 // -1 for the primary name, else index into Entry.Aliases
	runes   []rune
	sorted  []rune // tokens sorted and joined, for order-insensitive similarity
	compact string // tokens joined without spaces, so "gazpromneft" meets "gazprom neft"
	tokens  []string
	toks    [][]rune
	weight  float64 // sum of token weights
	grams   int32   // number of distinct trigrams
}

// Index is an immutable matcher over a set of entries, safe for concurrent
// use. It blocks candidates by shared tokens and shared character trigrams,
// so a check scores a few hundred names, not every entry.
type Index struct {
	entries   []kakehashi.ScreeningEntry
	countries [][]string // every country known for each entry
	variants  []variant
	tokenPost map[string][]int32 // token → variants containing it
	gramPost  map[string][]int32 // trigram → variants containing it
	idf       map[string]float64
	maxIDF    float64
	scratch   sync.Pool // *scratch
}

// scratch is per-check working memory, pooled to keep checks allocation-light.
type scratch struct {
	gramCount []uint16
	tokWeight []float32
	mark      []uint32
	epoch     uint32
	match     []bool
}

// NewIndex builds the blocking index over entries. The entries are copied;
// hits point into the copy.
func NewIndex(entries []kakehashi.ScreeningEntry) *Index {
	ix := &Index{
		entries:   slices.Clone(entries),
		countries: make([][]string, len(entries)),
		tokenPost: map[string][]int32{},
		gramPost:  map[string][]int32{},
		idf:       map[string]float64{},
	}
	df := map[string]int{}
	for i := range ix.entries {
		e := &ix.entries[i]
		ix.countries[i] = entryCountries(e)
		names := append([]string{e.Name}, e.Aliases...)
		seen := map[string]bool{}
		for a, name := range names {
			for _, form := range nameForms(name) {
				ix.addVariant(int32(i), int32(a-1), form, seen)
			}
		}
	}
	for vi := range ix.variants {
		v := &ix.variants[vi]
		id := int32(vi)
		var grams []string
		for _, t := range uniq(v.tokens) {
			ix.tokenPost[t] = append(ix.tokenPost[t], id)
			df[t]++
			grams = appendGrams(grams, t)
		}
		grams = uniq(grams)
		v.grams = int32(len(grams))
		for _, g := range grams {
			ix.gramPost[g] = append(ix.gramPost[g], id)
		}
	}
	n := float64(len(ix.variants) + 1)
	ix.maxIDF = math.Log(1 + n)
	for t, d := range df {
		ix.idf[t] = math.Log(1 + n/float64(d))
	}
	for vi := range ix.variants {
		v := &ix.variants[vi]
		for _, t := range v.tokens {
			v.weight += ix.idf[t]
		}
	}
	return ix
}

// addVariant adds one normalized name form of entry e unless it has one already.
func (ix *Index) addVariant(e, alias int32, name string, seen map[string]bool) {
	nn := normalize(name)
	if nn.text == "" || seen[nn.text] {
		return
	}
	seen[nn.text] = true
	v := variant{entry: e, alias: alias, runes: []rune(nn.text), tokens: nn.tokens}
	v.sorted = []rune(strings.Join(slices.Sorted(slices.Values(nn.tokens)), " "))
	v.compact = strings.Join(nn.tokens, "")
	for _, t := range nn.tokens {
		v.toks = append(v.toks, []rune(t))
	}
	ix.variants = append(ix.variants, v)
}

// nameForms returns the forms of a listed name to match against: the name
// itself and, when it has parenthetical parts ("Rostec (Russian Technologies
// State Corporation)"), the name without them and each part on its own;
// descriptions after "Affiliated Entity:" and the like are split off too.
func nameForms(name string) []string {
	forms := []string{name}
	for _, sep := range []string{"Affiliated Entity:", "Subordinate Institution", "Subordinate Entity", "Subsidiary:", "Branch:"} {
		if i := strings.Index(name, sep); i > 0 {
			forms = append(forms, name[:i], name[i+len(sep):])
			name = name[:i]
		}
	}
	if strings.Contains(name, "(") {
		var outside strings.Builder
		depth, start := 0, 0
		for i, r := range name {
			switch {
			case r == '(':
				if depth == 0 {
					start = i + 1
				}
				depth++
			case r == ')' && depth > 0:
				depth--
				if depth == 0 {
					if inner := strings.TrimSpace(name[start:i]); len(inner) >= 4 {
						forms = append(forms, inner)
					}
				}
			case depth == 0:
				outside.WriteRune(r)
			}
		}
		forms = append(forms, outside.String())
	}
	return forms
}

// entryCountries returns the entry's country and every country of its addresses.
func entryCountries(e *kakehashi.ScreeningEntry) []string {
	var cs []string
	if e.Country != "" {
		cs = append(cs, strings.ToUpper(e.Country))
	}
	for _, a := range e.Addresses {
		if c := addressCountry(a); c != "" && !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	return cs
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// appendGrams appends the trigrams of a token padded with boundary marks,
// so short tokens still yield grams ("ab" → "^ab", "ab$").
func appendGrams(dst []string, tok string) []string {
	r := []rune("^" + tok + "$")
	for i := 0; i+3 <= len(r); i++ {
		dst = append(dst, string(r[i:i+3]))
	}
	return dst
}

// Len reports the number of entries in the index.
func (ix *Index) Len() int { return len(ix.entries) }

// weight is the inverse document frequency of a token; unseen tokens weigh
// as much as the rarest.
func (ix *Index) weight(t string) float64 {
	if w, ok := ix.idf[t]; ok {
		return w
	}
	return ix.maxIDF
}

// Check returns hits with Score >= threshold, best first, at most limit
// (0: 10). It is deterministic: equal scores are ordered by entry id.
func (ix *Index) Check(q Query, threshold float64, limit int) []Hit {
	hits, _ := ix.check(q, threshold, limit)
	return hits
}

// check is Check that also reports how many names it scored, which tests
// use to show that blocking works.
func (ix *Index) check(q Query, threshold float64, limit int) ([]Hit, int) {
	if limit <= 0 {
		limit = 10
	}
	qn := normalize(q.Name)
	if qn.text == "" || len(ix.variants) == 0 {
		return nil, 0
	}
	sc, _ := ix.scratch.Get().(*scratch)
	if sc == nil || len(sc.mark) != len(ix.variants) {
		sc = &scratch{gramCount: make([]uint16, len(ix.variants)), tokWeight: make([]float32, len(ix.variants)), mark: make([]uint32, len(ix.variants))}
	}
	defer ix.scratch.Put(sc)
	cands := ix.candidates(qn, sc)

	qs := prepQuery(ix, qn)
	type best struct {
		s   scored
		vid int32
	}
	byEntry := map[int32]best{}
	for _, vid := range cands {
		s := ix.score(qs, &ix.variants[vid], sc)
		e := ix.variants[vid].entry
		if b, ok := byEntry[e]; !ok || s.total > b.s.total || s.total == b.s.total && vid < b.vid {
			byEntry[e] = best{s, vid}
		}
	}
	qc := strings.ToUpper(strings.TrimSpace(q.Country))
	var hits []Hit
	for e, b := range byEntry {
		total := b.s.total
		cf := ix.countryFeature(qc, e)
		total += cf.Contribution
		total = min(1, max(0, total))
		if total < threshold {
			continue
		}
		v := &ix.variants[b.vid]
		hits = append(hits, Hit{Entry: &ix.entries[e], Score: round4(total), Matched: ix.variantName(v), Features: ix.explain(qn, v, b.s, cf)})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		if c := cmp.Compare(hits[i].Entry.ID, hits[j].Entry.ID); c != 0 {
			return c < 0
		}
		return cmp.Compare(hits[i].Entry.Source, hits[j].Entry.Source) < 0
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, len(cands)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func (ix *Index) variantName(v *variant) string {
	e := &ix.entries[v.entry]
	if v.alias < 0 {
		return e.Name
	}
	return e.Aliases[v.alias]
}

// candidates returns the variants to score: those sharing a token with the
// query (unless the token is very common and the query has a rarer one),
// and the best few by trigram overlap, so typos still find their entry.
func (ix *Index) candidates(qn normName, sc *scratch) []int32 {
	sc.epoch++
	if sc.epoch == 0 {
		clear(sc.mark)
		sc.epoch = 1
	}
	var out []int32
	add := func(v int32) {
		if sc.mark[v] != sc.epoch {
			sc.mark[v] = sc.epoch
			out = append(out, v)
		}
	}
	qt := uniq(qn.tokens)
	type vc struct {
		v   int32
		key float64
	}
	// Token block: accumulate the weight of shared tokens per name and keep
	// the names with the best (query coverage + name coverage)/2.
	var qw float64
	var touched []int32
	for _, t := range qt {
		w := ix.weight(t)
		qw += w
		for _, v := range ix.tokenPost[t] {
			if sc.tokWeight[v] == 0 {
				touched = append(touched, v)
			}
			sc.tokWeight[v] += float32(w)
		}
	}
	var top []vc
	for _, v := range touched {
		m := float64(sc.tokWeight[v])
		sc.tokWeight[v] = 0
		if k := (m/qw + m/max(m, ix.variants[v].weight)) / 2; k >= minTokenKey {
			top = append(top, vc{v, k})
		}
	}
	byKey := func(a, b vc) int {
		if c := cmp.Compare(b.key, a.key); c != 0 {
			return c
		}
		return cmp.Compare(a.v, b.v)
	}
	slices.SortFunc(top, byKey)
	for i := 0; i < len(top) && i < maxTokenCandidates; i++ {
		add(top[i].v)
	}
	var grams []string
	for _, t := range qt {
		grams = appendGrams(grams, t)
	}
	grams = uniq(grams)
	touched = touched[:0]
	for _, g := range grams {
		p := ix.gramPost[g]
		if len(p) > maxGramPostings {
			continue
		}
		for _, v := range p {
			if sc.gramCount[v] == 0 {
				touched = append(touched, v)
			}
			sc.gramCount[v]++
		}
	}
	top = top[:0]
	for _, v := range touched {
		d := 2 * float64(sc.gramCount[v]) / float64(len(grams)+int(ix.variants[v].grams))
		sc.gramCount[v] = 0
		if d >= minGramDice {
			top = append(top, vc{v, d})
		}
	}
	slices.SortFunc(top, byKey)
	for i := 0; i < len(top) && i < maxGramCandidates; i++ {
		add(top[i].v)
	}
	return out
}

// queryPrep is the query in the forms scoring needs.
type queryPrep struct {
	runes   []rune
	sorted  []rune
	tokens  []string
	toks    [][]rune
	weights []float64
	weight  float64
	compact string
}

func prepQuery(ix *Index, qn normName) queryPrep {
	q := queryPrep{runes: []rune(qn.text), tokens: qn.tokens, compact: strings.Join(qn.tokens, "")}
	q.sorted = []rune(strings.Join(slices.Sorted(slices.Values(qn.tokens)), " "))
	for _, t := range qn.tokens {
		q.toks = append(q.toks, []rune(t))
		w := ix.weight(t)
		q.weights = append(q.weights, w)
		q.weight += w
	}
	return q
}

// scored is the outcome of comparing the query with one name.
type scored struct {
	jw, jwPlain float64
	sortedUsed  bool
	compact     bool    // the names are equal once spaces are removed
	tokens      float64 // token overlap in [0,1]
	covQ, covV  float64
	pairs       []string // "a=b" or "a≈b" per matched query token
	unmatched   []string // query tokens without a counterpart
	total       float64  // before the country feature
}

// score compares the query with one name: Jaro-Winkler on the normalized
// string (or on the sorted tokens, whichever is higher, so word order does not
// matter), and an IDF-weighted token overlap with typo-tolerant token matching,
// averaged over both directions so dropped and added words both cost.
func (ix *Index) score(q queryPrep, v *variant, sc *scratch) scored {
	var s scored
	s.jwPlain = jaroWinkler(q.runes, v.runes, sc.match)
	s.jw = s.jwPlain
	if js := jaroWinkler(q.sorted, v.sorted, sc.match); js > s.jw {
		s.jw, s.sortedUsed = js, true
	}
	var usedV [64]bool
	var matchedQ, matchedV float64
	for i, qt := range q.toks {
		bestJ, bestSim := -1, 0.0
		for j, vt := range v.toks {
			if j < len(usedV) && usedV[j] {
				continue
			}
			var sim float64
			if q.tokens[i] == v.tokens[j] {
				sim = 1
			} else if len(qt) >= minFuzzyLen && len(vt) >= minFuzzyLen {
				sim = typoSim(qt, vt)
			}
			if sim > bestSim {
				bestJ, bestSim = j, sim
				if sim == 1 {
					break
				}
			}
		}
		if bestJ < 0 {
			s.unmatched = append(s.unmatched, q.tokens[i])
			continue
		}
		if bestJ < len(usedV) {
			usedV[bestJ] = true
		}
		matchedQ += q.weights[i] * bestSim
		matchedV += ix.weight(v.tokens[bestJ]) * bestSim
		op := "="
		if bestSim < 1 {
			op = "≈"
		}
		s.pairs = append(s.pairs, q.tokens[i]+op+v.tokens[bestJ])
	}
	if q.weight > 0 {
		s.covQ = matchedQ / q.weight
	}
	if v.weight > 0 {
		s.covV = min(1, matchedV/v.weight)
	}
	s.tokens = (s.covQ + s.covV) / 2
	if s.tokens < 1 && q.compact == v.compact {
		s.tokens, s.covQ, s.covV, s.compact = 1, 1, 1, true
	}
	s.total = wJW*s.jw + wTokens*s.tokens
	return s
}

// typoSim is the similarity of two tokens that differ by a typo: one edit
// (two for tokens of 9 runes or more), each costing typoCost times its share
// of the longer token; 0 if they differ by more.
func typoSim(a, b []rune) float64 {
	limit := 1
	if min(len(a), len(b)) >= 9 {
		limit = 2
	}
	d := osaDistance(a, b, limit)
	if d > limit {
		return 0
	}
	return 1 - typoCost*float64(d)/float64(max(len(a), len(b)))
}

// countryFeature raises the score when the query's country is one of the
// entry's, lowers it when both are known and differ, and is neutral otherwise.
func (ix *Index) countryFeature(qc string, e int32) Feature {
	cs := ix.countries[e]
	switch {
	case qc == "" || len(cs) == 0:
		return Feature{Name: "country", Detail: "country unknown on one side; neutral"}
	case slices.Contains(cs, qc):
		return Feature{Name: "country", Value: 1, Contribution: countryBonus, Detail: "same country " + qc}
	default:
		return Feature{Name: "country", Value: -1, Contribution: countryPenalty,
			Detail: fmt.Sprintf("query country %s, listed %s", qc, strings.Join(cs, ", "))}
	}
}

// explain turns a score into per-feature explanations.
func (ix *Index) explain(qn normName, v *variant, s scored, cf Feature) []Feature {
	jwDetail := fmt.Sprintf("Jaro-Winkler of %q and %q", qn.text, string(v.runes))
	if s.sortedUsed {
		jwDetail = fmt.Sprintf("Jaro-Winkler of the sorted tokens %q and %q (word order ignored)", strings.Join(slices.Sorted(slices.Values(qn.tokens)), " "), string(v.sorted))
	}
	tokDetail := fmt.Sprintf("IDF-weighted overlap %.2f of the query, %.2f of the listed name; matched %s", s.covQ, s.covV, strings.Join(s.pairs, ", "))
	if s.compact {
		tokDetail = "names equal once spaces are removed"
	} else if len(s.pairs) == 0 {
		tokDetail = "no token in common"
	}
	if len(s.unmatched) > 0 {
		tokDetail += "; unmatched " + strings.Join(s.unmatched, ", ")
	}
	name := ix.variantName(v)
	alias := Feature{Name: "alias", Detail: fmt.Sprintf("primary name %q matched", name)}
	if v.alias >= 0 {
		alias = Feature{Name: "alias", Value: 1, Detail: fmt.Sprintf("alias %q matched", name)}
	}
	fs := []Feature{
		{Name: "name_similarity", Value: round4(s.jw), Contribution: round4(wJW * s.jw), Detail: jwDetail},
		{Name: "token_overlap", Value: round4(s.tokens), Contribution: round4(wTokens * s.tokens), Detail: tokDetail},
		alias,
		cf,
	}
	addNotes := func(who string, notes []string) {
		for _, n := range notes {
			f := Feature{Name: "normalization", Detail: who + ": " + n}
			if strings.HasPrefix(n, "legal form") {
				f.Name = "legal_form"
			}
			fs = append(fs, f)
		}
	}
	addNotes("query", qn.notes)
	addNotes("listed name", normalize(name).notes)
	return fs
}
