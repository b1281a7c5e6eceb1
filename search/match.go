package search

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/textproc"
)

// fieldQueryWeight is how much a term counts when a listing is used as a
// query, by the field it appears in.
var fieldQueryWeight = [numFields]float64{3, 3, 2, 1}

// maxQueryTerms bounds a listing-as-query to its most informative terms.
const maxQueryTerms = 32

// ListingTerms reduces a listing to its most informative weighted terms:
// frequency across fields, weighted by field and saturated, times idf.
func (e *Engine) ListingTerms(l *kakehashi.Listing) []weightedTerm {
	wts, _, _ := e.listingTerms(l)
	return wts
}

// listingQuery is the query a listing stands for: its most informative
// terms and, unless monolingual, their translations.
func (e *Engine) listingQuery(l *kakehashi.Listing, monolingual bool) []weightedTerm {
	wts, info, extra := e.listingTerms(l)
	if monolingual || e.lex == nil {
		return wts
	}
	n := len(wts)
	out := e.translate(append(wts, extra...), info)
	// The single-character words were there to be translated only.
	return append(out[:n:n], out[n+len(extra):]...)
}

// listingTerms returns ListingTerms, what translation needs to know of
// the Japanese terms, and the one-character Japanese words that stand on
// their own (癌, 血): too weak to search for as they are, but worth
// translating.
func (e *Engine) listingTerms(l *kakehashi.Listing) ([]weightedTerm, map[string]*jaInfo, []weightedTerm) {
	texts := fieldTexts(l)
	acc := map[string]*weightedTerm{}
	var order []*weightedTerm
	var toks []textproc.Token
	info := map[string]*jaInfo{}
	single := map[string]*weightedTerm{}
	var singles []*weightedTerm
	for f, text := range texts {
		toks = e.an.AppendTokens(toks[:0], text)
		noteCompounds(toks, info)
		for _, t := range toks {
			if weakQueryTerm(t, Field(f)) {
				if t.Script == textproc.ScriptJapanese {
					w := single[t.Term]
					if w == nil {
						w = &weightedTerm{term: t.Term, surface: t.Surface}
						single[t.Term] = w
						singles = append(singles, w)
					}
					w.weight += fieldQueryWeight[f]
				}
				continue
			}
			w := acc[t.Term]
			if w == nil {
				w = &weightedTerm{term: t.Term, surface: t.Surface}
				acc[t.Term] = w
				order = append(order, w)
			}
			w.weight += fieldQueryWeight[f]
		}
	}
	type ranked struct {
		w   *weightedTerm
		key float64
	}
	rs := make([]ranked, len(order))
	func() {
		e.mu.RLock()
		defer e.mu.RUnlock()
		for i, w := range order {
			tf := w.weight
			w.weight = tf * (e.params.K1 + 1) / (tf + e.params.K1)
			rs[i] = ranked{w, w.weight * e.pub.idfOf(w.term)}
		}
	}()
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].key != rs[j].key {
			return rs[i].key > rs[j].key
		}
		return rs[i].w.term < rs[j].w.term
	})
	out := make([]weightedTerm, 0, min(len(rs), maxQueryTerms))
	for _, r := range rs[:min(len(rs), maxQueryTerms)] {
		out = append(out, *r.w)
	}
	var extra []weightedTerm
	for _, w := range singles {
		if in := info[w.term]; in != nil && in.standalone {
			tf := w.weight
			w.weight = tf * (e.params.K1 + 1) / (tf + e.params.K1)
			extra = append(extra, *w)
		}
	}
	return out, info, extra
}

// weakQueryTerm reports whether a term says too little about what a
// listing is about to stand for it as a query: a single Japanese character
// (液, 用, 性 — fragments of the compounds that are kept whole), or, outside
// the title, an everyday English word that listings use to say what they
// want. Every word of a title counts: a title is short and chosen.
func weakQueryTerm(t textproc.Token, f Field) bool {
	if t.Script == textproc.ScriptJapanese {
		return utf8.RuneCountInString(t.Term) < 2
	}
	return f != FieldTitle && listingFillers[strings.ToLower(t.Surface)]
}

