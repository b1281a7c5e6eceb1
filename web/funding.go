package web

// Funding calls in the browser: the list, a call's page, the publish form
// for funder and government organizations, and the "Funding that fits"
// section of introduction and consortium pages, which explains every match
// (the shared words and fields, and the eligibility rules met).

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

func (h *Handler) registerFunding() {
	h.handle("GET /funding", h.fundingCalls)
	h.handle("GET /funding/new", h.newFundingCall)
	h.handle("POST /funding/new", h.createFundingCall)
	h.handle("GET /funding/{id}", h.fundingCallPage)
	h.handle("GET /funding/{id}/edit", h.editFundingForm)
	h.handle("POST /funding/{id}/edit", h.editFundingCall)
	h.handle("POST /funding/{id}/delete", h.deleteFundingCall)
}

// fitsLimit is how many fitting calls a page shows.
const fitsLimit = 5

// fitsView is the "Funding that fits" section.
type fitsView struct {
	Matches []kakehashi.FundingMatch
	Funders map[int64]*kakehashi.Organization
}

// fits finds the funding calls that fit target now, with their funders.
func (h *Handler) fits(ctx context.Context, t kakehashi.FundingTarget) (*fitsView, error) {
	ms, err := h.store.FundingFits(ctx, t, h.now(), fitsLimit)
	if err != nil {
		return nil, err
	}
	fv := &fitsView{Matches: ms, Funders: map[int64]*kakehashi.Organization{}}
	for _, m := range ms {
		if _, ok := fv.Funders[m.Call.OrgID]; !ok {
			if o, err := h.store.Organization(ctx, m.Call.OrgID); err == nil {
				fv.Funders[m.Call.OrgID] = o
			}
		}
	}
	return fv, nil
}

// IntroductionFunding prepares the "Funding that fits" section of an
// introduction's page, as the viewer sees the introduction (a redacted
// owner is left out). A failure is logged and leaves the section out.
func (v *view) IntroductionFunding(in *kakehashi.Introduction) *fitsView {
	if v.ctx == nil || in == nil {
		return nil
	}
	t, err := kakehashi.IntroductionTarget(v.ctx, v.h.store, v.User, in)
	if err == nil {
		var fv *fitsView
		if fv, err = v.h.fits(v.ctx, t); err == nil {
			return fv
		}
	}
	v.h.log.Error("funding for introduction", "introduction", in.ID, "err", err)
	return nil
}

// ListingFunding prepares the "Funding that fits" section of a listing's
// page; l is the listing as the viewer sees it (a hidden owner is left
// out). A failure is logged and leaves the section out.
func (v *view) ListingFunding(l *kakehashi.Listing) *fitsView {
	if v.ctx == nil || l == nil {
		return nil
	}
	t, err := kakehashi.ListingTarget(v.ctx, v.h.store, l)
	if err == nil {
		var fv *fitsView
		if fv, err = v.h.fits(v.ctx, t); err == nil {
			return fv
		}
	}
	v.h.log.Error("funding for listing", "listing", l.ID, "err", err)
	return nil
}

// Programme is a funding call's programme name in the reader's language.
func (v *view) Programme(f *kakehashi.FundingCall) string {
	if v.Lang == langJA && f.ProgrammeJA != "" {
		return f.ProgrammeJA
	}
	return f.Programme
}

// AmountRange writes a funding call's amount range with its currency.
func (v *view) AmountRange(f *kakehashi.FundingCall) string {
	if f.AmountMin == 0 {
		return v.text.translate(v.Lang, "fund.upto", formatAmount(f.AmountMax, f.Currency)+" "+f.Currency)
	}
	return formatAmount(f.AmountMin, f.Currency) + "–" + formatAmount(f.AmountMax, f.Currency) + " " + f.Currency
}

// Rule says an eligibility rule a funding match met, in the reader's
// language.
func (v *view) Rule(r kakehashi.FundingRule) string {
	args := make([]any, len(r.Args))
	for i, a := range r.Args {
		args[i] = a
	}
	switch r.Rule {
	case "deadline":
		if t, err := time.Parse(time.DateOnly, r.Args[0]); err == nil {
			args[0] = formatDate(v.Lang, t)
		}
	case "applicant":
		args[1], args[2] = v.text.label(v.Lang, r.Args[1]), v.text.countryName(v.Lang, r.Args[2])
	}
	key := "fund.rule." + r.Rule
	if _, ok := v.text.lookup(key); !ok {
		return r.Detail
	}
	return v.text.translate(v.Lang, key, args...)
}

// ---- The list -------------------------------------------------------------------

