package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

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
