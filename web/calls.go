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
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

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

// ---- The new-call form ---------------------------------------------------------

type callFormData struct {
	C                                    *kakehashi.Call
	Orgs                                 []*kakehashi.Organization
	Date, Time, Budget, Countries, Crits string
	Errors                               map[string]string
	// Locked says the criteria can no longer change: proposals have been
	// scored against them (editing only).
	Locked bool
}

// Kinds lists the organization kinds a call may be open to.
func (d *callFormData) Kinds() []kakehashi.OrgKind { return kakehashi.OrgKinds }

// HasKind reports whether the call is open to kind k.
func (d *callFormData) HasKind(k kakehashi.OrgKind) bool {
	return slices.Contains(d.C.EligibleKinds, k)
}

func (h *Handler) callFormView(r *http.Request, d *callFormData) *view {
	if u := kakehashi.UserFromContext(r.Context()); u.IsStaff() && d.Orgs == nil && d.C.ID == 0 {
		d.Orgs, _ = h.store.Organizations(r.Context(), kakehashi.OrganizationFilter{Limit: 1000})
	}
	title := "call.new.title"
	if d.C.ID != 0 {
		title = "call.edit.title"
	}
	return h.view(r, h.text.translate(langOf(r), title), d)
}

func (h *Handler) newCall(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	zone := "Asia/Tokyo"
	if langOf(r) == langEN {
		zone = "UTC"
	}
	d := &callFormData{C: &kakehashi.Call{OrgID: u.OrgID, Language: langOf(r), TimeZone: zone, Currency: "JPY", TRLMin: 3, TRLMax: 7},
		Time: "17:00", Crits: h.text.translate(langOf(r), "call.form.criteria.example")}
	h.render(w, r, http.StatusOK, "call_form", h.callFormView(r, d))
}

// callForm reads the posted call form into c, reporting what cannot be read.
func callForm(r *http.Request, c *kakehashi.Call, d *callFormData) *kakehashi.Problems {
	var p kakehashi.Problems
	f := r.PostForm
	c.Theme, c.Background, c.Language, c.IPTerms = f.Get("theme"), f.Get("background"), f.Get("language"), f.Get("ip_terms")
	c.TimeZone, c.Currency = strings.TrimSpace(f.Get("time_zone")), strings.ToUpper(strings.TrimSpace(f.Get("currency")))
	d.Date, d.Time, d.Budget, d.Countries, d.Crits = f.Get("deadline_date"), f.Get("deadline_time"), f.Get("budget"), f.Get("eligible_countries"), f.Get("criteria")
	if loc, err := kakehashi.LoadZone(c.TimeZone); err == nil {
		if t, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(d.Date)+" "+strings.TrimSpace(d.Time), loc); err == nil {
			c.Deadline = t
		} else {
			p.Add("deadline", "must be a date such as 2027-03-31 and a time such as 17:00")
		}
	}
	if n, err := parseAmount(d.Budget, c.Currency); err != nil {
		p.Add("budget", "%q is not a number", d.Budget)
	} else {
		c.Budget = n
	}
	c.EligibleKinds = nil
	for _, k := range f["eligible_kinds"] {
		c.EligibleKinds = append(c.EligibleKinds, kakehashi.OrgKind(k))
	}
	c.EligibleCountries = upper(splitComma(d.Countries))
	for _, pair := range []struct {
		name string
		dst  *int
	}{{"trl_min", &c.TRLMin}, {"trl_max", &c.TRLMax}} {
		n, err := strconv.Atoi(strings.TrimSpace(f.Get(pair.name)))
		if err != nil {
			p.Add(pair.name, "%q is not a number", f.Get(pair.name))
		}
		*pair.dst = n
	}
	c.Criteria = nil
	for i, line := range strings.Split(d.Crits, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		line = strings.ReplaceAll(line, "：", ":")
		name, weight := line, 1.0
		if j := strings.LastIndex(line, ":"); j >= 0 {
			w, err := strconv.ParseFloat(strings.TrimSpace(line[j+1:]), 64)
			if err != nil {
				p.Add("criteria", "line %d: %q is not a number", i+1, line)
			}
			name, weight = strings.TrimSpace(line[:j]), w
		}
		c.Criteria = append(c.Criteria, kakehashi.Criterion{Name: name, Weight: weight})
	}
	return &p
}

