package web

// The collaboration pipeline in the browser: expressing interest in a
// listing, the introductions a user takes part in (all of them for platform
// staff), one introduction with its stage track, history, actions and
// message thread, and the inbox of notifications. Access follows the JSON
// API exactly (httpapi/introductions.go): parties and staff see an
// introduction, others get 404; the owner of a confidential listing stays
// hidden from the requester's side until it accepts.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
)

// defaultStallAfter is how long an introduction may sit at one stage before the
// pages flag it as stalled: the same default as the API (app.DefaultStallAfter).
const defaultStallAfter = app.DefaultStallAfter

// introListLimit bounds the introductions one page lists.
const introListLimit = 1000

// unreadLimit bounds the unread count the header reads; more shows as 99+.
const unreadLimit = 100

// stalled reports whether an open introduction has not moved for the stall
// period.
func (h *Handler) stalled(in *kakehashi.Introduction) bool {
	return in.Open() && in.StageChangedAt.Before(h.now().Add(-h.stallAfter))
}

// showIntro prepares an introduction for viewer as the API's showIntro
// does: the owner of a confidential listing hidden from the requester's
// side until the owner accepts, and the stall flag. It returns the copy to
// show and the listing as stored (nil if it is gone).
func (h *Handler) showIntro(ctx context.Context, viewer *kakehashi.User, in *kakehashi.Introduction, listings map[int64]*kakehashi.Listing) (*kakehashi.Introduction, *kakehashi.Listing, error) {
	l, ok := listings[in.ListingID]
	if !ok {
		var err error
		l, err = h.store.Listing(ctx, in.ListingID)
		if err != nil && kakehashi.ErrorCode(err) != kakehashi.ENOTFOUND {
			return nil, nil, err
		}
		if listings != nil {
			listings[in.ListingID] = l
		}
	}
	out := kakehashi.RedactIntroduction(viewer, in, l != nil && l.Visibility == kakehashi.VisibilityConfidential)
	if out == in {
		c := *in
		out = &c
	}
	out.Stalled = h.stalled(out)
	return out, l, nil
}

// stageStep is one stage of the track drawn for an introduction.
type stageStep struct {
	Stage kakehashi.Stage
	// State is done, current, todo or skipped (never reached before the
	// introduction closed).
	State string
}

// stageSteps lays out the pipeline for in; reached lists the stages the
// introduction passed through, when known (for a closed one).
func stageSteps(in *kakehashi.Introduction, reached map[kakehashi.Stage]bool) []stageStep {
	cur := slices.Index(kakehashi.Stages, in.Stage)
	out := make([]stageStep, len(kakehashi.Stages))
	for i, s := range kakehashi.Stages {
		st := "todo"
		switch {
		case i == cur:
			st = "current"
		case i < cur && (in.Open() || reached == nil || reached[s]):
			st = "done"
		case i < cur:
			st = "skipped"
		}
		out[i] = stageStep{Stage: s, State: st}
	}
	return out
}

// nextStage is the forward step from an open stage ("" from agreement,
// which only closes).
func nextStage(s kakehashi.Stage) kakehashi.Stage {
	i := slices.Index(kakehashi.Stages, s)
	if i < 0 || i+2 >= len(kakehashi.Stages) {
		return ""
	}
	return kakehashi.Stages[i+1]
}

// Labels of the pipeline's enumerations, from the messages.

func (v *view) StageName(s kakehashi.Stage) string     { return v.pipeLabel("stage.", string(s)) }
func (v *view) OutcomeName(o kakehashi.Outcome) string { return v.pipeLabel("outcome.", string(o)) }
func (v *view) ReasonName(r kakehashi.Reason) string   { return v.pipeLabel("reason.", string(r)) }

func (v *view) pipeLabel(prefix, value string) string {
	if value == "" {
		return ""
	}
	if _, ok := v.text.lookup(prefix + value); !ok {
		return value
	}
	return v.text.translate(v.Lang, prefix+value)
}

// Reasons lists the reasons a decline or a loss may give.
func (v *view) Reasons() []kakehashi.Reason { return kakehashi.Reasons }

// Money writes an agreement's value in its currency's units.
func (v *view) Money(a *kakehashi.Agreement) string {
	if a == nil {
		return ""
	}
	return formatAmount(a.Value, a.Currency) + " " + a.Currency
}