type fundingListData struct {
	Open, Closed []*kakehashi.FundingCall
	Orgs         map[int64]*kakehashi.Organization
	CanCreate    bool
}

// canPublishFunding reports whether u may publish funding calls for some
// organization: staff, and admins of a funder or government organization.
func (h *Handler) canPublishFunding(r *http.Request, u *kakehashi.User) bool {
	if u.IsStaff() {
		return true
	}
	if u == nil || u.OrgRole != kakehashi.RoleOrgAdmin {
		return false
	}
	o := h.orgCache(r)(u.OrgID)
	return o != nil && slices.Contains(kakehashi.FunderKinds, o.Kind)
}

func (h *Handler) fundingCalls(w http.ResponseWriter, r *http.Request) {
	u := kakehashi.UserFromContext(r.Context())
	list, err := h.store.FundingCalls(r.Context(), kakehashi.FundingCallFilter{Limit: 1000})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := fundingListData{Orgs: map[int64]*kakehashi.Organization{}, CanCreate: h.canPublishFunding(r, u)}
	orgs := h.orgCache(r)
	now := h.now()
	for _, f := range list {
		d.Orgs[f.OrgID] = orgs(f.OrgID)
		if f.Open(now) {
			d.Open = append(d.Open, f)
		} else {
			d.Closed = append(d.Closed, f)
		}
	}
	slices.SortStableFunc(d.Open, func(a, b *kakehashi.FundingCall) int { return a.Deadline.Compare(b.Deadline) })
	h.render(w, r, http.StatusOK, "funding", h.view(r, h.text.translate(langOf(r), "fund.list.title"), d))
}

// ---- A funding call's page ---------------------------------------------------------

type fundingData struct {
	F      *kakehashi.FundingCall
	Org    *kakehashi.Organization
	Open   bool
	Notice bool
	// CanManage: the viewer may change and withdraw the call.
	CanManage bool
}

func (h *Handler) fundingCallPage(w http.ResponseWriter, r *http.Request) {
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := h.store.FundingCall(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := fundingData{F: f, Org: h.orgCache(r)(f.OrgID), Open: f.Open(h.now()), Notice: r.URL.Query().Get("saved") == "1",
		CanManage: kakehashi.CanManageFundingCallsOf(kakehashi.UserFromContext(r.Context()), f.OrgID)}
	v := h.view(r, "", d)
	v.Title = v.Programme(f)
	h.render(w, r, http.StatusOK, "funding_call", v)
}

// ---- The publish form ------------------------------------------------------------

type fundingFormData struct {
	F                                                *kakehashi.FundingCall
	Orgs                                             []*kakehashi.Organization
	Deadline, Min, Max, Countries, FieldCodes, Words string
	Errors                                           map[string]string
}

// Kinds lists the organization kinds a call may be open to.
func (d *fundingFormData) Kinds() []kakehashi.OrgKind { return kakehashi.OrgKinds }

// HasKind reports whether the call is open to kind k.
func (d *fundingFormData) HasKind(k kakehashi.OrgKind) bool {
	return slices.Contains(d.F.EligibleKinds, k)
}

func (h *Handler) fundingFormView(r *http.Request, d *fundingFormData) *view {
	if u := kakehashi.UserFromContext(r.Context()); u.IsStaff() && d.Orgs == nil && d.F.ID == 0 {
		all, _ := h.store.Organizations(r.Context(), kakehashi.OrganizationFilter{Limit: 1000})
		for _, o := range all {
			if slices.Contains(kakehashi.FunderKinds, o.Kind) {
				d.Orgs = append(d.Orgs, o)
			}
		}
	}
	title := "fund.new.title"
	if d.F.ID != 0 {
		title = "fund.edit.title"
	}
	return h.view(r, h.text.translate(langOf(r), title), d)
}

func (h *Handler) newFundingCall(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	cur := "JPY"
	if langOf(r) == langEN {
		cur = "USD"
	}
	d := &fundingFormData{F: &kakehashi.FundingCall{OrgID: u.OrgID, Currency: cur},
		Deadline: h.now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)}
	h.render(w, r, http.StatusOK, "funding_form", h.fundingFormView(r, d))
}

func (h *Handler) createFundingCall(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	h.saveFundingCall(w, r, u, &kakehashi.FundingCall{OrgID: ownerFor(r, u)})
}