func (h *Handler) createCall(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	c := &kakehashi.Call{OrgID: ownerFor(r, u)}
	d := &callFormData{C: c}
	p := callForm(r, c, d)
	c.Normalize()
	var err error
	if d.Errors = fieldErrors(langOf(r), p.Err("call"), c.Validate()); len(d.Errors) == 0 {
		if !kakehashi.CanCreateCallFor(u, c.OrgID) {
			d.Errors = map[string]string{"form": h.text.translate(langOf(r), "form.noorg")}
		} else if err = h.store.CreateCall(r.Context(), c, u); err == nil {
			http.Redirect(w, r, "/calls/"+strconv.FormatInt(c.ID, 10)+"?saved=1", http.StatusSeeOther)
			return
		} else if kakehashi.ErrorCode(err) != kakehashi.EINVALID {
			h.fail(w, r, err)
			return
		} else {
			d.Errors = fieldErrors(langOf(r), err)
		}
	}
	h.render(w, r, http.StatusUnprocessableEntity, "call_form", h.callFormView(r, d))
}

// ---- Editing a call ------------------------------------------------------------

// ownedCall loads the call of the path for its organization and staff:
// 404 when there is none, 403 for anyone else, as the API.
func (h *Handler) ownedCall(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Call) {
	return managedByPath(h, w, r, h.store.Call, kakehashi.CanManageCall, "only the call's organization and coordinators change it")
}

// managedByPath loads, with get, the object of the path's id for a
// signed-in user that may manage it. Otherwise it answers (sign-in, 404,
// or 403 with refusal) and returns nils.
func managedByPath[T any](h *Handler, w http.ResponseWriter, r *http.Request, get func(context.Context, int64) (*T, error),
	may func(*kakehashi.User, *T) bool, refusal string) (*kakehashi.User, *T) {
	u := h.requireUser(w, r)
	if u == nil {
		return nil, nil
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	v, err := get(r.Context(), id)
	if err == nil && !may(u, v) {
		err = kakehashi.Errorf(kakehashi.EFORBIDDEN, "%s", refusal)
	}
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	return u, v
}

// criteriaLocked reports whether a proposal to c has been scored: then, as
// the store enforces, the criteria stay as they are.
func (h *Handler) criteriaLocked(r *http.Request, c *kakehashi.Call) (bool, error) {
	rk, err := h.store.Ranking(r.Context(), c.ID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(rk, func(x kakehashi.Ranked) bool { return x.Reviews > 0 }), nil
}

// formatCriteria writes criteria one a line, "Name: weight", as the form reads them.
func formatCriteria(cs []kakehashi.Criterion) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = c.Name + ": " + strconv.FormatFloat(c.Weight, 'f', -1, 64)
	}
	return strings.Join(lines, "\n")
}

func (h *Handler) editCallForm(w http.ResponseWriter, r *http.Request) {
	_, c := h.ownedCall(w, r)
	if c == nil {
		return
	}
	locked, err := h.criteriaLocked(r, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	dl := c.DeadlineLocal()
	d := &callFormData{C: c, Date: dl.Format(time.DateOnly), Time: dl.Format("15:04"), Budget: formatAmount(c.Budget, c.Currency),
		Countries: strings.Join(c.EligibleCountries, ", "), Crits: formatCriteria(c.Criteria), Locked: locked}
	h.render(w, r, http.StatusOK, "call_form", h.callFormView(r, d))
}

func (h *Handler) editCall(w http.ResponseWriter, r *http.Request) {
	u, stored := h.ownedCall(w, r)
	if stored == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	locked, err := h.criteriaLocked(r, stored)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := &kakehashi.Call{ID: stored.ID, OrgID: stored.OrgID, ListingID: stored.ListingID}
	d := &callFormData{C: c, Locked: locked}
	p := callForm(r, c, d)
	c.Normalize()
	status := http.StatusUnprocessableEntity
	if d.Errors = fieldErrors(langOf(r), p.Err("call"), c.Validate()); len(d.Errors) == 0 {
		err := h.store.UpdateCall(r.Context(), c, u)
		switch kakehashi.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/calls/"+strconv.FormatInt(c.ID, 10)+"?edited=1", http.StatusSeeOther)
			return
		case kakehashi.EINVALID:
			d.Errors = fieldErrors(langOf(r), err)
		case kakehashi.ECONFLICT:
			// The criteria are fixed once proposals have been scored.
			status, d.Locked = http.StatusConflict, true
			d.Errors = map[string]string{"criteria": h.text.translate(langOf(r), "call.form.criteria.locked")}
		default:
			h.fail(w, r, err)
			return
		}
		if len(d.Errors) == 0 {
			d.Errors = map[string]string{"form": kakehashi.ErrorMessage(err)}
		}
	}
	h.render(w, r, status, "call_form", h.callFormView(r, d))
}

