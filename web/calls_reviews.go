package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
)

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
