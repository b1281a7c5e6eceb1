package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/textproc"
)

// Filter restricts a search. Zero values do not filter.
type Filter struct {
	Side     kakehashi.Side
	Kind     kakehashi.ListingKind
	Country  string // the owner's
	Language string
	// Fields and Sectors match listings having any of the values.
	Fields      []string
	Sectors     []string
	TRLMin      int
	TRLMax      int
	Partnership kakehashi.PartnershipType
	// Open keeps open listings whose deadline, if any, has not passed.
	Open bool
	// Org restricts to one organization's listings.
	Org int64
	// Monolingual matches only in the query's own language: its words are
	// not translated (Japanese ⇄ English) to find listings in the other.
	Monolingual bool
}

// MaxFilterValues bounds the values of a list filter (fields, sectors):
// every listing is checked against each of them.
const MaxFilterValues = 50

// Validate reports invalid filter values.
func (f *Filter) Validate() error {
	var p kakehashi.Problems
	if f.Side != "" && !slices.Contains(kakehashi.Sides, f.Side) {
		p.Add("side", "must be seed or need")
	}
	if f.Kind != "" && !slices.Contains(append(slices.Clone(kakehashi.SeedKinds), kakehashi.NeedKinds...), f.Kind) {
		p.Add("kind", "%q is not a listing kind", f.Kind)
	}
	if f.Country != "" && !kakehashi.ValidCountry(f.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", f.Country)
	}
	if f.Language != "" && !kakehashi.ValidLanguage(f.Language) {
		p.Add("language", "%q is not an ISO 639-1 language code", f.Language)
	}
	if f.TRLMin < 0 || f.TRLMin > 9 {
		p.Add("trl_min", "must be between 1 and 9")
	}
	if f.TRLMax < 0 || f.TRLMax > 9 {
		p.Add("trl_max", "must be between 1 and 9")
	}
	if f.TRLMin > 0 && f.TRLMax > 0 && f.TRLMin > f.TRLMax {
		p.Add("trl_min", "must not exceed trl_max")
	}
	if f.Partnership != "" && !slices.Contains(kakehashi.PartnershipTypes, f.Partnership) {
		p.Add("partnership", "%q is not a partnership type", f.Partnership)
	}
	if len(f.Fields) > MaxFilterValues {
		p.Add("field", "must list at most %d values, not %d", MaxFilterValues, len(f.Fields))
	}
	if len(f.Sectors) > MaxFilterValues {
		p.Add("sector", "must list at most %d values, not %d", MaxFilterValues, len(f.Sectors))
	}
	return p.Err("search filter")
}

// MaxOffset and MaxLimit bound a query's paging: ranking keeps the best
// Offset+Limit documents, so a deeper page costs memory and time, and no
// one reads ten thousand results a page at a time.
const (
	MaxOffset = 10000
	MaxLimit  = 1000
)

// MaxQueryLength bounds a query's text, in characters, as the API does.
const MaxQueryLength = 1000

// Query is a free-text search.
type Query struct {
	Text   string
	Filter Filter
	Viewer *kakehashi.User
	// Offset skips the first results, up to MaxOffset; Limit is the page
	// size, up to MaxLimit (0: the default).
	Offset int
	Limit  int
	// Facets asks for facet counts over every matching listing.
	Facets bool
	// Now decides which deadlines have passed (default: the current time).
	Now time.Time
}

// Validate reports a query out of bounds: its filter's invalid values, a
// text longer than MaxQueryLength, and an offset or limit that is negative
// or too large. Fields are named as the search parameters are (q, offset,
// limit, side, trl_min, ...).
func (q *Query) Validate() error {
	var p kakehashi.Problems
	if n := utf8.RuneCountInString(q.Text); n > MaxQueryLength {
		p.Add("q", "must be at most %d characters, not %d", MaxQueryLength, n)
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		p.Add("offset", "must be between 0 and %d", MaxOffset)
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		p.Add("limit", "must be between 1 and %d", MaxLimit)
	}
	for _, fe := range kakehashi.FieldErrors(q.Filter.Validate()) {
		p.Add(fe.Field, "%s", fe.Message)
	}
	return p.Err("search")
}

