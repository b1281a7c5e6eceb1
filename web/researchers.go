package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// Researcher profiles and "Who could work on this?": the list and search of
// people, a public profile page, the form to create or edit a profile, and
// the experts of a need, shown on the need's page and on a page of their own
// with filters.

// ResearcherStore is what the researcher pages need of the store.
type ResearcherStore interface {
	kakehashi.ResearcherService
	ResearchersStamp(ctx context.Context) (string, error)
	ListingsByID(ctx context.Context, ids []int64) ([]*kakehashi.Listing, error)
}

// expertFinder ranks people for a need; the search engine is one.
type expertFinder interface {
	Experts(ctx context.Context, src search.ResearcherSource, id int64, viewer *kakehashi.User, opt search.ExpertOptions) (*search.ExpertResult, error)
}

func (h *Handler) registerResearchers() {
	h.handle("GET /researchers", h.researchers)
	h.handle("GET /researchers/new", h.newResearcher)
	h.handle("POST /researchers/new", h.createResearcher)
	h.handle("GET /researchers/{id}", h.researcher)
	h.handle("GET /researchers/{id}/edit", h.editResearcher)
	h.handle("POST /researchers/{id}/edit", h.updateResearcher)
	h.handle("GET /listings/{id}/experts", h.experts)
}

// CareerName names a career stage in the reader's language.
func (v *view) CareerName(s kakehashi.CareerStage) string { return v.T("career." + string(s)) }

// CareerStages lists the career stages for forms and filters.
func (v *view) CareerStages() []kakehashi.CareerStage { return kakehashi.CareerStages }

// OrgKinds lists the organization kinds for filters.
func (v *view) OrgKinds() []kakehashi.OrgKind { return kakehashi.OrgKinds }

// OpenToValues lists the openness filter values.
func (v *view) OpenToValues() []string { return kakehashi.OpenToValues }

// Linked reports whether researcher x is linked to listing id, for the form.
func (v *view) Linked(x *kakehashi.Researcher, id int64) bool {
	return slices.Contains(x.ListingIDs, id)
}

// ProfileField names where in a profile a term was found.
func (v *view) ProfileField(f string) string { return v.T("researchers.in." + f) }

// ---- Experts of a need ---------------------------------------------------------

// expertsView is "Who could work on this?" for one need.
type expertsView struct {
	L       *kakehashi.Listing
	Experts []expertView
	Best    float64
	Filter  search.ExpertFilter
	// Full is set on the experts page (filters, more people); the need's
	// page shows the best few and links to it.
	Full   bool
	Errors map[string]string
}

// expertView is one person with their organization and matching seeds.
type expertView struct {
	search.Expert
	Seeds []hitView
}

// weakExpert is the share of the best person's score below which a person
// is not shown, as weakMatch for listings.
const weakExpert = 0.2

// findExperts ranks the people for need l as the viewer may see them.
func (h *Handler) findExperts(ctx context.Context, r *http.Request, l *kakehashi.Listing, f search.ExpertFilter, limit int) (*expertsView, error) {
	finder, ok := h.engine.(expertFinder)
	if !ok {
		return nil, kakehashi.Errorf(kakehashi.ENOTFOUND, "expert finding is not available")
	}
	res, err := finder.Experts(ctx, h.store, l.ID, kakehashi.UserFromContext(ctx), search.ExpertOptions{Limit: limit, Filter: f})
	if err != nil {
		return nil, err
	}
	d := &expertsView{L: res.Listing, Filter: f}
	for _, x := range res.Experts {
		d.Best = max(d.Best, x.Score)
	}
	orgs := h.orgCache(r)
	for _, x := range res.Experts {
		if x.Score < weakExpert*d.Best {
			continue
		}
		ev := expertView{Expert: x}
		for _, hit := range x.Explanation.Seeds {
			hv := hitView{Hit: hit, Snippet: snippet(hit.Listing, hit.Explanation.Terms)}
			if hit.Listing.OrgID != 0 {
				hv.Org = orgs(hit.Listing.OrgID)
			}
			ev.Seeds = append(ev.Seeds, hv)
		}
		d.Experts = append(d.Experts, ev)
	}
	d.Best = max(d.Best, 1e-9)
	return d, nil
}

