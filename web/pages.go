package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

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
