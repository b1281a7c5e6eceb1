package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// homeData is the home page.
type homeData struct {
	Seeds, Needs, Orgs int
	Newest             map[string][]search.Hit
	// Chart is the JSON the country chart is drawn from.
	Chart template.JS
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	viewer := kakehashi.UserFromContext(ctx)
	orgs, err := h.store.CountOrganizations(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := homeData{Orgs: orgs, Newest: map[string][]search.Hit{}}
	// The counts, the newest listings and the open listings by owner country
	// and side all come from the search of what the viewer may see: the
	// counts are the totals of the searches they link to (exact with facets),
	// never the database's count of everything.
	lang := langOf(r)
	type series struct {
		Label string `json:"label"`
		Data  []int  `json:"data"`
	}
	chart := struct {
		Labels []string `json:"labels"`
		Series []series `json:"series"`
	}{}
	perSide := map[kakehashi.Side]map[string]int{}
	total := map[string]int{}
	for _, side := range kakehashi.Sides {
		res, err := h.engine.Search(ctx, search.Query{Viewer: viewer, Limit: 5, Facets: true, Filter: search.Filter{Side: side, Open: true}, Now: h.now()})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Newest[string(side)] = res.Hits
		if side == kakehashi.SideSeed {
			d.Seeds = res.Total
		} else {
			d.Needs = res.Total
		}
		perSide[side] = res.Facets["country"]
		for cc, n := range res.Facets["country"] {
			total[cc] += n
		}
	}
	ccs := make([]string, 0, len(total))
	for cc := range total {
		ccs = append(ccs, cc)
	}
	sort.Slice(ccs, func(i, j int) bool {
		return cmp.Or(cmp.Compare(total[ccs[j]], total[ccs[i]]), cmp.Compare(ccs[i], ccs[j])) < 0
	})
	ccs = ccs[:min(len(ccs), 10)]
	for _, cc := range ccs {
		chart.Labels = append(chart.Labels, h.text.countryName(lang, cc))
	}
	for _, side := range kakehashi.Sides {
		s := series{Label: h.text.label(lang, string(side))}
		for _, cc := range ccs {
			s.Data = append(s.Data, perSide[side][cc])
		}
		chart.Series = append(chart.Series, s)
	}
	b, _ := json.Marshal(chart)
	d.Chart = template.JS(b)
	h.render(w, r, http.StatusOK, "home", h.view(r, "", d))
}

// facetOption is one value of a facet with its count.
type facetOption struct {
	Value, Label string
	Count        int
	Selected     bool
}

// searchData is the search page.
type searchData struct {
	Q       string
	Filter  search.Filter
	Result  *search.Result
	Hits    []hitView
	Facets  map[string][]facetOption
	Page    int
	PrevURL string
	NextURL string
	Error   string
	Any     bool // any filter set
}

// hitView is a result with its snippet split into plain and marked parts.
type hitView struct {
	search.Hit
	Snippet []segment
	Org     *kakehashi.Organization
	// Translations are the query translations that found the hit, such as
	// "電池 → battery".
	Translations []string
}

// translations lists the distinct translations among matched terms.
func translations(terms []search.TermMatch) []string {
	var out []string
	for _, t := range terms {
		if t.Translation != "" && !slices.Contains(out, t.Translation) {
			out = append(out, t.Translation)
		}
	}
	return out
}

type segment struct {
	Text string
	Mark bool
}

const pageSize = 10

// maxSearchPage is the deepest search page: its results start at the
// engine's MaxOffset.
const maxSearchPage = search.MaxOffset/pageSize + 1

// wholeParam reads query parameter name as a whole number from lo to hi;
// empty is def. Anything else (not a number, out of range, too large for
// an int) is recorded in p as a problem naming the parameter, and def is
// returned.
func wholeParam(p *kakehashi.Problems, q url.Values, name string, lo, hi, def int) int {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.Add(name, "must be a whole number from %d to %d", lo, hi)
		return def
	}
	return n
}