// saveFundingCall reads the posted form into fc (a new call, or a stored
// one to change) and stores it, or draws the form again with its errors.
func (h *Handler) saveFundingCall(w http.ResponseWriter, r *http.Request, u *kakehashi.User, fc *kakehashi.FundingCall) {
	f := r.PostForm
	fc.Programme, fc.ProgrammeJA, fc.Description = f.Get("programme"), f.Get("programme_ja"), f.Get("description")
	fc.Currency, fc.MatchingRequired = strings.ToUpper(strings.TrimSpace(f.Get("currency"))), f.Get("matching_required") == "1"
	d := &fundingFormData{F: fc, Deadline: f.Get("deadline"), Min: f.Get("amount_min"), Max: f.Get("amount_max"),
		Countries: f.Get("eligible_countries"), FieldCodes: f.Get("fields"), Words: f.Get("keywords")}
	var p kakehashi.Problems
	// The deadline is the end of the given day in Japan, where most
	// programmes close at 23:59 JST; the form says so.
	if t, err := time.Parse(time.DateOnly, strings.TrimSpace(d.Deadline)); err == nil {
		fc.Deadline = t.Add(24*time.Hour - time.Second).Add(-9 * time.Hour)
	} else {
		p.Add("deadline", "must be a date such as 2027-03-31")
	}
	for _, a := range []struct {
		field, s string
		dst      *int64
	}{{"amount_min", d.Min, &fc.AmountMin}, {"amount_max", d.Max, &fc.AmountMax}} {
		if n, err := parseAmount(a.s, fc.Currency); err != nil {
			p.Add(a.field, "%q is not a number", a.s)
		} else {
			*a.dst = n
		}
	}
	fc.EligibleKinds = nil
	for _, k := range f["eligible_kinds"] {
		fc.EligibleKinds = append(fc.EligibleKinds, kakehashi.OrgKind(k))
	}
	fc.EligibleCountries = upper(splitComma(d.Countries))
	fc.Fields, fc.Keywords = splitComma(d.FieldCodes), splitComma(d.Words)
	fc.Normalize()
	status := http.StatusUnprocessableEntity
	if d.Errors = fieldErrors(langOf(r), p.Err("funding call"), fc.Validate()); len(d.Errors) == 0 {
		var err error
		refused := !kakehashi.CanManageFundingCallsOf(u, fc.OrgID)
		switch {
		case refused:
			// Not the funder's admin: refused, with the form and the reason.
			status, d.Errors = http.StatusForbidden, map[string]string{"form": h.text.translate(langOf(r), "fund.form.notadmin")}
		case fc.ID == 0:
			err = h.store.CreateFundingCall(r.Context(), fc, u)
		default:
			err = h.store.UpdateFundingCall(r.Context(), fc, u)
		}
		switch {
		case refused:
		case err == nil:
			http.Redirect(w, r, "/funding/"+strconv.FormatInt(fc.ID, 10)+"?saved=1", http.StatusSeeOther)
			return
		case kakehashi.ErrorCode(err) != kakehashi.EINVALID:
			h.fail(w, r, err)
			return
		default:
			d.Errors = fieldErrors(langOf(r), err)
		}
	}
	h.render(w, r, status, "funding_form", h.fundingFormView(r, d))
}

// managedFunding loads the funding call of the path for the funder's
// admins and staff; 403 for others.
func (h *Handler) managedFunding(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.FundingCall) {
	return managedByPath(h, w, r, h.store.FundingCall, func(u *kakehashi.User, f *kakehashi.FundingCall) bool {
		return kakehashi.CanManageFundingCallsOf(u, f.OrgID)
	}, "only the funder's admins and coordinators change its funding calls")
}

func (h *Handler) editFundingForm(w http.ResponseWriter, r *http.Request) {
	_, f := h.managedFunding(w, r)
	if f == nil {
		return
	}
	d := &fundingFormData{F: f, Deadline: f.Deadline.Add(9 * time.Hour).Format(time.DateOnly),
		Min: formatAmount(f.AmountMin, f.Currency), Max: formatAmount(f.AmountMax, f.Currency),
		Countries: strings.Join(f.EligibleCountries, ", "), FieldCodes: strings.Join(f.Fields, ", "), Words: strings.Join(f.Keywords, ", ")}
	h.render(w, r, http.StatusOK, "funding_form", h.fundingFormView(r, d))
}

func (h *Handler) editFundingCall(w http.ResponseWriter, r *http.Request) {
	u, f := h.managedFunding(w, r)
	if f == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	h.saveFundingCall(w, r, u, f)
}

func (h *Handler) deleteFundingCall(w http.ResponseWriter, r *http.Request) {
	u, f := h.managedFunding(w, r)
	if f == nil {
		return
	}
	if err := h.store.DeleteFundingCall(r.Context(), f.ID, u); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/funding", http.StatusSeeOther)
}