// Experts is "Who could work on this?" for the need page: the best five
// people, or nil for a seed or when expert finding is unavailable.
func (v *view) Experts(l *kakehashi.Listing) (*expertsView, error) {
	if v.ctx == nil || l == nil || l.Side != kakehashi.SideNeed {
		return nil, nil
	}
	if _, ok := v.h.engine.(expertFinder); !ok {
		return nil, nil
	}
	r := (&http.Request{URL: &url.URL{}}).WithContext(v.ctx)
	return v.h.findExperts(v.ctx, r, l, search.ExpertFilter{}, 5)
}

func (h *Handler) experts(w http.ResponseWriter, r *http.Request) {
	_, l, err := h.visibleListing(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if l.Side != kakehashi.SideNeed {
		h.fail(w, r, kakehashi.Errorf(kakehashi.ENOTFOUND, "experts are found for needs"))
		return
	}
	q := r.URL.Query()
	f := search.ExpertFilter{Country: strings.ToUpper(strings.TrimSpace(q.Get("country"))), OrgKind: kakehashi.OrgKind(q.Get("org_kind")),
		CareerStage: kakehashi.CareerStage(q.Get("career_stage")), OpenTo: q.Get("open_to")}
	status := http.StatusOK
	var d *expertsView
	if err := f.Validate(); err != nil {
		status = http.StatusBadRequest
		d = &expertsView{L: l, Filter: f, Errors: fieldErrors(langOf(r), err)}
	} else if d, err = h.findExperts(r.Context(), r, l, f, 20); err != nil {
		h.fail(w, r, err)
		return
	}
	d.Full = true
	h.render(w, r, status, "researchers_experts", h.view(r, h.text.translate(langOf(r), "experts.title"), d))
}

// ---- List and profile ----------------------------------------------------------

// researcherRow is a researcher with their organization.
type researcherRow struct {
	R   *kakehashi.Researcher
	Org *kakehashi.Organization
}

type researchersData struct {
	Rows   []researcherRow
	Q      string
	Filter search.ExpertFilter
	Next   string
	Errors map[string]string
	// CanCreate shows the link to the profile form.
	CanCreate bool
}

// researcherStore returns the store as the researcher pages use it.
func (h *Handler) researcherStore() (ResearcherStore, error) { return h.store, nil }

func (h *Handler) researchers(w http.ResponseWriter, r *http.Request) {
	rs, err := h.researcherStore()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d := &researchersData{Q: strings.TrimSpace(q.Get("q")), CanCreate: kakehashi.UserFromContext(r.Context()) != nil,
		Filter: search.ExpertFilter{Country: strings.ToUpper(strings.TrimSpace(q.Get("country"))), OrgKind: kakehashi.OrgKind(q.Get("org_kind")),
			CareerStage: kakehashi.CareerStage(q.Get("career_stage")), OpenTo: q.Get("open_to")}}
	// after is the cursor of the next-page link: the last id shown.
	var p kakehashi.Problems
	var after int64
	if v := strings.TrimSpace(q.Get("after")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			p.Add("after", "must be a researcher id from the next-page link")
		}
		after = max(n, 0)
	}
	f := kakehashi.ResearcherFilter{Query: d.Q, Country: d.Filter.Country, OrgKind: d.Filter.OrgKind, CareerStage: d.Filter.CareerStage,
		OpenTo: d.Filter.OpenTo, After: after, Limit: 51}
	status := http.StatusOK
	if errs := fieldErrors(langOf(r), p.Err("researcher search"), f.Validate()); len(errs) > 0 {
		d.Errors, status = errs, http.StatusBadRequest
	} else {
		list, err := rs.Researchers(r.Context(), f)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if len(list) > 50 {
			list = list[:50]
			next := r.URL.Query()
			next.Set("after", strconv.FormatInt(list[49].ID, 10))
			d.Next = "/researchers?" + next.Encode()
		}
		orgs := h.orgCache(r)
		for _, x := range list {
			row := researcherRow{R: x}
			if x.OrgID != 0 {
				row.Org = orgs(x.OrgID)
			}
			d.Rows = append(d.Rows, row)
		}
	}
	h.render(w, r, status, "researchers", h.view(r, h.text.translate(langOf(r), "researchers.title"), d))
}

