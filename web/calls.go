package web

// Challenge calls in the browser: the list of calls, a call's page (with
// the seeds that could answer it and, for its organization, the ranked
// proposals and statistics), the new-call form, the proposal form (saved as
// a draft, then submitted before the deadline), and a proposal's page with
// the decision and feedback for the proposer, the stage and reviewer
// controls for the call's organization and the scoring form for reviewers.
// Access follows the JSON API (httpapi/calls.go): a proposal is seen by its
// organization, the call's organization and reviewers, and staff; others
// get 404.

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// CallStore is what the challenge-call pages need from the store.
type CallStore interface {
	kakehashi.CallService
}

// registerCalls adds the challenge-call pages.
func (h *Handler) registerCalls() {
	h.handle("GET /calls", h.calls)
	h.handle("GET /calls/new", h.newCall)
	h.handle("POST /calls/new", h.createCall)
	h.handle("GET /calls/{id}", h.callPage)
	h.handle("GET /calls/{id}/edit", h.editCallForm)
	h.handle("POST /calls/{id}/edit", h.editCall)
	h.handle("GET /calls/{id}/propose", h.proposeForm)
	h.handle("POST /calls/{id}/propose", h.propose)
	h.handle("GET /proposals/{id}", h.proposalPage)
	h.handle("GET /proposals/{id}/edit", h.editProposalForm)
	h.handle("POST /proposals/{id}/edit", h.editProposal)
	h.handle("POST /proposals/{id}/stage", h.moveProposal)
	h.handle("POST /proposals/{id}/reviewers", h.assignReviewer)
	h.handle("POST /proposals/{id}/review", h.reviewProposal)
}

// ---- Helpers for the templates ----------------------------------------------

// ProposalStatusName names a proposal status in the reader's language.
func (v *view) ProposalStatusName(s kakehashi.ProposalStatus) string {
	return v.text.translate(v.Lang, "call.status."+string(s))
}

// DeadlineLocal writes a call's deadline in its own time zone, with the zone.
func (v *view) DeadlineLocal(c *kakehashi.Call) string {
	d := c.DeadlineLocal()
	return formatDate(v.Lang, d) + " " + d.Format("15:04") + " (" + c.TimeZone + ")"
}

// Budget writes an amount in minor units of currency with the currency.
func (v *view) Budget(amount int64, currency string) string {
	return formatAmount(amount, currency) + " " + currency
}

// Fixed writes x with two decimals.
func (v *view) Fixed(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// ---- The list of calls -------------------------------------------------------

type callsData struct {
	Open, Closed []*kakehashi.Call
	Orgs         map[int64]*kakehashi.Organization
	CanCreate    bool
}

func (h *Handler) calls(w http.ResponseWriter, r *http.Request) {
	u := kakehashi.UserFromContext(r.Context())
	list, err := h.store.Calls(r.Context(), kakehashi.CallFilter{Limit: 1000})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := callsData{Orgs: map[int64]*kakehashi.Organization{}, CanCreate: u != nil && (u.OrgID != 0 || u.IsStaff())}
	orgs := h.orgCache(r)
	now := h.now()
	for _, c := range list {
		d.Orgs[c.OrgID] = orgs(c.OrgID)
		if c.Open(now) {
			d.Open = append(d.Open, c)
		} else {
			d.Closed = append(d.Closed, c)
		}
	}
	slices.SortStableFunc(d.Open, func(a, b *kakehashi.Call) int { return a.Deadline.Compare(b.Deadline) })
	h.render(w, r, http.StatusOK, "calls", h.view(r, h.text.translate(langOf(r), "call.list.title"), d))
}

// ---- A call's page -----------------------------------------------------------

type callData struct {
	C        *kakehashi.Call
	Org      *kakehashi.Organization
	Open     bool
	IsOwner  bool
	Hits     []hitView
	Best     float64
	Ranking  []kakehashi.Ranked
	Orgs     map[int64]*kakehashi.Organization
	Stats    *kakehashi.CallStats
	Mine     *kakehashi.Proposal
	Eligible bool
	Why      string
	Saved    bool
	Edited   bool
}

func (h *Handler) callPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := kakehashi.UserFromContext(ctx)
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.store.Call(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := callData{C: c, Open: c.Open(h.now()), IsOwner: kakehashi.CanManageCall(u, c), Orgs: map[int64]*kakehashi.Organization{},
		Saved: r.URL.Query().Get("saved") == "1", Edited: r.URL.Query().Get("edited") == "1"}
	orgs := h.orgCache(r)
	d.Org = orgs(c.OrgID)
	if m, err := h.engine.Match(ctx, c.ListingID, u, search.MatchOptions{Limit: 8, Now: h.now()}); err == nil {
		d.Hits, d.Best = h.matchViews(r, m)
	} else if kakehashi.ErrorCode(err) != kakehashi.ENOTFOUND {
		h.fail(w, r, err)
		return
	}
	if d.IsOwner {
		if d.Ranking, err = h.store.Ranking(ctx, c.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		for _, rk := range d.Ranking {
			d.Orgs[rk.Proposal.OrgID] = orgs(rk.Proposal.OrgID)
		}
		if d.Stats, err = h.store.CallStats(ctx, c.ID); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if u != nil && u.OrgID != 0 && !u.InOrg(c.OrgID) {
		mine, err := h.store.Proposals(ctx, kakehashi.ProposalFilter{CallID: c.ID, OrgID: u.OrgID, Drafts: true, Limit: 1})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if len(mine) > 0 {
			d.Mine = mine[0]
		} else if o := orgs(u.OrgID); o != nil {
			d.Eligible, d.Why = c.Eligible(o)
		}
	}
	h.render(w, r, http.StatusOK, "call", h.view(r, c.Theme, d))
}