// ---- Proposals ---------------------------------------------------------------

type proposalFormData struct {
	C         *kakehashi.Call
	P         *kakehashi.Proposal
	Budget    string
	Related   string
	Errors    map[string]string
	Conflict  string
	Forbidden string
}

// proposalForm reads the posted proposal form into p.
func proposalForm(r *http.Request, c *kakehashi.Call, p *kakehashi.Proposal, d *proposalFormData) *kakehashi.Problems {
	var pr kakehashi.Problems
	f := r.PostForm
	p.Summary, p.Approach, p.Team = f.Get("summary"), f.Get("approach"), f.Get("team")
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("trl")))
	if err != nil {
		pr.Add("trl", "%q is not a number", f.Get("trl"))
	}
	p.TRL = n
	d.Budget, d.Related = f.Get("budget_requested"), f.Get("related_listings")
	if b, err := parseAmount(d.Budget, c.Currency); err != nil {
		pr.Add("budget_requested", "%q is not a number", d.Budget)
	} else {
		p.BudgetRequested = b
	}
	p.RelatedListings = nil
	for _, s := range splitComma(strings.ReplaceAll(d.Related, " ", ",")) {
		id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
		if err != nil {
			pr.Add("related_listings", "%q is not a number", s)
			continue
		}
		p.RelatedListings = append(p.RelatedListings, id)
	}
	return &pr
}

func (h *Handler) proposeForm(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.store.Call(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &proposalFormData{C: c, P: &kakehashi.Proposal{CallID: c.ID, TRL: c.TRLMin}}
	h.render(w, r, http.StatusOK, "call_proposal_form", h.view(r, h.text.translate(langOf(r), "call.propose.title"), d))
}

// saveProposal creates or updates a draft from the posted form and submits
// it when asked, rendering the form again with the errors if that fails.
func (h *Handler) saveProposal(w http.ResponseWriter, r *http.Request, u *kakehashi.User, c *kakehashi.Call, p *kakehashi.Proposal) {
	ctx := r.Context()
	lang := langOf(r)
	d := &proposalFormData{C: c, P: p}
	pr := proposalForm(r, c, p, d)
	p.Normalize()
	d.Errors = fieldErrors(lang, pr.Err("proposal"), p.Validate())
	var err error
	if len(d.Errors) == 0 {
		if p.ID == 0 {
			err = h.store.CreateProposal(ctx, p, u)
		} else {
			err = h.store.UpdateProposal(ctx, p, u)
		}
		if err == nil && r.PostFormValue("action") == "submit" {
			_, err = h.store.SubmitProposal(ctx, p.ID, u)
		}
		if err == nil {
			http.Redirect(w, r, "/proposals/"+strconv.FormatInt(p.ID, 10)+"?saved=1", http.StatusSeeOther)
			return
		}
	}
	status := http.StatusUnprocessableEntity
	switch kakehashi.ErrorCode(err) {
	case "", kakehashi.EINVALID:
		for k, v := range fieldErrors(lang, err) {
			d.Errors[k] = v
		}
	case kakehashi.ECONFLICT:
		status, d.Conflict = http.StatusConflict, kakehashi.ErrorMessage(err)
	case kakehashi.EFORBIDDEN:
		status, d.Forbidden = http.StatusForbidden, kakehashi.ErrorMessage(err)
	default:
		h.fail(w, r, err)
		return
	}
	if p.ID != 0 && len(d.Errors) == 0 && d.Conflict == "" && d.Forbidden == "" {
		d.Errors = map[string]string{"form": kakehashi.ErrorMessage(err)}
	}
	h.render(w, r, status, "call_proposal_form", h.view(r, h.text.translate(lang, "call.propose.title"), d))
}

func (h *Handler) propose(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.store.Call(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	h.saveProposal(w, r, u, c, &kakehashi.Proposal{CallID: c.ID})
}

// visibleProposal loads a proposal the viewer may see, with its call and
// reviewers; others get 404.
func (h *Handler) visibleProposal(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Call, *kakehashi.Proposal, []int64, bool) {
	u := h.requireUser(w, r)
	if u == nil {
		return nil, nil, nil, nil, false
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, nil, nil, false
	}
	p, err := h.store.Proposal(r.Context(), id)
	var c *kakehashi.Call
	if err == nil {
		c, err = h.store.Call(r.Context(), p.CallID)
	}
	var reviewers []int64
	if err == nil {
		reviewers, err = h.store.Reviewers(r.Context(), id)
	}
	if err == nil && !kakehashi.CanSeeProposal(u, c, p, reviewers) {
		err = kakehashi.Errorf(kakehashi.ENOTFOUND, "proposal %d not found", id)
	}
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, nil, nil, false
	}
	return u, c, p, reviewers, true
}

// reviewRow is one review as the call's organization sees it.
type reviewRow struct {
	R        *kakehashi.Review
	Reviewer *kakehashi.User
}

type proposalData struct {
	C         *kakehashi.Call
	P         *kakehashi.Proposal
	Org       *kakehashi.Organization
	Proposer  *kakehashi.User
	Related   []*kakehashi.Listing
	IsOwner   bool
	CanEdit   bool
	IsRev     bool
	Open      bool
	Reviewers []*kakehashi.User
	Reviews   []reviewRow
	Mine      *kakehashi.Review
	Rank      *kakehashi.Ranked
	Next      []kakehashi.ProposalStatus
	Errors    map[string]string
	Action    string
	Notice    string
}

// Score returns the viewer's earlier score of criterion i, for the form.
func (d *proposalData) Score(name string) kakehashi.Score {
	if d.Mine != nil {
		for _, s := range d.Mine.Scores {
			if s.Criterion == name {
				return s
			}
		}
	}
	return kakehashi.Score{Score: -1}
}

// Range lists 0 to 10, the scores a reviewer gives.
func (d *proposalData) Range() []int { return []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10} }

