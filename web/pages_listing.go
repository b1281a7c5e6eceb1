package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

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