// listingFillers are words that every kind of listing uses and that match
// listings of any topic.
var listingFillers = map[string]bool{
	"we": true, "our": true, "us": true, "you": true, "your": true, "can": true, "could": true, "would": true, "should": true,
	"may": true, "also": true, "up": true, "down": true, "out": true, "over": true, "from": true, "has": true, "have": true,
	"had": true, "been": true, "were": true, "which": true, "who": true, "what": true, "when": true, "where": true, "how": true,
	"all": true, "any": true, "each": true, "more": true, "most": true, "than": true, "very": true, "new": true, "per": true,
	"made": true, "make": true, "makes": true, "using": true, "use": true, "used": true, "based": true, "seek": true, "seeks": true,
	"seeking": true, "looking": true, "want": true, "wants": true, "need": true, "needs": true, "partner": true, "partners": true,
	"offer": true, "offers": true, "provide": true, "provides": true, "able": true, "within": true, "including": true,
}

// MatchOptions tune Match.
type MatchOptions struct {
	Limit  int
	Filter Filter
	Now    time.Time
}

// OrgMatch is an organization ranked by its best matching listings.
type OrgMatch struct {
	Organization *kakehashi.Organization `json:"organization"`
	Score        float64                 `json:"score"`
	// Listings are the ids of its matching listings, best first.
	Listings []int64 `json:"listings"`
}

// MatchResult holds the best listings on the other side and the
// organizations behind them.
type MatchResult struct {
	Listing       *kakehashi.Listing `json:"listing"`
	Hits          []Hit              `json:"hits"`
	Organizations []OrgMatch         `json:"organizations"`
}

// cachedOrg returns the cached organization with the given id, or nil.
func (e *Engine) cachedOrg(id int64) *kakehashi.Organization {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.orgs[id]
}

// candidates are ranked by text before structured fit re-ranks them.
const candidates = 100