// TermMatch explains one query term's part in a score.
type TermMatch struct {
	// Term is the index term; Surfaces are the forms it has in the listing.
	Term     string   `json:"term"`
	Surfaces []string `json:"surfaces"`
	// Query is the form the term had in the query.
	Query        string   `json:"query,omitempty"`
	Fields       []string `json:"fields"`
	Contribution float64  `json:"contribution"`
	// Translation shows the translation that found the term, such as
	// "電池 → battery"; empty for the query's own words.
	Translation string `json:"translation,omitempty"`
}

// FitReason explains one structured-fit check of a match.
type FitReason struct {
	// Check is partnership, trl, country or deadline.
	Check string `json:"check"`
	OK    bool   `json:"ok"`
	// Detail says it in English; Reason and Args say it for translation
	// (the web pages show "fit.<check>.<reason>" in the reader's language).
	Detail string   `json:"detail"`
	Reason string   `json:"reason"`
	Args   []string `json:"args,omitempty"`
	Value  float64  `json:"value"`
}

// Explanation says why a listing was found.
type Explanation struct {
	TextScore float64     `json:"text_score"`
	Terms     []TermMatch `json:"terms"`
	// Fit is set for matches: each check and the combined fit in [0, 1].
	Fit      []FitReason `json:"fit,omitempty"`
	FitScore float64     `json:"fit_score,omitempty"`
}

// Hit is one result.
type Hit struct {
	Listing     *kakehashi.Listing `json:"listing"`
	Score       float64            `json:"score"`
	Explanation Explanation        `json:"explanation"`
}

// Result is a page of results.
type Result struct {
	Hits []Hit `json:"hits"`
	// Total counts the matching listings the viewer may see; it is exact
	// when facets were asked for and a lower bound otherwise.
	Total  int                       `json:"total"`
	Facets map[string]map[string]int `json:"facets,omitempty"`
	// More says whether another page follows.
	More bool `json:"more"`
}

// accept builds the filter and visibility predicate over documents. full
// reports whether the viewer sees a confidential document in full.
func (e *Engine) accept(f Filter, viewer *kakehashi.User, now time.Time) func(uint32) bool {
	nowUnix := now.Unix()
	var partnerBit uint8
	if f.Partnership != "" {
		partnerBit = 1 << slices.Index(kakehashi.PartnershipTypes, f.Partnership)
	}
	return func(doc uint32) bool {
		m := &e.meta[doc]
		if !visible(viewer, m) {
			return false
		}
		switch {
		case f.Side != "" && m.side != f.Side,
			f.Kind != "" && m.kind != f.Kind,
			f.Language != "" && m.language != f.Language,
			f.Org != 0 && (m.org != f.Org || !seesOwner(viewer, m)),
			f.Country != "" && (m.country != f.Country || !seesOwner(viewer, m)),
			f.TRLMin > 0 && int(m.trl) < f.TRLMin,
			f.TRLMax > 0 && int(m.trl) > f.TRLMax,
			partnerBit != 0 && m.partners&partnerBit == 0,
			f.Open && (m.status != kakehashi.StatusOpen || m.deadline != 0 && m.deadline < nowUnix),
			len(f.Fields) > 0 && !anyOf(m.fields, f.Fields),
			len(f.Sectors) > 0 && !anyOf(m.sectors, f.Sectors):
			return false
		}
		return true
	}
}