// Unread is the signed-in user's count of unread notifications, read once
// per page (one query, at most unreadLimit rows).
func (v *view) Unread() int {
	if v.User == nil || v.ctx == nil {
		return 0
	}
	if v.unread == nil {
		n := 0
		list, err := v.h.store.Notifications(v.ctx, v.User.ID, true, unreadLimit)
		if err != nil {
			v.h.log.Warn("read unread notifications", "user", v.User.ID, "err", err)
		} else {
			n = len(list)
		}
		v.unread = &n
	}
	return *v.unread
}

// UnreadLabel is the unread count as the header shows it.
func (v *view) UnreadLabel() string {
	if n := v.Unread(); n >= unreadLimit {
		return strconv.Itoa(unreadLimit-1) + "+"
	}
	return strconv.Itoa(v.Unread())
}

// currencyDigits gives the minor-unit digits of currencies that do not use
// two; Agreement.Value is in minor units.
var currencyDigits = map[string]int{
	"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0, "XAF": 0, "XOF": 0, "XPF": 0, "RWF": 0, "KMF": 0, "GNF": 0, "DJF": 0, "VUV": 0,
	"BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3,
}

func minorDigits(currency string) int {
	if d, ok := currencyDigits[currency]; ok {
		return d
	}
	return 2
}

// parseAmount reads an amount such as "12,500,000" or "1250.50" into minor
// units of currency, exactly.
func parseAmount(s, currency string) (int64, error) {
	s = strings.NewReplacer(",", "", " ", "", "_", "", "，", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return 0, nil
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	digits := minorDigits(currency)
	if whole == "" || len(frac) > digits || hasFrac && frac == "" {
		return 0, errors.New("not an amount")
	}
	frac += strings.Repeat("0", digits-len(frac))
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, errors.New("not an amount")
		}
	}
	if len(whole)+len(frac) > 18 {
		return 0, errors.New("too large")
	}
	return strconv.ParseInt(whole+frac, 10, 64)
}

// formatAmount writes minor units of currency with thousands separators.
func formatAmount(v int64, currency string) string {
	digits := minorDigits(currency)
	neg := v < 0
	if neg {
		v = -v
	}
	scale := int64(1)
	for range digits {
		scale *= 10
	}
	s := formatNumber(int(v / scale))
	if digits > 0 {
		s += fmt.Sprintf(".%0*d", digits, v%scale)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// pipelineMessages says the domain's pipeline validation messages in the
// reader's language; others go to validationMessage.
var pipelineMessages = []struct{ prefix, key string }{
	{"a decline needs a reason", "pipe.err.reason"},
	{"a lost introduction needs a reason", "pipe.err.reason"},
	{"closing an interest declines it", "pipe.err.outcome"},
	{"must be won or lost", "pipe.err.outcome"},
	{"only an introduction that reached an agreement is won", "pipe.err.won"},
	{"an agreement has at least two parties", "pipe.err.parties"},
	{"must be an ISO 4217 code", "pipe.err.currency"},
	{"must not be negative", "pipe.err.value"},
	{"is your own organization's listing", "pipe.err.own"},
	{"must be one of your organization's listings", "pipe.err.related"},
	{"must be an active coordinator or admin", "pipe.err.coordinator"},
	{"is required to reach the agreement stage", "pipe.err.agreement"},
}

func (h *Handler) pipelineMessage(lang, msg string) string {
	for _, m := range pipelineMessages {
		if strings.HasPrefix(msg, m.prefix) {
			return h.text.translate(lang, m.key)
		}
	}
	return validationMessage(lang, msg)
}

// pipelineErrors maps an error's field errors to form fields, in the
// reader's language ("agreement.parties[1]" → "agreement.parties").
func (h *Handler) pipelineErrors(lang string, err error) map[string]string {
	out := map[string]string{}
	for _, fe := range kakehashi.FieldErrors(err) {
		name := fe.Field
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		if _, dup := out[name]; !dup {
			out[name] = h.pipelineMessage(lang, fe.Message)
		}
	}
	return out
}

// statusWriter answers with status instead of 200, so that a page handler
// can render a form that failed.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s statusWriter) WriteHeader(code int) {
	if code == http.StatusOK {
		code = s.status
	}
	s.ResponseWriter.WriteHeader(code)
}

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

// ---- One introduction -------------------------------------------------------

// introData is the introduction page.
type introData struct {
	In      *kakehashi.Introduction // as the viewer may see it
	Listing *kakehashi.Listing      // nil when the viewer may not see it any more
	Related *kakehashi.Listing
	introRow
	RequesterPerson party
	Coordinator     *kakehashi.User
	Events          []eventView
	Messages        []messageView
	// CanAct: the viewer may move the introduction on from where it is.
	CanAct       bool
	Next         kakehashi.Stage
	Coordinators []*kakehashi.User
	StallDays    int
	// Notice is a message key for what the last action did.
	Notice string
	// Action names the form whose Errors these are; Form holds what it sent.
	Action   string
	Errors   map[string]string
	Form     map[string]string
	Conflict bool
	// Agreement form defaults.
	Parties, Today string
}

type eventView struct {
	E     *kakehashi.StageEvent
	Actor party
}

type messageView struct {
	M      *kakehashi.Message
	Author party
}

// Err returns the error of field in the form named action, if that form
// was the one sent.
func (d *introData) Err(action, field string) string {
	if d.Action != action {
		return ""
	}
	return d.Errors[field]
}

// Value returns what the form named action sent for field.
func (d *introData) Value(action, field string) string {
	if d.Action != action {
		return ""
	}
	return d.Form[field]
}

// visibleIntro loads the introduction of the path for a signed-in party or
// staff member; others get 404, as from the API.
func (h *Handler) visibleIntro(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Introduction) {
	u := h.requireUser(w, r)
	if u == nil {
		return nil, nil
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	in, err := h.store.Introduction(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	if !kakehashi.CanSeeIntroduction(u, in) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.ENOTFOUND, "introduction %d not found", id))
		return nil, nil
	}
	return u, in
}