// search shows the search page. A parameter out of range (page, TRL,
// filters, a query longer than the engine takes) is answered 400 with the
// search page saying which, showing the query's first page without the
// parameters in error.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := searchData{Q: strings.TrimSpace(q.Get("q"))}
	f := search.Filter{
		Side: kakehashi.Side(q.Get("side")), Kind: kakehashi.ListingKind(q.Get("kind")), Country: q.Get("country"),
		Language: q.Get("language"), Partnership: kakehashi.PartnershipType(q.Get("partnership")), Open: q.Get("open") == "1",
		Monolingual: q.Get("monolingual") == "1",
	}
	if v := q.Get("field"); v != "" {
		f.Fields = []string{v}
	}
	if v := q.Get("sector"); v != "" {
		f.Sectors = []string{v}
	}
	var p kakehashi.Problems
	f.TRLMin = wholeParam(&p, q, "trl_min", 1, 9, 0)
	f.TRLMax = wholeParam(&p, q, "trl_max", 1, 9, 0)
	d.Page = wholeParam(&p, q, "page", 1, maxSearchPage, 1)
	d.Filter = f
	d.Any = f.Side != "" || f.Kind != "" || f.Country != "" || f.Language != "" || f.Partnership != "" || f.Open || f.Monolingual ||
		len(f.Fields) > 0 || len(f.Sectors) > 0 || f.TRLMin > 0 || f.TRLMax > 0
	lang := langOf(r)
	viewer := kakehashi.UserFromContext(ctx)
	sq := search.Query{Text: d.Q, Filter: f, Viewer: viewer, Offset: (d.Page - 1) * pageSize, Limit: pageSize, Facets: true, Now: h.now()}
	for _, fe := range kakehashi.FieldErrors(sq.Validate()) {
		p.Add(fe.Field, "%s", fe.Message)
	}
	status := http.StatusOK
	res := &search.Result{}
	var err error
	if bad := kakehashi.FieldErrors(p.Err("search")); len(bad) > 0 {
		status = http.StatusBadRequest
		var msgs []string
		textOK := true
		for _, fe := range bad {
			msgs = append(msgs, fe.Field+": "+validationMessage(lang, fe.Message))
			textOK = textOK && fe.Field != "q"
		}
		d.Error = strings.Join(msgs, "; ")
		d.Page = 1
		if textOK {
			res, err = h.engine.Search(ctx, search.Query{Text: d.Q, Viewer: viewer, Limit: pageSize, Facets: true, Now: h.now()})
		}
	} else {
		res, err = h.engine.Search(ctx, sq)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Result = res
	orgs := h.orgCache(r)
	for _, hit := range res.Hits {
		hv := hitView{Hit: hit, Snippet: snippet(hit.Listing, hit.Explanation.Terms), Translations: translations(hit.Explanation.Terms)}
		if hit.Listing.OrgID != 0 {
			hv.Org = orgs(hit.Listing.OrgID)
		}
		d.Hits = append(d.Hits, hv)
	}
	d.Facets = h.facetOptions(lang, res.Facets, f)
	if d.Page > 1 {
		// A page past the results links back to the last one with some
		// (the total is exact: facets were counted).
		last := max(1, (res.Total+pageSize-1)/pageSize)
		d.PrevURL = pageURL(q, min(d.Page-1, last))
	}
	if res.More && d.Page < maxSearchPage {
		d.NextURL = pageURL(q, d.Page+1)
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("Cache-Control", "no-store")
	}
	h.render(w, r, status, "search", h.view(r, h.text.translate(lang, "search.title"), d))
}

func pageURL(q url.Values, page int) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	c.Set("page", strconv.Itoa(page))
	return "/search?" + c.Encode()
}

