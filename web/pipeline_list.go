package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/kakehashi/kakehashi"
)

// ---- The list of introductions ---------------------------------------------

// party is a person or organization as a page may show them.
type party struct {
	Name string
	Org  *kakehashi.Organization
	// Hidden is the owner side of a confidential listing, not yet revealed.
	Hidden bool
	// Staff is the platform role of coordinators and admins.
	Staff kakehashi.PlatformRole
	// Gone is an account that no longer exists; System is the platform
	// itself (a reminder, say).
	Gone, System bool
}

// introRow is one introduction in a list.
type introRow struct {
	In *kakehashi.Introduction
	// Listing is as the viewer may see it; nil if they may not any more.
	Listing   *kakehashi.Listing
	Requester party
	Owner     party
	// Side is the viewer's: sent (they asked), received (their listing),
	// or "" (platform staff following it).
	Side  string
	Steps []stageStep
}

// introsData is the introductions page.
type introsData struct {
	Rows                   []introRow
	Open, Stalled, Mine    bool
	Truncated              bool
	StallDays              int
	AnyFilter, StaffFilter bool
}

// introLister loads the pieces of introduction rows once per request.
type introLister struct {
	h        *Handler
	ctx      context.Context
	viewer   *kakehashi.User
	listings map[int64]*kakehashi.Listing
	orgs     map[int64]*kakehashi.Organization
	users    map[int64]*kakehashi.User
}

func (h *Handler) lister(ctx context.Context, viewer *kakehashi.User) *introLister {
	return &introLister{h: h, ctx: ctx, viewer: viewer, listings: map[int64]*kakehashi.Listing{},
		orgs: map[int64]*kakehashi.Organization{}, users: map[int64]*kakehashi.User{}}
}

func (x *introLister) org(id int64) *kakehashi.Organization {
	if id == 0 {
		return nil
	}
	if o, ok := x.orgs[id]; ok {
		return o
	}
	o, err := x.h.store.Organization(x.ctx, id)
	if err != nil {
		o = nil
	}
	x.orgs[id] = o
	return o
}

func (x *introLister) user(id int64) *kakehashi.User {
	if id == 0 {
		return nil
	}
	if u, ok := x.users[id]; ok {
		return u
	}
	u, err := x.h.store.User(x.ctx, id)
	if err != nil {
		u = nil
	}
	x.users[id] = u
	return u
}

// person names user id as seen on introduction in: the people of a hidden
// owner stay anonymous, as kakehashi.HidesPerson says for the API too.
func (x *introLister) person(id int64, stored *kakehashi.Introduction, shown *kakehashi.Introduction) party {
	if id == 0 {
		return party{System: true}
	}
	u := x.user(id)
	if kakehashi.HidesPerson(stored, shown, u) {
		return party{Hidden: true}
	}
	if u == nil {
		return party{Gone: true}
	}
	return party{Name: u.Name, Org: x.org(u.OrgID), Staff: u.PlatformRole}
}

func (x *introLister) row(stored *kakehashi.Introduction) (introRow, error) {
	in, l, err := x.h.showIntro(x.ctx, x.viewer, stored, x.listings)
	if err != nil {
		return introRow{}, err
	}
	r := introRow{In: in, Steps: stageSteps(in, nil)}
	if l != nil {
		r.Listing = kakehashi.Redact(x.viewer, l)
	}
	r.Requester = party{Org: x.org(in.RequesterOrgID)}
	if r.Requester.Org == nil {
		r.Requester = x.person(in.RequesterID, stored, in)
	}
	if in.OwnerHidden {
		r.Owner = party{Hidden: true}
	} else {
		r.Owner = party{Org: x.org(in.OwnerOrgID)}
	}
	switch {
	case stored.OnOwnerSide(x.viewer):
		r.Side = "received"
	case x.viewer.ID == stored.RequesterID || x.viewer.InOrg(stored.RequesterOrgID):
		r.Side = "sent"
	}
	return r, nil
}

// introRows lists the introductions of f, newest change first (longest
// waiting first for the stalled queue).
func (h *Handler) introRows(ctx context.Context, viewer *kakehashi.User, f kakehashi.IntroductionFilter) ([]introRow, bool, error) {
	f.Limit = introListLimit
	list, err := h.store.Introductions(ctx, f)
	if err != nil {
		return nil, false, err
	}
	x := h.lister(ctx, viewer)
	rows := make([]introRow, 0, len(list))
	for _, in := range list {
		r, err := x.row(in)
		if err != nil {
			return nil, false, err
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b introRow) int {
		if !f.StalledBefore.IsZero() {
			return cmp.Or(a.In.StageChangedAt.Compare(b.In.StageChangedAt), cmp.Compare(a.In.ID, b.In.ID))
		}
		return cmp.Or(b.In.StageChangedAt.Compare(a.In.StageChangedAt), cmp.Compare(b.In.ID, a.In.ID))
	})
	return rows, len(list) >= introListLimit, nil
}

func (h *Handler) introductions(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	q := r.URL.Query()
	d := &introsData{Open: q.Get("open") == "1", Stalled: q.Get("stalled") == "1", Mine: q.Get("mine") == "1" && u.IsStaff(),
		StallDays: int(h.stallAfter / (24 * time.Hour)), StaffFilter: u.IsStaff()}
	d.AnyFilter = d.Open || d.Stalled || d.Mine
	f := kakehashi.IntroductionFilter{Open: d.Open}
	if !u.IsStaff() {
		f.Party = u
	}
	if d.Stalled {
		f.StalledBefore = h.now().Add(-h.stallAfter)
	}
	if d.Mine {
		f.Coordinator = u.ID
	}
	var err error
	if d.Rows, d.Truncated, err = h.introRows(r.Context(), u, f); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "introductions", h.view(r, h.text.translate(langOf(r), "intros.title"), d))
}

// MyIntroductions is the dashboard's short list: the viewer's open
// introductions, newest change first.
func (v *view) MyIntroductions() ([]introRow, error) {
	if v.User == nil || v.ctx == nil {
		return nil, nil
	}
	rows, _, err := v.h.introRows(v.ctx, v.User, kakehashi.IntroductionFilter{Party: v.User, Open: true})
	if err != nil {
		return nil, err
	}
	return rows[:min(len(rows), 10)], nil
}