func anyOf(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// visible applies kakehashi.CanSeeListing to the indexed copy of a listing.
func visible(viewer *kakehashi.User, m *docMeta) bool {
	l := kakehashi.Listing{OrgID: m.org, Status: m.status, Visibility: m.visibility}
	return kakehashi.CanSeeListing(viewer, &l)
}

// seesOwner applies kakehashi.SeesFullListing: filtering by owner must not
// reveal who owns a confidential listing.
func seesOwner(viewer *kakehashi.User, m *docMeta) bool {
	l := kakehashi.Listing{ID: m.listing, OrgID: m.org, Status: m.status, Visibility: m.visibility}
	return kakehashi.SeesFullListing(viewer, &l)
}

// weightedTerm is a query term before it is resolved in the index.
type weightedTerm struct {
	term    string
	surface string
	weight  float64
	// from is the query word this term translates, if it is a translation;
	// spelled marks a guessed spelling of a katakana loanword.
	from    string
	spelled bool
}

// queryTerms analyzes free text into weighted terms: a term repeated in the
// query counts more, with diminishing returns. Unless monolingual, the
// terms' translations follow them.
func (e *Engine) queryTerms(text string, monolingual bool) []weightedTerm {
	toks := e.an.Analyze(text)
	count := map[string]int{}
	var order []weightedTerm
	for _, t := range toks {
		if count[t.Term] == 0 {
			order = append(order, weightedTerm{term: t.Term, surface: t.Surface})
		}
		count[t.Term]++
	}
	for i := range order {
		c := float64(count[order[i].term])
		order[i].weight = c * (e.params.K1 + 1) / (c + e.params.K1)
	}
	if monolingual || e.lex == nil {
		return order
	}
	info := map[string]*jaInfo{}
	noteCompounds(toks, info)
	return e.translate(order, info)
}

// resolve turns weighted terms into index query terms with idf; terms the
// index has never seen are dropped. The caller holds e.mu.
func (e *Engine) resolve(ix *index, wts []weightedTerm) []queryTerm {
	out := make([]queryTerm, 0, len(wts))
	for _, w := range wts {
		id, ok := ix.termIDs[w.term]
		if !ok {
			continue
		}
		out = append(out, queryTerm{id: id, weight: w.weight * e.pub.idfOf(w.term)})
	}
	return out
}

// idfOf is the idf of a term by name; a term absent from the index gets the
// idf of a term seen once.
func (ix *index) idfOf(term string) float64 {
	if id, ok := ix.termIDs[term]; ok {
		return ix.idf(id)
	}
	n := float64(max(ix.live, 1))
	return math.Log(1 + (n-0.5)/1.5)
}

// scored is a result before it is loaded and explained.
type scored struct {
	doc   uint32
	score float64
}

// rank returns the best documents for weighted terms, k of them, merging
// the full-text scores of confidential listings the viewer may read. The
// caller holds e.mu.
func (e *Engine) rank(wts []weightedTerm, k int, accept func(uint32) bool, viewer *kakehashi.User) []scored {
	hits := e.pub.search(e.resolve(e.pub, wts), k, accept)
	out := make([]scored, len(hits))
	for i, h := range hits {
		out[i] = scored{doc: h.doc, score: h.score}
	}
	if len(e.confDoc) == 0 || !(viewer.IsStaff() || viewer != nil && (viewer.OrgID != 0 || len(viewer.Revealed) > 0)) {
		return out
	}
	// Confidential listings this viewer reads in full are scored on all
	// their text; there are few, so they are scored directly.
	confTerms := e.resolve(e.conf, wts)
	best := map[uint32]float64{}
	for _, s := range out {
		best[s.doc] = s.score
	}
	for pubDoc, confDoc := range e.confDoc {
		m := &e.meta[pubDoc]
		if !seesOwner(viewer, m) || (accept != nil && !accept(pubDoc)) {
			continue
		}
		var s float64
		for _, qt := range confTerms {
			s += qt.weight * float64(e.conf.impactOf(qt.id, confDoc)) / impactScale
		}
		if s > best[pubDoc] {
			best[pubDoc] = s
		}
	}
	out = out[:0]
	for doc, s := range best {
		if s > 0 {
			out = append(out, scored{doc: doc, score: s})
		}
	}
	sort.Slice(out, func(i, j int) bool { return better(hit(out[i]), hit(out[j])) })
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// SearchIDs ranks like Search but returns only listing ids and scores,
// without loading or explaining the listings: for benchmarks and batch jobs.
func (e *Engine) SearchIDs(ctx context.Context, q Query) ([]Ranked, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.Now.IsZero() {
		q.Now = e.now()
	}
	q.Limit = max(q.Limit, 1)
	wts := e.queryTerms(q.Text, q.Filter.Monolingual)
	e.mu.RLock()
	defer e.mu.RUnlock()
	ranked := e.rank(wts, q.Offset+q.Limit, e.accept(q.Filter, q.Viewer, q.Now), q.Viewer)
	ranked = page(ranked, q.Offset, q.Limit)
	out := make([]Ranked, len(ranked))
	for i, s := range ranked {
		out[i] = Ranked{ID: e.meta[s.doc].listing, Score: s.score}
	}
	return out, nil
}

// Search runs a free-text query. An empty text lists the filtered listings,
// most recently updated first. A query out of bounds (see Query.Validate)
// is refused as invalid.
func (e *Engine) Search(ctx context.Context, q Query) (*Result, error) {
	if q.Limit == 0 {
		q.Limit = 20
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.Now.IsZero() {
		q.Now = e.now()
	}
	wts := e.queryTerms(q.Text, q.Filter.Monolingual)
	res, ranked, metas := e.searchPage(q, wts)
	hits, err := e.explain(ctx, ranked, metas, wts, q.Viewer)
	if err != nil {
		return nil, err
	}
	res.Hits = hits
	return res, nil
}

// searchPage ranks one page of a validated query under the read lock and
// returns it with the indexed copies of its documents, which explain
// reads after the lock is released.
func (e *Engine) searchPage(q Query, wts []weightedTerm) (*Result, []scored, []docMeta) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	accept := e.accept(q.Filter, q.Viewer, q.Now)
	var ranked []scored
	res := &Result{}
	if strings.TrimSpace(q.Text) == "" {
		ranked = e.browse(accept)
		res.Total = len(ranked)
		if q.Facets {
			res.Facets = e.facets(func(fn func(uint32)) {
				for _, s := range ranked {
					fn(s.doc)
				}
			})
		}
	} else {
		ranked = e.rank(wts, q.Offset+q.Limit+1, accept, q.Viewer)
		res.Total = len(ranked)
		if q.Facets {
			n := 0
			res.Facets = e.facets(func(fn func(uint32)) {
				e.pub.matchAll(e.resolve(e.pub, wts), func(doc uint32) {
					if accept(doc) {
						n++
						fn(doc)
					}
				})
			})
			res.Total = max(n, res.Total)
		}
	}
	ranked = page(ranked, q.Offset, q.Limit+1)
	if len(ranked) > q.Limit {
		res.More = true
		ranked = ranked[:q.Limit]
	}
	metas := make([]docMeta, len(ranked))
	for i, s := range ranked {
		metas[i] = e.meta[s.doc]
	}
	return res, ranked, metas
}

// page returns up to n results of s from offset on. Any offset and n are
// safe, however large or negative: a negative offset counts as 0 and
// offset+n is never computed, so it cannot overflow.
func page(s []scored, offset, n int) []scored {
	offset = max(offset, 0)
	if offset >= len(s) || n <= 0 {
		return nil
	}
	return s[offset : offset+min(n, len(s)-offset)]
}

// browse lists accepted documents, newest first. The caller holds e.mu.
func (e *Engine) browse(accept func(uint32) bool) []scored {
	var out []scored
	for doc := range e.meta {
		d := uint32(doc)
		if !e.pub.deleted[d] && accept(d) {
			out = append(out, scored{doc: d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &e.meta[out[i].doc], &e.meta[out[j].doc]
		if a.updated != b.updated {
			return a.updated > b.updated
		}
		return a.listing > b.listing
	})
	return out
}

// facets counts the documents each visits by side, kind, country,
// language, TRL, partnership type, fields and sectors. The caller holds e.mu.
func (e *Engine) facets(each func(func(uint32))) map[string]map[string]int {
	f := map[string]map[string]int{}
	for _, name := range []string{"side", "kind", "country", "language", "trl", "partnership", "field", "sector"} {
		f[name] = map[string]int{}
	}
	each(func(doc uint32) {
		m := &e.meta[doc]
		f["side"][string(m.side)]++
		f["kind"][string(m.kind)]++
		if m.country != "" && m.visibility != kakehashi.VisibilityConfidential {
			f["country"][m.country]++
		}
		f["language"][m.language]++
		f["trl"][fmt.Sprint(m.trl)]++
		for i, p := range kakehashi.PartnershipTypes {
			if m.partners&(1<<i) != 0 {
				f["partnership"][string(p)]++
			}
		}
		for _, x := range m.fields {
			f["field"][x]++
		}
		for _, x := range m.sectors {
			f["sector"][x]++
		}
	})
	return f
}

// explain loads the ranked listings, redacts them for the viewer and says
// which terms matched where. Contributions are recomputed from the very
// index impacts that produced the score, so they add up to it.
func (e *Engine) explain(ctx context.Context, ranked []scored, metas []docMeta, wts []weightedTerm, viewer *kakehashi.User) ([]Hit, error) {
	ids := make([]int64, len(ranked))
	for i := range ranked {
		ids[i] = metas[i].listing
	}
	ls, err := e.src.ListingsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load results: %w", err)
	}
	byID := map[int64]*kakehashi.Listing{}
	for _, l := range ls {
		byID[l.ID] = l
	}
	hits := make([]Hit, 0, len(ranked))
	for i, s := range ranked {
		l := byID[ids[i]]
		if l == nil {
			continue // deleted since it was indexed
		}
		shown := kakehashi.Redact(viewer, l)
		if shown == nil {
			continue // changed since it was indexed, and no longer visible
		}
		hits = append(hits, Hit{Listing: shown, Score: s.score, Explanation: Explanation{
			TextScore: s.score, Terms: e.termMatches(shown, wts)}})
	}
	return hits, nil
}

// termMatches finds where each query term occurs in the fields of l that
// the viewer sees, with the term's contribution to the score.
func (e *Engine) termMatches(l *kakehashi.Listing, wts []weightedTerm) []TermMatch {
	want := map[string]int{}
	for i, w := range wts {
		want[w.term] = i
	}
	type occ struct {
		fields   [numFields]int
		surfaces []string
	}
	found := map[string]*occ{}
	texts := fieldTexts(l)
	var toks []textproc.Token
	var length [numFields]int
	for f, text := range texts {
		toks = e.an.AppendTokens(toks[:0], text)
		length[f] = len(toks)
		for _, t := range toks {
			if _, ok := want[t.Term]; !ok {
				continue
			}
			o := found[t.Term]
			if o == nil {
				o = &occ{}
				found[t.Term] = o
			}
			o.fields[f]++
			if !slices.Contains(o.surfaces, t.Surface) {
				o.surfaces = append(o.surfaces, t.Surface)
			}
		}
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []TermMatch
	for _, w := range wts {
		o := found[w.term]
		if o == nil {
			continue
		}
		tm := TermMatch{Term: w.term, Surfaces: o.surfaces, Query: w.surface}
		if w.from != "" {
			tm.Query = w.from
			tm.Translation = w.from + " → " + w.surface
			if w.spelled {
				tm.Translation = w.from + " → " + strings.ToLower(o.surfaces[0])
			}
		}
		var tf [numFields]uint16
		for f := range numFields {
			if o.fields[f] > 0 {
				tm.Fields = append(tm.Fields, Field(f).String())
				tf[f] = uint16(min(o.fields[f], 65535))
			}
		}
		tm.Contribution = w.weight * e.pub.idfOf(w.term) * float64(e.pub.impact(tf, length)) / impactScale
		out = append(out, tm)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Contribution > out[j].Contribution })
	return out
}