func (h *Handler) introduction(w http.ResponseWriter, r *http.Request) {
	u, in := h.visibleIntro(w, r)
	if in == nil {
		return
	}
	// Reading the introduction reads its notifications.
	ctx := r.Context()
	if unread, err := h.store.Notifications(ctx, u.ID, true, 200); err == nil {
		var ids []int64
		link := "/introductions/" + strconv.FormatInt(in.ID, 10)
		for _, n := range unread {
			if n.Link == link {
				ids = append(ids, n.ID)
			}
		}
		if len(ids) > 0 {
			if err := h.store.MarkNotificationsRead(ctx, u.ID, ids); err != nil {
				h.log.Warn("mark notifications read", "user", u.ID, "err", err)
			}
		}
	}
	q := r.URL.Query()
	d := &introData{}
	switch {
	case q.Get("sent") == "1":
		d.Notice = "interest.sent"
	case q.Get("done") == "1":
		d.Notice = "intro.saved"
	case q.Get("posted") == "1":
		d.Notice = "intro.posted"
	}
	h.introPage(w, r, http.StatusOK, u, in, d)
}

// introPage renders the introduction page with what d already holds (a
// notice, or a failed form).
func (h *Handler) introPage(w http.ResponseWriter, r *http.Request, status int, u *kakehashi.User, stored *kakehashi.Introduction, d *introData) {
	ctx := r.Context()
	x := h.lister(ctx, u)
	row, err := x.row(stored)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.introRow, d.In, d.Listing = row, row.In, row.Listing
	d.RequesterPerson = x.person(stored.RequesterID, stored, row.In)
	if stored.RelatedListingID != 0 {
		if l, err := h.store.Listing(ctx, stored.RelatedListingID); err == nil {
			d.Related = kakehashi.Redact(u, l)
		}
	}
	if c := x.user(stored.CoordinatorID); !kakehashi.HidesPerson(stored, row.In, c) {
		d.Coordinator = c
	}
	events, err := h.store.StageEvents(ctx, stored.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reached := map[kakehashi.Stage]bool{kakehashi.StageInterest: true}
	for _, e := range events {
		reached[e.To] = true
		d.Events = append(d.Events, eventView{E: e, Actor: x.person(e.ActorID, stored, row.In)})
	}
	d.Steps = stageSteps(row.In, reached)
	msgs, err := h.store.Messages(ctx, stored.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, m := range msgs {
		d.Messages = append(d.Messages, messageView{M: m, Author: x.person(m.AuthorID, stored, row.In)})
	}
	d.CanAct = stored.Open() && kakehashi.CanTransition(u, stored, kakehashi.Transition{})
	d.Next = nextStage(stored.Stage)
	d.StallDays = int(h.stallAfter / (24 * time.Hour))
	if u.IsStaff() {
		users, err := h.store.Users(ctx, kakehashi.UserFilter{Limit: 1000})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, c := range users {
			if c.IsStaff() && !c.Disabled {
				d.Coordinators = append(d.Coordinators, c)
			}
		}
	}
	var parties []string
	for _, o := range []*kakehashi.Organization{row.Requester.Org, row.Owner.Org} {
		if o != nil {
			parties = append(parties, o.Name)
		}
	}
	d.Parties = strings.Join(parties, ", ")
	d.Today = h.now().UTC().Format(time.DateOnly)
	title := h.text.translate(langOf(r), "intro.title")
	if d.Listing != nil {
		title += ": " + d.Listing.Title
	}
	h.render(w, r, status, "introduction", h.view(r, title, d))
}

// transitionForm reads the action forms of the introduction page.
func (h *Handler) transitionForm(r *http.Request, action string, in *kakehashi.Introduction) (*kakehashi.Transition, map[string]string, map[string]string) {
	f := r.PostForm
	form := map[string]string{}
	for k := range f {
		form[k] = f.Get(k)
	}
	errs := map[string]string{}
	lang := langOf(r)
	t := &kakehashi.Transition{Note: strings.TrimSpace(f.Get("note"))}
	switch action {
	case "accept":
		t.To = kakehashi.StageIntroduced
	case "decline":
		t.To, t.Outcome = kakehashi.StageClosed, kakehashi.OutcomeDeclined
		t.Reason, t.ReasonText = kakehashi.Reason(f.Get("reason")), strings.TrimSpace(f.Get("reason_text"))
	case "lost":
		t.To, t.Outcome = kakehashi.StageClosed, kakehashi.OutcomeLost
		t.Reason, t.ReasonText = kakehashi.Reason(f.Get("reason")), strings.TrimSpace(f.Get("reason_text"))
	case "won":
		t.To, t.Outcome = kakehashi.StageClosed, kakehashi.OutcomeWon
	case "advance":
		t.To = kakehashi.Stage(f.Get("to"))
	case "agreement":
		t.To = kakehashi.StageAgreement
		a := &kakehashi.Agreement{Type: kakehashi.PartnershipType(f.Get("type")), Parties: splitComma(f.Get("parties")),
			Currency: strings.ToUpper(strings.TrimSpace(f.Get("currency")))}
		v, err := parseAmount(f.Get("value"), a.Currency)
		if err != nil {
			errs["agreement.value"] = h.text.translate(lang, "pipe.err.amount")
		}
		a.Value = v
		if ds := strings.TrimSpace(f.Get("date")); ds != "" {
			d, err := time.Parse(time.DateOnly, ds)
			if err != nil {
				errs["agreement.date"] = validationMessage(lang, "must be a date such as 2027-03-31")
			}
			a.Date = d
		}
		t.Agreement = a
	default:
		return nil, form, errs
	}
	return t, form, errs
}

func (h *Handler) transition(w http.ResponseWriter, r *http.Request) {
	u, in := h.visibleIntro(w, r)
	if in == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	action := r.PostFormValue("action")
	t, form, errs := h.transitionForm(r, action, in)
	d := &introData{Action: action, Form: form, Errors: errs}
	if t == nil {
		d.Errors["form"] = h.text.translate(langOf(r), "intro.unknown")
		h.introPage(w, r, http.StatusUnprocessableEntity, u, in, d)
		return
	}
	if !kakehashi.CanTransition(u, in, *t) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the listing's organization or a coordinator accepts or declines an interest"))
		return
	}
	if len(errs) == 0 {
		_, err := h.store.Transition(r.Context(), in.ID, *t, u)
		switch kakehashi.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/introductions/"+strconv.FormatInt(in.ID, 10)+"?done=1", http.StatusSeeOther)
			return
		case kakehashi.EINVALID:
			d.Errors = h.pipelineErrors(langOf(r), err)
			if len(d.Errors) == 0 {
				d.Errors["form"] = kakehashi.ErrorMessage(err)
			}
		case kakehashi.ECONFLICT:
			d.Conflict = true
			// Show where it stands now.
			if now, err := h.store.Introduction(r.Context(), in.ID); err == nil {
				in = now
			}
			h.introPage(w, r, http.StatusConflict, u, in, d)
			return
		default:
			h.fail(w, r, err)
			return
		}
	}
	d.Errors = gatherErrors(action, d.Errors)
	h.introPage(w, r, http.StatusUnprocessableEntity, u, in, d)
}