// facetOptions turns facet counts into sorted options, keeping a selected
// value listed even when nothing matches it.
func (h *Handler) facetOptions(lang string, facets map[string]map[string]int, f search.Filter) map[string][]facetOption {
	selected := map[string]string{"side": string(f.Side), "kind": string(f.Kind), "country": f.Country, "language": f.Language,
		"partnership": string(f.Partnership)}
	if len(f.Fields) > 0 {
		selected["field"] = f.Fields[0]
	}
	if len(f.Sectors) > 0 {
		selected["sector"] = f.Sectors[0]
	}
	out := map[string][]facetOption{}
	for name, counts := range facets {
		var opts []facetOption
		for v, n := range counts {
			opts = append(opts, facetOption{Value: v, Count: n, Selected: selected[name] == v, Label: h.facetLabel(lang, name, v)})
		}
		if s := selected[name]; s != "" && counts[s] == 0 {
			opts = append(opts, facetOption{Value: s, Selected: true, Label: h.facetLabel(lang, name, s)})
		}
		sort.Slice(opts, func(i, j int) bool {
			if name == "trl" || name == "field" {
				return opts[i].Value < opts[j].Value
			}
			return cmp.Or(cmp.Compare(opts[j].Count, opts[i].Count), cmp.Compare(opts[i].Label, opts[j].Label)) < 0
		})
		out[name] = opts
	}
	return out
}

func (h *Handler) facetLabel(lang, facet, v string) string {
	switch facet {
	case "country":
		return h.text.countryName(lang, v)
	case "field":
		return fieldName(v)
	case "trl":
		return "TRL " + v
	}
	return h.text.label(lang, v)
}

// snippet picks the part of the summary (or body) around the first matched
// term and marks every matched surface form in it.
func snippet(l *kakehashi.Listing, terms []search.TermMatch) []segment {
	var surfaces []string
	for _, t := range terms {
		surfaces = append(surfaces, t.Surfaces...)
	}
	text := l.Summary
	if l.Body != "" && firstMatch(l.Summary, surfaces) < 0 && firstMatch(l.Body, surfaces) >= 0 {
		text = l.Body
	}
	const width = 220
	if utf8.RuneCountInString(text) > width {
		start := max(0, firstMatch(text, surfaces)-60)
		for start > 0 && !utf8.RuneStart(text[start]) {
			start--
		}
		r := []rune(text[start:])
		cut := string(r[:min(len(r), width)])
		if start > 0 {
			cut = "…" + cut
		}
		if len(r) > width {
			cut += "…"
		}
		text = cut
	}
	return markSegments(text, surfaces)
}

