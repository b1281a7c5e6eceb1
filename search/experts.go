package search

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/textproc"
)

// Expert finding ranks people, not listings, for a need. A researcher is
// evidence of two kinds, scored with the same BM25F weights and the same
// idf (the listing corpus's) as listing matches, so that the two add up:
//
//   - the profile: expertise keywords, the names of their fields of science,
//     publication titles and position + bio, indexed as one document per
//     researcher in a small people index whose four fields stand where a
//     listing's title, keywords, summary and body stand;
//   - the seeds they are behind: the need is matched against the linked
//     seeds in the listing index, and a person's seed score is their best
//     seed plus half the second and a quarter of the third, as for
//     organizations in Match.
//
// Text relevance (profile + seeds) is then scaled by field fit, 0.8 + 0.2 ×
// fit, where fit is 1 when the need and the person share an OECD field, 0.5
// when either states none and 0 otherwise. Every expert is explained by the
// need's terms found in the profile (with the profile field they are in),
// the matching seeds with their own term explanations, and the shared
// fields.
//
// A seed is evidence only when the viewer sees it in full: naming the person
// behind a confidential seed would name its owner.

// ResearcherSource is where expert finding reads people: the store.
type ResearcherSource interface {
	Researchers(ctx context.Context, f kakehashi.ResearcherFilter) ([]*kakehashi.Researcher, error)
	// ResearchersStamp changes whenever a researcher or a link is written.
	ResearchersStamp(ctx context.Context) (string, error)
}

// ExpertFilter restricts expert finding. Zero values do not filter.
type ExpertFilter struct {
	// Country and OrgKind are those of the researcher's organization.
	Country     string
	OrgKind     kakehashi.OrgKind
	CareerStage kakehashi.CareerStage
	// OpenTo is one of kakehashi.OpenToValues.
	OpenTo string
}

// Validate reports invalid filter values.
func (f ExpertFilter) Validate() error {
	rf := kakehashi.ResearcherFilter{Country: f.Country, OrgKind: f.OrgKind, CareerStage: f.CareerStage, OpenTo: f.OpenTo}
	if err := rf.Validate(); err != nil {
		e := err.(*kakehashi.Error)
		return &kakehashi.Error{Code: e.Code, Message: "invalid expert filter", Fields: e.Fields}
	}
	return nil
}

// ExpertOptions tune Experts.
type ExpertOptions struct {
	Limit  int
	Filter ExpertFilter
}

// ProfileFields name the parts of a researcher profile in explanations, in
// the order of the index fields they are stored in.
var ProfileFields = [numFields]string{"expertise", "fields", "publications", "bio"}

// ExpertExplanation says why a person was found.
type ExpertExplanation struct {
	// ProfileScore is the text relevance of the profile; Terms are the
	// need's terms found there, each with the profile fields they are in
	// (expertise, fields, publications, bio) and its contribution.
	ProfileScore float64     `json:"profile_score"`
	Terms        []TermMatch `json:"terms"`
	// SeedScore aggregates the matching seeds; Seeds are the best three,
	// each explained like a listing match.
	SeedScore float64 `json:"seed_score"`
	Seeds     []Hit   `json:"seeds"`
	// SharedFields are the OECD Fields of Science codes the need and the
	// person share; FieldFit is 1 when there are some, 0.5 when either
	// side states none, else 0.
	SharedFields []string `json:"shared_fields"`
	FieldFit     float64  `json:"field_fit"`
}

// Expert is a person ranked for a need.
type Expert struct {
	// Researcher is the profile, its listing ids cut to those the viewer
	// sees in full.
	Researcher   *kakehashi.Researcher   `json:"researcher"`
	Organization *kakehashi.Organization `json:"organization,omitempty"`
	Score        float64                 `json:"score"`
	Explanation  ExpertExplanation       `json:"explanation"`
}

// ExpertResult holds the people who could work on a need.
type ExpertResult struct {
	Listing *kakehashi.Listing `json:"listing"`
	Experts []Expert           `json:"experts"`
}