func (h *Handler) proposalPage(w http.ResponseWriter, r *http.Request) {
	u, c, p, reviewers, ok := h.visibleProposal(w, r)
	if !ok {
		return
	}
	h.renderProposal(w, r, http.StatusOK, u, c, p, reviewers, "", nil)
}

func (h *Handler) renderProposal(w http.ResponseWriter, r *http.Request, status int, u *kakehashi.User, c *kakehashi.Call, p *kakehashi.Proposal,
	reviewers []int64, action string, errs map[string]string) {
	ctx := r.Context()
	d := &proposalData{C: c, P: p, IsOwner: kakehashi.CanManageCall(u, c), IsRev: slices.Contains(reviewers, u.ID), Open: c.Open(h.now()),
		Action: action, Errors: errs}
	d.CanEdit = kakehashi.CanEditProposal(u, p) && p.Status == kakehashi.ProposalDraft && d.Open
	if r.URL.Query().Get("saved") == "1" {
		d.Notice = "call.proposal.saved"
	}
	d.Org, _ = h.store.Organization(ctx, p.OrgID)
	d.Proposer, _ = h.store.User(ctx, p.ProposerID)
	for _, id := range p.RelatedListings {
		if l, err := h.store.Listing(ctx, id); err == nil {
			if rl := kakehashi.Redact(u, l); rl != nil {
				d.Related = append(d.Related, rl)
			}
		}
	}
	reviews, err := h.store.Reviews(ctx, p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, rv := range reviews {
		if rv.ReviewerID == u.ID {
			d.Mine = rv
		}
		if d.IsOwner {
			ru, _ := h.store.User(ctx, rv.ReviewerID)
			d.Reviews = append(d.Reviews, reviewRow{R: rv, Reviewer: ru})
		}
	}
	if d.IsOwner {
		for _, id := range reviewers {
			if ru, err := h.store.User(ctx, id); err == nil {
				d.Reviewers = append(d.Reviewers, ru)
			}
		}
		rk := kakehashi.Rank(c, []*kakehashi.Proposal{p}, reviews)
		d.Rank = &rk[0]
		for _, s := range []kakehashi.ProposalStatus{kakehashi.ProposalScreening, kakehashi.ProposalReview, kakehashi.ProposalFinalist,
			kakehashi.ProposalAdopted, kakehashi.ProposalRejected} {
			if p.CheckMove(kakehashi.ProposalMove{To: s, Feedback: "x"}) == nil {
				d.Next = append(d.Next, s)
			}
		}
	}
	h.render(w, r, status, "call_proposal", h.view(r, h.text.translate(langOf(r), "call.proposal.title", p.ID), d))
}

func (h *Handler) editProposalForm(w http.ResponseWriter, r *http.Request) {
	u, c, p, _, ok := h.visibleProposal(w, r)
	if !ok {
		return
	}
	if !kakehashi.CanEditProposal(u, p) {
		// Staff see every proposal, but only its organization writes it,
		// as the store (and the API) refuse.
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the proposing organization edits proposal %d", p.ID))
		return
	}
	if p.Status != kakehashi.ProposalDraft {
		// Submitted: the proposer's old link shows where it stands.
		http.Redirect(w, r, "/proposals/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
		return
	}
	d := &proposalFormData{C: c, P: p, Budget: formatAmount(p.BudgetRequested, c.Currency)}
	var ids []string
	for _, id := range p.RelatedListings {
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	d.Related = strings.Join(ids, ", ")
	h.render(w, r, http.StatusOK, "call_proposal_form", h.view(r, h.text.translate(langOf(r), "call.propose.title"), d))
}

func (h *Handler) editProposal(w http.ResponseWriter, r *http.Request) {
	u, c, p, _, ok := h.visibleProposal(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	h.saveProposal(w, r, u, c, p)
}

// proposalAction runs an owner's or reviewer's action on a proposal and
// redirects to its page, or shows the page again with the errors.
func (h *Handler) proposalAction(w http.ResponseWriter, r *http.Request, action string, do func(u *kakehashi.User, c *kakehashi.Call, p *kakehashi.Proposal) error) {
	u, c, p, reviewers, ok := h.visibleProposal(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	err := do(u, c, p)
	if err == nil {
		http.Redirect(w, r, "/proposals/"+strconv.FormatInt(p.ID, 10)+"#"+action, http.StatusSeeOther)
		return
	}
	status := http.StatusUnprocessableEntity
	errs := fieldErrors(langOf(r), err)
	switch kakehashi.ErrorCode(err) {
	case kakehashi.EINVALID:
	case kakehashi.ECONFLICT:
		status = http.StatusConflict
	case kakehashi.EFORBIDDEN:
		status = http.StatusForbidden
	default:
		h.fail(w, r, err)
		return
	}
	if len(errs) == 0 {
		errs = map[string]string{"form": kakehashi.ErrorMessage(err)}
	}
	if fresh, err := h.store.Proposal(r.Context(), p.ID); err == nil {
		p = fresh
	}
	h.renderProposal(w, r, status, u, c, p, reviewers, action, errs)
}

func (h *Handler) moveProposal(w http.ResponseWriter, r *http.Request) {
	h.proposalAction(w, r, "stage", func(u *kakehashi.User, _ *kakehashi.Call, p *kakehashi.Proposal) error {
		_, err := h.store.MoveProposal(r.Context(), p.ID, kakehashi.ProposalMove{To: kakehashi.ProposalStatus(r.PostFormValue("to")),
			Feedback: r.PostFormValue("feedback")}, u)
		return err
	})
}

func (h *Handler) assignReviewer(w http.ResponseWriter, r *http.Request) {
	h.proposalAction(w, r, "reviewers", func(u *kakehashi.User, _ *kakehashi.Call, p *kakehashi.Proposal) error {
		ru, err := h.store.UserByEmail(r.Context(), strings.TrimSpace(r.PostFormValue("email")))
		if err != nil {
			if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND || kakehashi.ErrorCode(err) == kakehashi.EUNAUTHORIZED {
				return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid assignment",
					Fields: []kakehashi.FieldError{{Field: "email", Message: h.text.translate(langOf(r), "call.reviewer.unknown")}}}
			}
			return err
		}
		err = h.store.AssignReviewer(r.Context(), p.ID, ru.ID, u)
		for i, fe := range kakehashi.FieldErrors(err) {
			if fe.Field == "user_id" {
				kakehashi.FieldErrors(err)[i].Field = "email"
			}
		}
		return err
	})
}

func (h *Handler) reviewProposal(w http.ResponseWriter, r *http.Request) {
	h.proposalAction(w, r, "review", func(u *kakehashi.User, c *kakehashi.Call, p *kakehashi.Proposal) error {
		rv := &kakehashi.Review{ProposalID: p.ID}
		for i, cr := range c.Criteria {
			n, err := strconv.Atoi(r.PostFormValue("score_" + strconv.Itoa(i)))
			if err != nil {
				n = -1
			}
			rv.Scores = append(rv.Scores, kakehashi.Score{Criterion: cr.Name, Score: n, Comment: r.PostFormValue("comment_" + strconv.Itoa(i))})
		}
		return h.store.PutReview(r.Context(), rv, u)
	})
}