// Match finds, for the listing with the given id, the best open listings of
// the other side (seeds for a need, needs for a seed) that viewer may see,
// and the organizations with the best of them. The score is text relevance
// times (0.75 + 0.25 × fit), where fit averages the structured checks.
func (e *Engine) Match(ctx context.Context, id int64, viewer *kakehashi.User, opt MatchOptions) (*MatchResult, error) {
	if opt.Limit <= 0 {
		opt.Limit = 10
	}
	if opt.Now.IsZero() {
		opt.Now = e.now()
	}
	ls, err := e.src.ListingsByID(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 || !kakehashi.CanSeeListing(viewer, ls[0]) {
		return nil, kakehashi.Errorf(kakehashi.ENOTFOUND, "listing %d not found", id)
	}
	return e.MatchListing(ctx, ls[0], viewer, opt)
}

// MatchListing is Match for a listing given whole, which need not be
// stored: the posting form previews a draft's matches with it. The listing
// is used as the viewer may see it.
func (e *Engine) MatchListing(ctx context.Context, l *kakehashi.Listing, viewer *kakehashi.User, opt MatchOptions) (*MatchResult, error) {
	if opt.Limit <= 0 {
		opt.Limit = 10
	}
	if opt.Now.IsZero() {
		opt.Now = e.now()
	}
	q := queryAs(viewer, l)
	if q == nil {
		return nil, kakehashi.Errorf(kakehashi.ENOTFOUND, "listing %d not found", l.ID)
	}
	f := opt.Filter
	f.Side = kakehashi.SideSeed
	if q.Side == kakehashi.SideSeed {
		f.Side = kakehashi.SideNeed
	}
	f.Open = true
	if err := f.Validate(); err != nil {
		return nil, err
	}
	wts := e.listingQuery(q, f.Monolingual)

	type fitted struct {
		s      scored
		meta   docMeta
		fit    []FitReason
		fitSum float64
	}
	var fs []fitted
	func() {
		e.mu.RLock()
		defer e.mu.RUnlock()
		accept := e.accept(f, viewer, opt.Now)
		ranked := e.rank(wts, candidates, func(doc uint32) bool {
			return (q.ID == 0 || e.meta[doc].listing != q.ID) && accept(doc)
		}, viewer)
		// The structured fit, like the text, uses only what the viewer may
		// see: the country of an owner they may not see (of the listing
		// matched, or of a candidate) is neither named nor used to rank.
		qm := e.metaOf(l)
		qHidden := q.OrgHidden
		fs = make([]fitted, len(ranked))
		for i, s := range ranked {
			m := e.meta[s.doc]
			fit, fitScore := structuredFit(&qm, &m, qHidden, !seesOwner(viewer, &m), opt.Now)
			fs[i] = fitted{s: scored{doc: s.doc, score: s.score * (0.75 + 0.25*fitScore)}, meta: m, fit: fit, fitSum: fitScore}
		}
	}()
	sort.Slice(fs, func(i, j int) bool { return better(hit(fs[i].s), hit(fs[j].s)) })

	res := &MatchResult{Listing: q}
	// Organizations: best listing, plus half the second and a quarter of
	// the third, so breadth counts but one strong match leads.
	type orgAcc struct {
		scores []float64
		ids    []int64
	}
	orgs := map[int64]*orgAcc{}
	var orgOrder []int64
	for _, x := range fs {
		if !seesOwner(viewer, &x.meta) {
			continue
		}
		a := orgs[x.meta.org]
		if a == nil {
			a = &orgAcc{}
			orgs[x.meta.org] = a
			orgOrder = append(orgOrder, x.meta.org)
		}
		a.scores = append(a.scores, x.s.score)
		a.ids = append(a.ids, x.meta.listing)
	}
	for _, oid := range orgOrder {
		a := orgs[oid]
		var s float64
		for i, v := range a.scores[:min(3, len(a.scores))] {
			s += v / float64(int(1)<<i)
		}
		o := e.cachedOrg(oid)
		if o == nil {
			continue
		}
		res.Organizations = append(res.Organizations, OrgMatch{Organization: o, Score: s, Listings: a.ids})
	}
	sort.SliceStable(res.Organizations, func(i, j int) bool {
		if res.Organizations[i].Score != res.Organizations[j].Score {
			return res.Organizations[i].Score > res.Organizations[j].Score
		}
		return res.Organizations[i].Organization.ID < res.Organizations[j].Organization.ID
	})
	if len(res.Organizations) > opt.Limit {
		res.Organizations = res.Organizations[:opt.Limit]
	}

	fs = fs[:min(len(fs), opt.Limit)]
	top := make([]scored, len(fs))
	metas := make([]docMeta, len(fs))
	for i, x := range fs {
		top[i], metas[i] = x.s, x.meta
	}
	hits, err := e.explain(ctx, top, metas, wts, viewer)
	if err != nil {
		return nil, err
	}
	for i := range hits {
		for _, x := range fs {
			if x.meta.listing == hits[i].Listing.ID {
				hits[i].Explanation.TextScore = x.s.score / (0.75 + 0.25*x.fitSum)
				hits[i].Explanation.Fit = x.fit
				hits[i].Explanation.FitScore = x.fitSum
			}
		}
	}
	res.Hits = hits
	return res, nil
}

// structuredFit compares a query listing q with a candidate c: compatible
// partnership types, TRL within the need's range, country preference and an
// open deadline. It returns each check and their average in [0, 1].
// qHidden and cHidden say that the viewer may not see the owner of q or of
// c: that owner's country is then unknown, and no check or explanation may
// depend on it.
func structuredFit(q, c *docMeta, qHidden, cHidden bool, now time.Time) ([]FitReason, float64) {
	need, seed := q, c
	needHidden, seedHidden := qHidden, cHidden
	if q.side == kakehashi.SideSeed {
		need, seed = c, q
		needHidden, seedHidden = cHidden, qHidden
	}
	var out []FitReason

	// Partnership types.
	switch {
	case need.partners == 0 || seed.partners == 0:
		out = append(out, FitReason{Check: "partnership", OK: true, Value: 0.5, Reason: "unstated",
			Detail: "no partnership type stated on one side"})
	case need.partners&seed.partners != 0:
		shared := partnerNames(need.partners & seed.partners)
		out = append(out, FitReason{Check: "partnership", OK: true, Value: 1, Reason: "shared", Args: []string{shared},
			Detail: "both want " + shared})
	default:
		n, s := partnerNames(need.partners), partnerNames(seed.partners)
		out = append(out, FitReason{Check: "partnership", OK: false, Value: 0, Reason: "disjoint", Args: []string{n, s},
			Detail: fmt.Sprintf("the need seeks %s; the seed offers %s", n, s)})
	}

	// TRL: a seed fits from one level below the need's TRL (a short
	// development step) to two above it (more mature is usually fine).
	lo, hi := int(need.trl)-1, int(need.trl)+2
	t := int(seed.trl)
	trlArgs := []string{strconv.Itoa(t), strconv.Itoa(max(lo, 1)), strconv.Itoa(min(hi, 9))}
	if t >= lo && t <= hi {
		out = append(out, FitReason{Check: "trl", OK: true, Value: 1, Reason: "inside", Args: trlArgs,
			Detail: fmt.Sprintf("seed TRL %d is within the need's range %d–%d", t, max(lo, 1), min(hi, 9))})
	} else {
		gap := lo - t
		if t > hi {
			gap = t - hi
		}
		out = append(out, FitReason{Check: "trl", OK: false, Value: max(0, 1-0.25*float64(gap)), Reason: "outside", Args: trlArgs,
			Detail: fmt.Sprintf("seed TRL %d is outside the need's range %d–%d", t, max(lo, 1), min(hi, 9))})
	}

	// Country preference, both ways. A hidden owner's country is unknown:
	// each case is decided by what the viewer sees, so that neither the
	// reason nor the value tells anything of it.
	switch {
	case !needHidden && need.country != "" && slices.Contains(seed.targets, need.country):
		out = append(out, FitReason{Check: "country", OK: true, Value: 1, Reason: "seed_targets", Args: []string{need.country},
			Detail: "the seed looks for partners in " + need.country + ", the need's country"})
	case !seedHidden && seed.country != "" && slices.Contains(need.targets, seed.country):
		out = append(out, FitReason{Check: "country", OK: true, Value: 1, Reason: "need_targets", Args: []string{seed.country},
			Detail: "the need looks for partners in " + seed.country + ", the seed's country"})
	case len(need.targets) == 0 && len(seed.targets) == 0:
		out = append(out, FitReason{Check: "country", OK: true, Value: 0.5, Reason: "unstated", Detail: "no target countries stated"})
	case needHidden || seedHidden:
		out = append(out, FitReason{Check: "country", OK: true, Value: 0.5, Reason: "hidden",
			Detail: "the country of a confidential listing's organization is not shown"})
	default:
		out = append(out, FitReason{Check: "country", OK: false, Value: 0, Reason: "elsewhere",
			Detail: "neither side's country is among the other's target countries"})
	}

	// Deadline.
	switch {
	case need.deadline == 0:
		out = append(out, FitReason{Check: "deadline", OK: true, Value: 1, Reason: "none", Detail: "no deadline"})
	case need.deadline >= now.Unix():
		day := time.Unix(need.deadline, 0).UTC().Format(time.DateOnly)
		days := strconv.FormatInt((need.deadline-now.Unix())/86400, 10)
		out = append(out, FitReason{Check: "deadline", OK: true, Value: 1, Reason: "open", Args: []string{day, days},
			Detail: "deadline " + day + ", in " + days + " days"})
	default:
		day := time.Unix(need.deadline, 0).UTC().Format(time.DateOnly)
		out = append(out, FitReason{Check: "deadline", OK: false, Value: 0, Reason: "passed", Args: []string{day},
			Detail: "deadline " + day + " has passed"})
	}

	var sum float64
	for _, r := range out {
		sum += r.Value
	}
	return out, sum / float64(len(out))
}

func partnerNames(mask uint8) string {
	var s string
	for i, p := range kakehashi.PartnershipTypes {
		if mask&(1<<i) != 0 {
			if s != "" {
				s += ", "
			}
			s += string(p)
		}
	}
	return s
}

// Ranked is a listing id with its text score.
type Ranked struct {
	ID    int64
	Score float64
}

// queryAs is listing l as viewer may use it as a query: what
// kakehashi.Redact leaves them, so that a ranking never depends on a body
// they may not read. An unsaved listing (no id) is the viewer's own text
// and is used whole; a stored one they may not see gives nil.
func queryAs(viewer *kakehashi.User, l *kakehashi.Listing) *kakehashi.Listing {
	if q := kakehashi.Redact(viewer, l); q != nil {
		return q
	}
	if l.ID == 0 {
		return l
	}
	return nil
}

// RankListing ranks, for a listing used as a query (which need not be
// stored), the k best listings that pass the filter, by text relevance only
// and without explanations: the hot path of Match, for benchmarks and batch
// jobs. Like Match it uses the listing as viewer may see it: a saved alert
// ranks with what the alert's owner may read, and a stored listing the
// viewer may not see ranks nothing.
func (e *Engine) RankListing(l *kakehashi.Listing, k int, f Filter, viewer *kakehashi.User) []Ranked {
	l = queryAs(viewer, l)
	if l == nil {
		return nil
	}
	wts := e.listingQuery(l, f.Monolingual)
	e.mu.RLock()
	defer e.mu.RUnlock()
	accept := e.accept(f, viewer, e.now())
	ranked := e.rank(wts, k, accept, viewer)
	out := make([]Ranked, len(ranked))
	for i, s := range ranked {
		out[i] = Ranked{ID: e.meta[s.doc].listing, Score: s.score}
	}
	return out
}
