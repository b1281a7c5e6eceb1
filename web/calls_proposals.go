package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
)

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