// expertCache holds the people index, rebuilt when the researchers stamp
// changes.
type expertCache struct {
	mu  sync.Mutex
	cur *peopleIndex
}

// peopleIndex is an immutable index of researcher profiles.
type peopleIndex struct {
	stamp  string
	ix     *index
	people []*kakehashi.Researcher // by document
	orgs   map[int64]*kakehashi.Organization
	// bySeed lists, per linked listing, the documents of its researchers.
	bySeed map[int64][]uint32
}

// people returns the current people index, rebuilding it when src says
// researchers have changed since it was built.
func (e *Engine) people(ctx context.Context, src ResearcherSource) (*peopleIndex, error) {
	stamp, err := src.ResearchersStamp(ctx)
	if err != nil {
		return nil, err
	}
	c := &e.experts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && c.cur.stamp == stamp {
		return c.cur, nil
	}
	var all []*kakehashi.Researcher
	for after := int64(0); ; {
		page, err := src.Researchers(ctx, kakehashi.ResearcherFilter{After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("read researchers: %w", err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	pi := &peopleIndex{stamp: stamp, people: all, orgs: map[int64]*kakehashi.Organization{}, bySeed: map[int64][]uint32{}}
	var toks []textproc.Token
	docs := make([]docText, len(all))
	var sum [numFields]float64
	for i, r := range all {
		docs[i] = e.analyzeTexts(profileTexts(r), &toks)
		for f := range numFields {
			sum[f] += float64(docs[i].length[f])
		}
		if r.OrgID != 0 && pi.orgs[r.OrgID] == nil {
			o, err := e.src.Organization(ctx, r.OrgID)
			if err != nil {
				return nil, fmt.Errorf("read organization %d: %w", r.OrgID, err)
			}
			pi.orgs[r.OrgID] = o
		}
	}
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = sum[f] / float64(max(len(all), 1))
	}
	pi.ix = newIndex(e.params, avg)
	for i, r := range all {
		doc := pi.ix.add(&docs[i])
		for _, lid := range r.ListingIDs {
			pi.bySeed[lid] = append(pi.bySeed[lid], doc)
		}
	}
	pi.ix.trim()
	c.cur = pi
	e.log.Info("people index built", "researchers", len(all), "terms", len(pi.ix.lists))
	return pi, nil
}

// profileTexts returns a researcher's text per index field.
func profileTexts(r *kakehashi.Researcher) [numFields]string {
	var t [numFields]string
	t[FieldTitle] = joinKeywords(r.Keywords)
	names := make([]string, 0, len(r.Fields))
	for _, f := range r.Fields {
		names = append(names, kakehashi.FieldsOfScience[f])
	}
	t[FieldKeywords] = joinKeywords(names)
	titles := make([]string, 0, len(r.Publications))
	for _, p := range r.Publications {
		titles = append(titles, p.Title)
	}
	t[FieldSummary] = joinKeywords(titles)
	t[FieldBody] = strings.TrimSpace(r.Position + "\n" + r.Bio)
	return t
}

// analyzeTexts turns field texts into field term frequencies.
func (e *Engine) analyzeTexts(texts [numFields]string, buf *[]textproc.Token) docText {
	acc := map[string]*[numFields]uint16{}
	var order []string
	var d docText
	for f, text := range texts {
		toks := e.an.AppendTokens((*buf)[:0], text)
		*buf = toks
		d.length[f] = len(toks)
		for _, t := range toks {
			tf := acc[t.Term]
			if tf == nil {
				tf = new([numFields]uint16)
				acc[t.Term] = tf
				order = append(order, t.Term)
			}
			if tf[f] < 65535 {
				tf[f]++
			}
		}
	}
	d.terms = make([]termFreq, 0, len(order))
	for _, term := range order {
		d.terms = append(d.terms, termFreq{term: term, tf: *acc[term]})
	}
	return d
}

// expertCandidates bounds the profiles and seeds ranked before combining.
const expertCandidates = 1000

// Experts ranks the people who could work on the need with the given id,
// as viewer may see it, reading profiles from src.
func (e *Engine) Experts(ctx context.Context, src ResearcherSource, id int64, viewer *kakehashi.User, opt ExpertOptions) (*ExpertResult, error) {
	ls, err := e.src.ListingsByID(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 || !kakehashi.CanSeeListing(viewer, ls[0]) {
		return nil, kakehashi.Errorf(kakehashi.ENOTFOUND, "listing %d not found", id)
	}
	return e.ExpertsFor(ctx, src, ls[0], viewer, opt)
}

// ExpertsFor is Experts for a listing given whole.
func (e *Engine) ExpertsFor(ctx context.Context, src ResearcherSource, l *kakehashi.Listing, viewer *kakehashi.User, opt ExpertOptions) (*ExpertResult, error) {
	if err := opt.Filter.Validate(); err != nil {
		return nil, err
	}
	if l.Side != kakehashi.SideNeed {
		return nil, &kakehashi.Error{Code: kakehashi.EINVALID, Message: "experts are found for needs",
			Fields: []kakehashi.FieldError{{Field: "id", Message: fmt.Sprintf("listing %d is a seed, not a need", l.ID)}}}
	}
	if opt.Limit <= 0 {
		opt.Limit = 10
	}
	q := kakehashi.Redact(viewer, l)
	if q == nil {
		q = l
	}
	pi, err := e.people(ctx, src)
	if err != nil {
		return nil, err
	}
	wts := e.ListingTerms(q)

	type cand struct {
		doc     uint32
		profile float64
		seeds   []scored // best first
	}
	cands := map[uint32]*cand{}
	get := func(doc uint32) *cand {
		c := cands[doc]
		if c == nil {
			c = &cand{doc: doc}
			cands[doc] = c
		}
		return c
	}
	acceptPerson := func(doc uint32) bool {
		r := pi.people[doc]
		f := opt.Filter
		o := pi.orgs[r.OrgID]
		switch {
		case f.CareerStage != "" && r.Career != f.CareerStage,
			!r.OpenTo.Has(f.OpenTo),
			f.Country != "" && (o == nil || o.Country != f.Country),
			f.OrgKind != "" && (o == nil || o.Kind != f.OrgKind):
			return false
		}
		return true
	}

	seedMeta := map[uint32]docMeta{}
	func() {
		e.mu.RLock()
		defer e.mu.RUnlock()
		for _, h := range pi.ix.search(e.resolvePeople(pi.ix, wts), expertCandidates, acceptPerson) {
			get(h.doc).profile = h.score
		}
		seedRanked := e.rank(wts, min(len(pi.bySeed), expertCandidates), func(doc uint32) bool {
			m := &e.meta[doc]
			return m.side == kakehashi.SideSeed && len(pi.bySeed[m.listing]) > 0 && seesOwner(viewer, m)
		}, viewer)
		for _, s := range seedRanked {
			m := e.meta[s.doc]
			seedMeta[s.doc] = m
			for _, pdoc := range pi.bySeed[m.listing] {
				if acceptPerson(pdoc) {
					c := get(pdoc)
					c.seeds = append(c.seeds, s)
				}
			}
		}
	}()

	type ranked struct {
		c                           *cand
		seedScore, fit, score, text float64
		shared                      []string
	}
	var rs []ranked
	for _, c := range cands {
		var seedScore float64
		for i, s := range c.seeds[:min(3, len(c.seeds))] {
			seedScore += s.score / float64(int(1)<<i)
		}
		text := c.profile + seedScore
		if text <= 0 {
			continue
		}
		shared, fit := fieldFit(q.Fields, pi.people[c.doc].Fields)
		rs = append(rs, ranked{c: c, seedScore: seedScore, fit: fit, text: text, shared: shared, score: text * (0.8 + 0.2*fit)})
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].score != rs[j].score {
			return rs[i].score > rs[j].score
		}
		return pi.people[rs[i].c.doc].ID < pi.people[rs[j].c.doc].ID
	})
	rs = rs[:min(len(rs), opt.Limit)]

	res := &ExpertResult{Listing: q, Experts: []Expert{}}
	for _, x := range rs {
		r := *pi.people[x.c.doc]
		r.ListingIDs = e.visibleListingIDs(&r, viewer)
		top := x.c.seeds[:min(3, len(x.c.seeds))]
		metas := make([]docMeta, len(top))
		for i, s := range top {
			metas[i] = seedMeta[s.doc]
		}
		seeds, err := e.explain(ctx, top, metas, wts, viewer)
		if err != nil {
			return nil, err
		}
		res.Experts = append(res.Experts, Expert{
			Researcher: &r, Organization: pi.orgs[r.OrgID], Score: x.score,
			Explanation: ExpertExplanation{
				ProfileScore: x.c.profile, Terms: e.profileTermMatches(pi, &r, wts),
				SeedScore: x.seedScore, Seeds: seeds, SharedFields: x.shared, FieldFit: x.fit,
			},
		})
	}
	return res, nil
}

// visibleListingIDs returns the ids of r's listings that viewer may see,
// judged on the indexed copies.
func (e *Engine) visibleListingIDs(r *kakehashi.Researcher, viewer *kakehashi.User) []int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return r.VisibleListingIDs(viewer, func(id int64) *kakehashi.Listing {
		doc, ok := e.byListing[id]
		if !ok {
			return nil
		}
		m := &e.meta[doc]
		return &kakehashi.Listing{ID: m.listing, OrgID: m.org, Status: m.status, Visibility: m.visibility}
	})
}

// fieldFit compares the fields of a need and a person.
func fieldFit(need, person []string) ([]string, float64) {
	shared := []string{}
	for _, f := range need {
		if slices.Contains(person, f) {
			shared = append(shared, f)
		}
	}
	switch {
	case len(shared) > 0:
		return shared, 1
	case len(need) == 0 || len(person) == 0:
		return shared, 0.5
	}
	return shared, 0
}

// profileTermMatches finds where each of the need's terms occurs in a
// profile, with its contribution to the profile score.
func (e *Engine) profileTermMatches(pi *peopleIndex, r *kakehashi.Researcher, wts []weightedTerm) []TermMatch {
	want := map[string]bool{}
	for _, w := range wts {
		want[w.term] = true
	}
	type occ struct {
		fields   [numFields]int
		surfaces []string
	}
	found := map[string]*occ{}
	var toks []textproc.Token
	var length [numFields]int
	for f, text := range profileTexts(r) {
		toks = e.an.AppendTokens(toks[:0], text)
		length[f] = len(toks)
		for _, t := range toks {
			if !want[t.Term] {
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
	out := []TermMatch{}
	for _, w := range wts {
		o := found[w.term]
		if o == nil {
			continue
		}
		tm := TermMatch{Term: w.term, Surfaces: o.surfaces, Query: w.surface}
		var tf [numFields]uint16
		for f := range numFields {
			if o.fields[f] > 0 {
				tm.Fields = append(tm.Fields, ProfileFields[f])
				tf[f] = uint16(min(o.fields[f], 65535))
			}
		}
		tm.Contribution = w.weight * e.peopleIDF(w.term) * float64(pi.ix.impact(tf, length)) / impactScale
		out = append(out, tm)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Contribution > out[j].Contribution })
	return out
}

// minPeopleIDF floors the idf of profile terms. The listing index counts
// replaced versions of a listing in document frequencies until it is
// rebuilt, so a term in nearly every listing of a much-edited corpus can
// get a negative idf; a profile term must never count against a person.
const minPeopleIDF = 0.01

// peopleIDF is the listing corpus's idf of term, floored. The caller holds
// e.mu.
func (e *Engine) peopleIDF(term string) float64 { return max(e.pub.idfOf(term), minPeopleIDF) }

// resolvePeople turns weighted terms into people-index query terms; terms
// no profile has are dropped. The caller holds e.mu.
func (e *Engine) resolvePeople(ix *index, wts []weightedTerm) []queryTerm {
	out := make([]queryTerm, 0, len(wts))
	for _, w := range wts {
		if id, ok := ix.termIDs[w.term]; ok {
			out = append(out, queryTerm{id: id, weight: w.weight * e.peopleIDF(w.term)})
		}
	}
	return out
}