type researcherData struct {
	R       *kakehashi.Researcher
	Org     *kakehashi.Organization
	Seeds   []*kakehashi.Listing
	CanEdit bool
	Saved   bool
}

func (h *Handler) loadResearcher(r *http.Request) (*kakehashi.Researcher, error) {
	rs, err := h.researcherStore()
	if err != nil {
		return nil, err
	}
	id, err := h.pathID(r)
	if err != nil {
		return nil, err
	}
	return rs.Researcher(r.Context(), id)
}

func (h *Handler) researcher(w http.ResponseWriter, r *http.Request) {
	x, err := h.loadResearcher(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	viewer := kakehashi.UserFromContext(ctx)
	d := &researcherData{R: x, CanEdit: kakehashi.CanEditResearcher(viewer, x, x), Saved: r.URL.Query().Get("saved") == "1"}
	if x.OrgID != 0 {
		d.Org, _ = h.store.Organization(ctx, x.OrgID)
	}
	rs, _ := h.researcherStore()
	ls, err := rs.ListingsByID(ctx, x.ListingIDs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, l := range ls {
		// The person behind a confidential seed would name its owner.
		if kakehashi.SeesFullListing(viewer, l) {
			d.Seeds = append(d.Seeds, l)
		}
	}
	h.render(w, r, http.StatusOK, "researcher", h.view(r, x.Name, d))
}

// ---- The profile form ------------------------------------------------------------

type researcherFormData struct {
	R    *kakehashi.Researcher
	Edit bool
	// Orgs are the organizations the actor may create profiles at.
	Orgs []*kakehashi.Organization
	// Seeds are the seeds that may be ticked: the organization's, and those
	// linked already.
	Seeds                                     []*kakehashi.Listing
	Mine                                      bool
	Keywords, Languages, Publications, Hidden string
	Errors                                    map[string]string
}

// researcherForm reads the posted form into x and reports parsing problems;
// the rest is the domain's Validate.
func researcherForm(r *http.Request, x *kakehashi.Researcher, d *researcherFormData) *kakehashi.Problems {
	var p kakehashi.Problems
	f := r.PostForm
	x.Name, x.NameJa, x.Position, x.Bio = f.Get("name"), f.Get("name_ja"), f.Get("position"), f.Get("bio")
	x.Career = kakehashi.CareerStage(f.Get("career_stage"))
	x.Keywords = splitComma(f.Get("keywords"))
	x.Fields = f["fields"]
	x.Languages = splitComma(f.Get("languages"))
	x.ORCID, x.OpenAlexID = f.Get("orcid"), f.Get("openalex_id")
	x.OpenTo = kakehashi.Openness{IndustryCollaboration: f.Get("open_industry") == "1", CrossAppointment: f.Get("open_cross") == "1", Startup: f.Get("open_startup") == "1"}
	x.Publications = nil
	for i, line := range strings.Split(f.Get("publications"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		// "year | title | doi", year and doi optional.
		parts := strings.Split(line, "|")
		pub := kakehashi.Publication{}
		switch len(parts) {
		case 1:
			pub.Title = parts[0]
		case 2, 3:
			y := strings.TrimSpace(parts[0])
			if n, err := strconv.Atoi(y); err == nil {
				pub.Year = n
			} else if y != "" {
				p.Add("publications", "line %d: %q is not a year", i+1, y)
			}
			pub.Title = parts[1]
			if len(parts) == 3 {
				pub.DOI = parts[2]
			}
		default:
			p.Add("publications", "line %d: write year | title | DOI", i+1)
		}
		pub.Title = strings.TrimSpace(pub.Title)
		x.Publications = append(x.Publications, pub)
	}
	x.ListingIDs = nil
	for _, s := range f["listing_ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			p.Add("listing_ids", "%q is not a listing id", s)
			continue
		}
		if !slices.Contains(x.ListingIDs, id) {
			x.ListingIDs = append(x.ListingIDs, id)
		}
	}
	d.Keywords, d.Languages, d.Publications = f.Get("keywords"), f.Get("languages"), f.Get("publications")
	d.Mine = f.Get("mine") == "1"
	return &p
}

// publicationsText writes publications one a line for the form.
func publicationsText(ps []kakehashi.Publication) string {
	var b strings.Builder
	for _, p := range ps {
		year := ""
		if p.Year != 0 {
			year = strconv.Itoa(p.Year)
		}
		fmt.Fprintf(&b, "%s | %s | %s\n", year, p.Title, p.DOI)
	}
	return b.String()
}

// formChoices fills in the organizations and seeds the form offers.
func (h *Handler) formChoices(r *http.Request, u *kakehashi.User, d *researcherFormData) error {
	ctx := r.Context()
	if u.IsStaff() {
		orgs, err := h.store.Organizations(ctx, kakehashi.OrganizationFilter{Limit: 1000})
		if err != nil {
			return err
		}
		d.Orgs = orgs
	} else if u.OrgID != 0 {
		o, err := h.store.Organization(ctx, u.OrgID)
		if err != nil {
			return err
		}
		d.Orgs = []*kakehashi.Organization{o}
	}
	var seeds []*kakehashi.Listing
	if d.R.OrgID != 0 {
		list, err := h.store.Listings(ctx, kakehashi.ListingFilter{OrgID: d.R.OrgID, Side: kakehashi.SideSeed, Limit: 200}, u)
		if err != nil {
			return err
		}
		seeds = list
	}
	rs, err := h.researcherStore()
	if err != nil {
		return err
	}
	linked, err := rs.ListingsByID(ctx, d.R.ListingIDs)
	if err != nil {
		return err
	}
	for _, l := range linked {
		if !slices.ContainsFunc(seeds, func(s *kakehashi.Listing) bool { return s.ID == l.ID }) {
			seeds = append(seeds, l)
		}
	}
	for _, l := range seeds {
		if kakehashi.SeesFullListing(u, l) {
			d.Seeds = append(d.Seeds, l)
		}
	}
	return nil
}

func (h *Handler) renderResearcherForm(w http.ResponseWriter, r *http.Request, u *kakehashi.User, status int, d *researcherFormData) {
	if err := h.formChoices(r, u, d); err != nil {
		h.fail(w, r, err)
		return
	}
	title := "researchers.new"
	if d.Edit {
		title = "researchers.edit"
	}
	h.render(w, r, status, "researcher_form", h.view(r, h.text.translate(langOf(r), title), d))
}

func (h *Handler) newResearcher(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	x := &kakehashi.Researcher{OrgID: u.OrgID, Name: u.Name, Career: kakehashi.CareerEarly}
	d := &researcherFormData{R: x, Mine: !u.IsStaff() && !u.IsOrgAdmin(u.OrgID)}
	h.renderResearcherForm(w, r, u, http.StatusOK, d)
}

// checkLinks refuses new links to seeds the actor may not vouch for, as
// the API does: a seed of the profile's organization, or one the actor
// may edit, seen in full.
func (h *Handler) checkLinks(ctx context.Context, u *kakehashi.User, prev, next *kakehashi.Researcher) (map[string]string, error) {
	var had []int64
	if prev != nil {
		had = prev.ListingIDs
	}
	for _, id := range next.ListingIDs {
		if slices.Contains(had, id) {
			continue
		}
		l, err := h.store.Listing(ctx, id)
		if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND || err == nil && !kakehashi.SeesFullListing(u, l) {
			return map[string]string{"listing_ids": fmt.Sprintf("listing %d not found", id)}, nil
		}
		if err != nil {
			return nil, err
		}
		if l.Side != kakehashi.SideSeed || !(l.OrgID == next.OrgID && next.OrgID != 0) && !kakehashi.CanEditListing(u, l) {
			return map[string]string{"listing_ids": fmt.Sprintf("listing %d cannot be linked to this profile", id)}, nil
		}
	}
	return nil, nil
}

func (h *Handler) createResearcher(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	rs, err := h.researcherStore()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	x := &kakehashi.Researcher{OrgID: ownerFor(r, u)}
	d := &researcherFormData{R: x}
	p := researcherForm(r, x, d)
	if d.Mine || !u.IsStaff() && !u.IsOrgAdmin(x.OrgID) {
		x.UserID, d.Mine = u.ID, true
	}
	x.Normalize()
	lang := langOf(r)
	if d.Errors = fieldErrors(lang, p.Err("researcher"), x.Validate()); len(d.Errors) == 0 {
		switch {
		case !kakehashi.CanCreateResearcher(u, x):
			d.Errors = map[string]string{"form": h.text.translate(lang, "researchers.form.forbidden")}
		default:
			if d.Errors, err = h.checkLinks(r.Context(), u, nil, x); err != nil {
				h.fail(w, r, err)
				return
			}
			if len(d.Errors) == 0 {
				if err := rs.CreateResearcher(r.Context(), x, u); err == nil {
					http.Redirect(w, r, "/researchers/"+strconv.FormatInt(x.ID, 10)+"?saved=1", http.StatusSeeOther)
					return
				} else if c := kakehashi.ErrorCode(err); c != kakehashi.EINVALID && c != kakehashi.ECONFLICT {
					h.fail(w, r, err)
					return
				} else if d.Errors = fieldErrors(lang, err); len(d.Errors) == 0 {
					d.Errors = map[string]string{"form": kakehashi.ErrorMessage(err)}
				}
			}
		}
	}
	h.renderResearcherForm(w, r, u, http.StatusUnprocessableEntity, d)
}

func (h *Handler) editResearcher(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	x, err := h.loadResearcher(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !kakehashi.CanEditResearcher(u, x, x) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "not your profile"))
		return
	}
	d := &researcherFormData{R: x, Edit: true, Mine: x.UserID != 0 && x.UserID == u.ID, Keywords: strings.Join(x.Keywords, ", "),
		Languages: strings.Join(x.Languages, ", "), Publications: publicationsText(x.Publications)}
	h.renderResearcherForm(w, r, u, http.StatusOK, d)
}

