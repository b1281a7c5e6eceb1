package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
)

// ---- Expressing interest on the listing page -------------------------------

// interestState is a failed interest form, handed to the listing page.
type interestState struct {
	Message string
	Related int64
	Errors  map[string]string
}

type interestStateKey struct{}

// interestView is the listing page's interest section.
type interestView struct {
	ListingID int64
	// SignIn asks an anonymous visitor to sign in first.
	SignIn bool
	// Blocked is an interest that cannot be expressed here: only its
	// error is shown.
	Blocked bool
	Next    string
	// Mine is the viewer's open introduction on this listing: a link
	// replaces the form. Colleague is a colleague's, shown beside the form.
	Mine, Colleague *kakehashi.Introduction
	Related         []*kakehashi.Listing
	State           *interestState
}

// Interest prepares the "express interest" section of the listing page for
// l as the viewer sees it; nil when there is none (the viewer's own
// organization's listing, or a listing not open).
func (v *view) Interest(l *kakehashi.Listing) (*interestView, error) {
	if l == nil || l.Status != kakehashi.StatusOpen {
		return nil, nil
	}
	d := &interestView{ListingID: l.ID}
	if v.User == nil {
		d.SignIn, d.Next = true, "/login?next="+url.QueryEscape("/listings/"+strconv.FormatInt(l.ID, 10)+"#interest")
		return d, nil
	}
	ctx := v.ctx
	d.State, _ = ctx.Value(interestStateKey{}).(*interestState)
	if d.State == nil {
		d.State = &interestState{}
	}
	if !l.OrgHidden && v.User.InOrg(l.OrgID) {
		if len(d.State.Errors) > 0 {
			// Someone posted the form to their own listing: say why not.
			return &interestView{ListingID: l.ID, Blocked: true, State: d.State}, nil
		}
		return nil, nil
	}
	open, err := v.h.store.Introductions(ctx, kakehashi.IntroductionFilter{Party: v.User, Open: true, Limit: introListLimit})
	if err != nil {
		return nil, err
	}
	for _, in := range open {
		switch {
		case in.ListingID != l.ID:
		case in.RequesterID == v.User.ID:
			d.Mine = in
		case d.Colleague == nil:
			d.Colleague = in
		}
	}
	if v.User.OrgID != 0 && d.Mine == nil {
		own, err := v.h.store.Listings(ctx, kakehashi.ListingFilter{OrgID: v.User.OrgID, Status: kakehashi.StatusOpen, Limit: 200}, v.User)
		if err != nil {
			return nil, err
		}
		// The other side first: a seed answers a need.
		slices.SortStableFunc(own, func(a, b *kakehashi.Listing) int {
			return cmp.Compare(btoi(a.Side == l.Side), btoi(b.Side == l.Side))
		})
		d.Related = own
	}
	return d, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (h *Handler) expressInterest(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if _, _, err := h.visibleListing(r); err != nil {
		h.fail(w, r, err)
		return
	}
	id, _ := h.pathID(r)
	st := &interestState{Message: r.PostFormValue("message"), Errors: map[string]string{}}
	if v := strings.TrimSpace(r.PostFormValue("related_listing_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			st.Errors["related_listing_id"] = h.pipelineMessage(langOf(r), "must be one of your organization's listings")
		}
		st.Related = n
	}
	in := &kakehashi.Introduction{ListingID: id, RequesterID: u.ID, RequesterOrgID: u.OrgID, Message: st.Message, RelatedListingID: st.Related}
	var err error
	if len(st.Errors) == 0 {
		err = h.createIntroduction(r.Context(), in, u)
	}
	if err == nil && len(st.Errors) == 0 {
		http.Redirect(w, r, "/introductions/"+strconv.FormatInt(in.ID, 10)+"?sent=1", http.StatusSeeOther)
		return
	}
	switch kakehashi.ErrorCode(err) {
	case "", kakehashi.EINVALID:
		for k, v := range h.pipelineErrors(langOf(r), err) {
			if _, dup := st.Errors[k]; !dup {
				st.Errors[k] = v
			}
		}
		st.Errors = gatherErrors("interest", st.Errors)
	case kakehashi.ECONFLICT:
		st.Errors["form"] = h.text.translate(langOf(r), "interest.conflict")
	default:
		h.fail(w, r, err)
		return
	}
	if len(st.Errors) == 0 {
		st.Errors["form"] = kakehashi.ErrorMessage(err)
	}
	status := http.StatusUnprocessableEntity
	if kakehashi.ErrorCode(err) == kakehashi.ECONFLICT {
		status = http.StatusConflict
	}
	h.listing(statusWriter{ResponseWriter: w, status: status}, r.WithContext(context.WithValue(r.Context(), interestStateKey{}, st)))
}