// inlineFields are the fields each form shows its errors beside; the
// others are said above the form.
var inlineFields = map[string][]string{
	"decline":   {"reason", "reason_text"},
	"lost":      {"reason", "reason_text"},
	"agreement": {"agreement.type", "agreement.parties", "agreement.value", "agreement.currency", "agreement.date"},
	"message":   {"body"},
	"assign":    {"coordinator_id"},
	"interest":  {"message", "related_listing_id"},
}

// gatherErrors moves the errors of fields a form does not show into its
// "form" error, so that none is lost.
func gatherErrors(action string, errs map[string]string) map[string]string {
	var rest []string
	for k, v := range errs {
		if k != "form" && !slices.Contains(inlineFields[action], k) {
			rest = append(rest, v)
			delete(errs, k)
		}
	}
	if len(rest) > 0 {
		slices.Sort(rest)
		errs["form"] = strings.Join(append([]string{errs["form"]}, rest...), " ")
		errs["form"] = strings.TrimSpace(errs["form"])
	}
	return errs
}

func (h *Handler) assignCoordinator(w http.ResponseWriter, r *http.Request) {
	u, in := h.visibleIntro(w, r)
	if in == nil {
		return
	}
	if !u.IsStaff() {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "only coordinators and admins assign coordinators"))
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("coordinator_id"), 10, 64)
	err := h.store.AssignCoordinator(r.Context(), in.ID, id, u)
	switch kakehashi.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/introductions/"+strconv.FormatInt(in.ID, 10)+"?done=1", http.StatusSeeOther)
	case kakehashi.EINVALID:
		d := &introData{Action: "assign", Form: map[string]string{"coordinator_id": r.PostFormValue("coordinator_id")},
			Errors: gatherErrors("assign", h.pipelineErrors(langOf(r), err))}
		h.introPage(w, r, http.StatusUnprocessableEntity, u, in, d)
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) postMessage(w http.ResponseWriter, r *http.Request) {
	u, in := h.visibleIntro(w, r)
	if in == nil {
		return
	}
	m := &kakehashi.Message{IntroductionID: in.ID, Body: r.PostFormValue("body")}
	err := h.store.PostMessage(r.Context(), m, u)
	switch kakehashi.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/introductions/"+strconv.FormatInt(in.ID, 10)+"?posted=1#messages", http.StatusSeeOther)
	case kakehashi.EINVALID:
		d := &introData{Action: "message", Form: map[string]string{"body": r.PostFormValue("body")},
			Errors: gatherErrors("message", h.pipelineErrors(langOf(r), err))}
		h.introPage(w, r, http.StatusUnprocessableEntity, u, in, d)
	default:
		h.fail(w, r, err)
	}
}