func (h *Handler) updateResearcher(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	prev, err := h.loadResearcher(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !kakehashi.CanEditResearcher(u, prev, prev) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "not your profile"))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	next := *prev
	d := &researcherFormData{R: &next, Edit: true}
	p := researcherForm(r, &next, d)
	// Links to seeds this viewer cannot see stay as they are.
	rs, _ := h.researcherStore()
	linked, err := rs.ListingsByID(r.Context(), prev.ListingIDs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, l := range linked {
		if !kakehashi.SeesFullListing(u, l) && !slices.Contains(next.ListingIDs, l.ID) {
			next.ListingIDs = append(next.ListingIDs, l.ID)
		}
	}
	next.Normalize()
	lang := langOf(r)
	if d.Errors = fieldErrors(lang, p.Err("researcher"), next.Validate()); len(d.Errors) == 0 {
		if d.Errors, err = h.checkLinks(r.Context(), u, prev, &next); err != nil {
			h.fail(w, r, err)
			return
		}
		if len(d.Errors) == 0 {
			if err := rs.UpdateResearcher(r.Context(), &next, u); err == nil {
				http.Redirect(w, r, "/researchers/"+strconv.FormatInt(next.ID, 10)+"?saved=1", http.StatusSeeOther)
				return
			} else if c := kakehashi.ErrorCode(err); c != kakehashi.EINVALID && c != kakehashi.ECONFLICT {
				h.fail(w, r, err)
				return
			} else if d.Errors = fieldErrors(lang, err); len(d.Errors) == 0 {
				d.Errors = map[string]string{"form": kakehashi.ErrorMessage(err)}
			}
		}
	}
	h.renderResearcherForm(w, r, u, http.StatusUnprocessableEntity, d)
}