func firstMatch(text string, surfaces []string) int {
	lower := strings.ToLower(text)
	best := -1
	for _, s := range surfaces {
		if i := strings.Index(lower, strings.ToLower(s)); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// markSegments splits text into runs, marking each occurrence of a surface
// (case-insensitively, longest first).
func markSegments(text string, surfaces []string) []segment {
	surfaces = slices.Clone(surfaces)
	sort.Slice(surfaces, func(i, j int) bool { return len(surfaces[i]) > len(surfaces[j]) })
	lower := strings.ToLower(text)
	var out []segment
	plain := 0
	for i := 0; i < len(text); {
		hit := ""
		for _, s := range surfaces {
			if s != "" && len(strings.ToLower(s)) == len(s) && strings.HasPrefix(lower[i:], strings.ToLower(s)) {
				hit = s
				break
			}
		}
		// Latin surfaces must start at a word boundary.
		if hit != "" && isLatin(hit) && i > 0 && isWordByte(text[i-1]) {
			hit = ""
		}
		if hit == "" {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			continue
		}
		if plain < i {
			out = append(out, segment{Text: text[plain:i]})
		}
		out = append(out, segment{Text: text[i : i+len(hit)], Mark: true})
		i += len(hit)
		plain = i
	}
	if plain < len(text) {
		out = append(out, segment{Text: text[plain:]})
	}
	return out
}

func isLatin(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// orgCache returns a function that loads organizations once per request.
func (h *Handler) orgCache(r *http.Request) func(int64) *kakehashi.Organization {
	cache := map[int64]*kakehashi.Organization{}
	return func(id int64) *kakehashi.Organization {
		if o, ok := cache[id]; ok {
			return o
		}
		o, err := h.store.Organization(r.Context(), id)
		if err != nil {
			o = nil
		}
		cache[id] = o
		return o
	}
}

// listingData is the listing page.
type listingData struct {
	L       *kakehashi.Listing
	Org     *kakehashi.Organization
	CanEdit bool
	Matches *search.MatchResult
	Hits    []hitView
	Best    float64
	Saved   bool
	// Monolingual shows only matches in the listing's own language.
	Monolingual bool
}

func (h *Handler) pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, kakehashi.Errorf(kakehashi.ENOTFOUND, "no such id %q", r.PathValue("id"))
	}
	return id, nil
}

// visibleListing loads a listing as the viewer may see it.
func (h *Handler) visibleListing(r *http.Request) (*kakehashi.Listing, *kakehashi.Listing, error) {
	id, err := h.pathID(r)
	if err != nil {
		return nil, nil, err
	}
	l, err := h.store.Listing(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	shown := kakehashi.Redact(kakehashi.UserFromContext(r.Context()), l)
	if shown == nil {
		return nil, nil, kakehashi.Errorf(kakehashi.ENOTFOUND, "listing %d not found", id)
	}
	return l, shown, nil
}

func (h *Handler) listing(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	viewer := kakehashi.UserFromContext(ctx)
	stored, l, err := h.visibleListing(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := listingData{L: l, CanEdit: kakehashi.CanEditListing(viewer, stored), Saved: r.URL.Query().Get("saved") == "1"}
	if l.OrgID != 0 {
		d.Org, _ = h.store.Organization(ctx, l.OrgID)
	}
	d.Monolingual = r.URL.Query().Get("monolingual") == "1"
	m, err := h.engine.Match(ctx, l.ID, viewer, search.MatchOptions{Limit: 8, Now: h.now(), Filter: search.Filter{Monolingual: d.Monolingual}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(m.Organizations) > 0 {
		top := m.Organizations[0].Score
		m.Organizations = slices.DeleteFunc(m.Organizations, func(o search.OrgMatch) bool { return o.Score < weakMatch*top })
	}
	d.Matches = m
	d.Hits, d.Best = h.matchViews(r, m)
	h.render(w, r, http.StatusOK, "listing", h.view(r, l.Title, d))
}

// weakMatch is the share of the best match's score below which a match is
// not shown: with few listings on the other side, the tail shares only
// common words and would bury the real matches.
const weakMatch = 0.25

// matchViews prepares matches for display, with the best score for scaling
// the score bars.
func (h *Handler) matchViews(r *http.Request, m *search.MatchResult) ([]hitView, float64) {
	orgs := h.orgCache(r)
	var best float64
	for _, hit := range m.Hits {
		best = max(best, hit.Score)
	}
	var out []hitView
	for _, hit := range m.Hits {
		if hit.Score < weakMatch*best {
			continue
		}
		hv := hitView{Hit: hit, Snippet: snippet(hit.Listing, hit.Explanation.Terms), Translations: translations(hit.Explanation.Terms)}
		if hit.Listing.OrgID != 0 {
			hv.Org = orgs(hit.Listing.OrgID)
		}
		out = append(out, hv)
	}
	return out, max(best, 1e-9)
}

// orgData is the organization page.
type orgData struct {
	O     *kakehashi.Organization
	Seeds []*kakehashi.Listing
	Needs []*kakehashi.Listing
	// Screening is set for coordinators and admins.
	Screening *screeningView
}

func (h *Handler) organization(w http.ResponseWriter, r *http.Request) {
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderOrganization(w, r, id, http.StatusOK, nil, "")
}

// renderOrganization shows an organization's page; coordinators also see
// its export-control screening, with the errors of a decision just sent.
func (h *Handler) renderOrganization(w http.ResponseWriter, r *http.Request, id int64, status int, errs map[string]string, reason string) {
	ctx := r.Context()
	o, err := h.store.Organization(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	viewer := kakehashi.UserFromContext(ctx)
	ls, err := h.store.Listings(ctx, kakehashi.ListingFilter{OrgID: id, Limit: 500}, viewer)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := orgData{O: o}
	if d.Screening, err = h.screeningOf(ctx, viewer, id); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Screening != nil {
		d.Screening.Errors, d.Screening.Reason = errs, reason
	}
	for _, l := range ls {
		if l = kakehashi.Redact(viewer, l); l == nil || l.OrgHidden {
			continue
		}
		if l.Side == kakehashi.SideSeed {
			d.Seeds = append(d.Seeds, l)
		} else {
			d.Needs = append(d.Needs, l)
		}
	}
	h.render(w, r, status, "org", h.view(r, o.Name, d))
}

// loginData is the sign-in page.
type loginData struct {
	Email, Next, Error string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	h.render(w, r, http.StatusOK, "login", h.view(r, h.text.translate(lang, "login.title"), loginData{Next: safeNext(r.URL.Query().Get("next"))}))
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	email, pw, next := r.PostFormValue("email"), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	_, cookie, err := h.auth.SignIn(r.Context(), email, pw)
	if err != nil {
		d := loginData{Email: email, Next: next, Error: h.text.translate(lang, "login.failed")}
		status := http.StatusUnauthorized
		var retry interface{ RetryAfter() time.Duration }
		if errors.As(err, &retry) {
			wait := retry.RetryAfter()
			minutes := int((wait + time.Minute - 1) / time.Minute)
			d.Error, status = h.text.translate(lang, "login.toomany", max(minutes, 1)), http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		} else if kakehashi.ErrorCode(err) != kakehashi.EUNAUTHORIZED {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, status, "login", h.view(r, h.text.translate(lang, "login.title"), d))
		return
	}
	http.SetCookie(w, cookie)
	if next == "/" {
		next = "/dashboard"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	cookie, err := h.auth.SignOut(r.Context(), r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.SetCookie(w, cookie)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// dashData is the signed-in user's dashboard.
type dashData struct {
	Org      *kakehashi.Organization
	Listings []*kakehashi.Listing
	Matches  []dashMatch
}

type dashMatch struct {
	For  *kakehashi.Listing
	Hits []hitView
	Best float64
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	ctx := r.Context()
	d := dashData{}
	if u.OrgID != 0 {
		var err error
		if d.Org, err = h.store.Organization(ctx, u.OrgID); err != nil {
			h.fail(w, r, err)
			return
		}
		if d.Listings, err = h.store.Listings(ctx, kakehashi.ListingFilter{OrgID: u.OrgID, Limit: 200}, u); err != nil {
			h.fail(w, r, err)
			return
		}
		// Newest matches for the most recently updated open listings.
		open := slices.Clone(d.Listings)
		open = slices.DeleteFunc(open, func(l *kakehashi.Listing) bool { return l.Status != kakehashi.StatusOpen })
		sort.SliceStable(open, func(i, j int) bool { return open[i].UpdatedAt.After(open[j].UpdatedAt) })
		for _, l := range open[:min(3, len(open))] {
			m, err := h.engine.Match(ctx, l.ID, u, search.MatchOptions{Limit: 3, Now: h.now()})
			if err != nil {
				h.fail(w, r, err)
				return
			}
			hits, best := h.matchViews(r, m)
			d.Matches = append(d.Matches, dashMatch{For: l, Hits: hits, Best: best})
		}
	}
	h.render(w, r, http.StatusOK, "dashboard", h.view(r, h.text.translate(langOf(r), "dash.title"), d))
}