// ---- The inbox ---------------------------------------------------------------

// inboxData is the inbox page.
type inboxData struct {
	Items  []inboxItem
	Unread []int64
}

type inboxItem struct {
	N *kakehashi.Notification
	// Kind is the message key of the notification's kind.
	Kind string
	Href string
}

// inboxKinds are the kinds of notification the store sends.
var inboxKinds = map[string]string{"interest": "inbox.kind.interest", "stage": "inbox.kind.stage", "message": "inbox.kind.message",
	"assigned": "inbox.kind.assigned", "stalled": "inbox.kind.stalled", "alert": "inbox.kind.alert",
	"proposal": "inbox.kind.proposal", "proposal_stage": "inbox.kind.proposal_stage", "decision": "inbox.kind.decision", "reviewer": "inbox.kind.reviewer",
	"consortium": "inbox.kind.consortium"}

func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	list, err := h.store.Notifications(r.Context(), u.ID, false, 200)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &inboxData{}
	for _, n := range list {
		it := inboxItem{N: n, Kind: cmp.Or(inboxKinds[n.Kind], "inbox.kind.other")}
		if n.Link != "" && safeNext(n.Link) == n.Link {
			it.Href = n.Link
		}
		if n.ReadAt == nil {
			d.Unread = append(d.Unread, n.ID)
		}
		d.Items = append(d.Items, it)
	}
	h.render(w, r, http.StatusOK, "inbox", h.view(r, h.text.translate(langOf(r), "inbox.title"), d))
}

// markRead marks the notifications the inbox showed unread as read (not
// those that arrived since).
func (h *Handler) markRead(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	var ids []int64
	for _, s := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		if err := h.store.MarkNotificationsRead(r.Context(), u.ID, ids); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}
