package web

// Consortia in the browser: the list of consortia the viewer may see, the
// new-consortium form, and a consortium's page with its members, the join
// request form (for admins of other organizations), pending requests with
// approve and decline buttons, tasks with the add-task form and status
// changes, shared listings, and the funding that fits it. Only the lead's
// admins and platform staff manage; access follows the JSON API
// (httpapi/consortia.go): a private consortium is seen by its members and
// staff, others get 404.

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// ConsortiumStore is what the consortium and funding pages need.
type ConsortiumStore interface {
	kakehashi.ConsortiumService
	kakehashi.FundingService
	// FundingFits returns the open funding calls that fit target at now.
	FundingFits(ctx context.Context, target kakehashi.FundingTarget, now time.Time, n int) ([]kakehashi.FundingMatch, error)
}

// registerConsortia adds the consortium and funding pages.
func (h *Handler) registerConsortia() {
	h.handle("GET /consortia", h.consortia)
	h.handle("GET /consortia/new", h.newConsortium)
	h.handle("POST /consortia/new", h.createConsortium)
	h.handle("GET /consortia/{id}", h.consortiumPage)
	h.handle("GET /consortia/{id}/edit", h.editConsortiumForm)
	h.handle("POST /consortia/{id}/edit", h.editConsortium)
	h.handle("POST /consortia/{id}/join", h.joinConsortium)
	h.handle("POST /consortia/{id}/members", h.addMember)
	h.handle("POST /consortia/{id}/requests/{org}/approve", h.decideMembership(true))
	h.handle("POST /consortia/{id}/requests/{org}/decline", h.decideMembership(false))
	h.handle("POST /consortia/{id}/tasks", h.addTask)
	h.handle("POST /consortia/{id}/tasks/{task}/status", h.taskStatus)
	h.handle("POST /consortia/{id}/listings", h.shareListing)
	h.registerFunding()
}

// ---- Helpers for the templates ----------------------------------------------

// ConsortiumTitle is the consortium's title in the reader's language.
func (v *view) ConsortiumTitle(c *kakehashi.Consortium) string {
	if v.Lang == langJA && c.TitleJA != "" {
		return c.TitleJA
	}
	return c.Title
}

// ConsortiumDescription is the consortium's description in the reader's
// language.
func (v *view) ConsortiumDescription(c *kakehashi.Consortium) string {
	if v.Lang == langJA && c.DescriptionJA != "" {
		return c.DescriptionJA
	}
	return c.Description
}

// Day writes a date-only value (stored at midnight UTC) as a date.
func (v *view) Day(t time.Time) string { return formatDate(v.Lang, t) }

// ---- The list ----------------------------------------------------------------

type consortiaData struct {
	List      []*kakehashi.Consortium
	Orgs      map[int64]*kakehashi.Organization
	CanCreate bool
}

func (h *Handler) consortia(w http.ResponseWriter, r *http.Request) {
	u := kakehashi.UserFromContext(r.Context())
	list, err := h.store.Consortia(r.Context(), kakehashi.ConsortiumFilter{Viewer: u, Limit: 1000})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := consortiaData{List: list, Orgs: map[int64]*kakehashi.Organization{},
		CanCreate: u.IsStaff() || u != nil && u.OrgRole == kakehashi.RoleOrgAdmin}
	orgs := h.orgCache(r)
	for _, c := range list {
		d.Orgs[c.LeadOrgID] = orgs(c.LeadOrgID)
	}
	h.render(w, r, http.StatusOK, "consortia", h.view(r, h.text.translate(langOf(r), "cons.list.title"), d))
}

// ---- The new-consortium form ------------------------------------------------------

type consortiumFormData struct {
	C                                   *kakehashi.Consortium
	Orgs                                []*kakehashi.Organization
	Start, End, FieldCodes, KeywordList string
	Errors                              map[string]string
}

func (h *Handler) consortiumFormView(r *http.Request, d *consortiumFormData) *view {
	if u := kakehashi.UserFromContext(r.Context()); u.IsStaff() && d.Orgs == nil {
		d.Orgs, _ = h.store.Organizations(r.Context(), kakehashi.OrganizationFilter{Limit: 1000})
	}
	return h.view(r, h.text.translate(langOf(r), "cons.new.title"), d)
}

func (h *Handler) newConsortium(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	today := h.now().UTC()
	d := &consortiumFormData{C: &kakehashi.Consortium{LeadOrgID: u.OrgID, Public: true},
		Start: today.Format(time.DateOnly), End: today.AddDate(3, 0, 0).Format(time.DateOnly)}
	h.render(w, r, http.StatusOK, "consortium_form", h.consortiumFormView(r, d))
}

// parseDay reads a date field of a form into *dst.
func parseDay(p *kakehashi.Problems, field, s string, dst *time.Time) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		p.Add(field, "must be a date such as 2027-03-31")
		return
	}
	*dst = t
}

func (h *Handler) createConsortium(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	f := r.PostForm
	c := &kakehashi.Consortium{LeadOrgID: ownerFor(r, u), Title: f.Get("title"), TitleJA: f.Get("title_ja"), Description: f.Get("description"),
		DescriptionJA: f.Get("description_ja"), Fields: splitComma(f.Get("fields")), Keywords: splitComma(f.Get("keywords")), Public: f.Get("public") == "1"}
	d := &consortiumFormData{C: c, Start: f.Get("start"), End: f.Get("end"), FieldCodes: f.Get("fields"), KeywordList: f.Get("keywords")}
	var p kakehashi.Problems
	parseDay(&p, "start", d.Start, &c.Start)
	parseDay(&p, "end", d.End, &c.End)
	c.Normalize()
	status := http.StatusUnprocessableEntity
	if d.Errors = fieldErrors(langOf(r), p.Err("consortium"), c.Validate()); len(d.Errors) == 0 {
		if !kakehashi.CanCreateConsortiumFor(u, c.LeadOrgID) {
			// Not the lead's admin: refused, with the form and the reason.
			status, d.Errors = http.StatusForbidden, map[string]string{"form": h.text.translate(langOf(r), "cons.form.notadmin")}
		} else if err := h.store.CreateConsortium(r.Context(), c, u); err == nil {
			http.Redirect(w, r, "/consortia/"+strconv.FormatInt(c.ID, 10)+"?done=created", http.StatusSeeOther)
			return
		} else if kakehashi.ErrorCode(err) != kakehashi.EINVALID {
			h.fail(w, r, err)
			return
		} else {
			d.Errors = fieldErrors(langOf(r), err)
		}
	}
	h.render(w, r, status, "consortium_form", h.consortiumFormView(r, d))
}

// ---- A consortium's page --------------------------------------------------------

type memberView struct {
	M   *kakehashi.Membership
	Org *kakehashi.Organization
}

type taskView struct {
	T     *kakehashi.Task
	Owner *kakehashi.Organization
}

type consortiumData struct {
	C         *kakehashi.Consortium
	Lead      *kakehashi.Organization
	Members   []memberView
	Pending   []memberView
	Tasks     []taskView
	Shared    []*kakehashi.Listing
	CanManage bool
	// Join is the viewer's organization when its admin may ask to join;
	// Mine the viewer's organization's membership, if any.
	Join *kakehashi.Organization
	Mine *kakehashi.Membership
	// ActiveOrgs (leads and members) own tasks; Shareable are listings
	// of active members (observers included) the lead may
	// share; Addable the organizations the lead may add.
	ActiveOrgs []*kakehashi.Organization
	Shareable  []*kakehashi.Listing
	Addable    []*kakehashi.Organization
	Fits       *fitsView
	Notice     string
	// Action names the form whose Errors these are; Form holds what it sent.
	Action string
	Errors map[string]string
	Form   map[string]string
}

// Err returns the error of field in the form named action, if that form
// was the one sent.
func (d *consortiumData) Err(action, field string) string {
	if d.Action != action {
		return ""
	}
	return d.Errors[field]
}

// Value returns what the form named action sent for field.
func (d *consortiumData) Value(action, field string) string {
	if d.Action != action {
		return ""
	}
	return d.Form[field]
}

// TaskStatuses lists the task statuses.
func (d *consortiumData) TaskStatuses() []kakehashi.TaskStatus { return kakehashi.TaskStatuses }

// visibleConsortium loads the consortium of the path as the viewer may see
// it, with its memberships; 404 for those who may not.
func (h *Handler) visibleConsortium(r *http.Request) (*kakehashi.User, *kakehashi.Consortium, []*kakehashi.Membership, error) {
	u := kakehashi.UserFromContext(r.Context())
	id, err := h.pathID(r)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := h.store.Consortium(r.Context(), id)
	if err != nil {
		return nil, nil, nil, err
	}
	members, err := h.store.Members(r.Context(), id)
	if err != nil {
		return nil, nil, nil, err
	}
	if !kakehashi.CanSeeConsortium(u, c, members) {
		return nil, nil, nil, kakehashi.Errorf(kakehashi.ENOTFOUND, "consortium %d not found", id)
	}
	return u, c, members, nil
}

func (h *Handler) consortiumPage(w http.ResponseWriter, r *http.Request) {
	d := &consortiumData{}
	if done := r.URL.Query().Get("done"); done != "" {
		d.Notice = "cons.done." + done
		if _, ok := h.text.lookup(d.Notice); !ok {
			d.Notice = ""
		}
	}
	h.renderConsortium(w, r, http.StatusOK, d)
}

// renderConsortium draws the consortium page with what d already holds (a
// notice, or a failed form).
func (h *Handler) renderConsortium(w http.ResponseWriter, r *http.Request, status int, d *consortiumData) {
	ctx := r.Context()
	u, c, members, err := h.visibleConsortium(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	orgs := h.orgCache(r)
	d.C, d.Lead, d.CanManage = c, orgs(c.LeadOrgID), kakehashi.CanManageConsortium(u, c)
	for _, m := range members {
		mv := memberView{M: m, Org: orgs(m.OrgID)}
		switch m.Status {
		case kakehashi.MembershipActive:
			d.Members = append(d.Members, mv)
			if mv.Org != nil && m.Role != kakehashi.MemberObserver {
				d.ActiveOrgs = append(d.ActiveOrgs, mv.Org)
			}
		case kakehashi.MembershipPending:
			if d.CanManage {
				d.Pending = append(d.Pending, mv)
			}
		}
		if u != nil && u.OrgID == m.OrgID {
			d.Mine = m
		}
	}
	if u != nil && u.OrgID != 0 && (d.Mine == nil || d.Mine.Status == kakehashi.MembershipDeclined) && kakehashi.CanRequestMembership(u, u.OrgID) {
		d.Join = orgs(u.OrgID)
	}
	tasks, err := h.store.Tasks(ctx, c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, t := range tasks {
		d.Tasks = append(d.Tasks, taskView{T: t, Owner: orgs(t.OwnerOrgID)})
	}
	shared, err := h.store.SharedListings(ctx, c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, id := range shared {
		if l, err := h.store.Listing(ctx, id); err == nil {
			if rl := kakehashi.Redact(u, l); rl != nil {
				d.Shared = append(d.Shared, rl)
			}
		}
	}
	if d.CanManage {
		for _, m := range d.Members {
			ls, err := h.store.Listings(ctx, kakehashi.ListingFilter{OrgID: m.M.OrgID, Limit: 100}, u)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			for _, l := range ls {
				if l.Status != kakehashi.StatusDraft && !slices.Contains(shared, l.ID) {
					d.Shareable = append(d.Shareable, l)
				}
			}
		}
	}
	if d.CanManage {
		all, err := h.store.Organizations(ctx, kakehashi.OrganizationFilter{Limit: 1000})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, o := range all {
			if !slices.ContainsFunc(members, func(m *kakehashi.Membership) bool { return m.OrgID == o.ID && m.Status != kakehashi.MembershipDeclined }) {
				d.Addable = append(d.Addable, o)
			}
		}
	}
	t, err := kakehashi.ConsortiumTarget(ctx, h.store, u, c, members, shared)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Fits, err = h.fits(r.Context(), t); err != nil {
		h.fail(w, r, err)
		return
	}
	v := h.view(r, c.Title, d)
	v.Title = v.ConsortiumTitle(c)
	h.render(w, r, status, "consortium", v)
}

// afterWrite redirects to the consortium page with a notice when err is
// nil, draws it again with the form's field errors for an invalid request
// or a conflict, and fails otherwise.
func (h *Handler) afterWrite(w http.ResponseWriter, r *http.Request, err error, action, done string) {
	switch kakehashi.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/consortia/"+r.PathValue("id")+"?done="+done+"#"+action, http.StatusSeeOther)
	case kakehashi.EINVALID, kakehashi.ECONFLICT:
		d := &consortiumData{Action: action, Errors: fieldErrors(langOf(r), err), Form: map[string]string{}}
		for k, vs := range r.PostForm {
			if len(vs) > 0 {
				d.Form[k] = vs[0]
			}
		}
		if d.Errors == nil {
			d.Errors = map[string]string{}
		}
		if len(d.Errors) == 0 || kakehashi.ErrorCode(err) == kakehashi.ECONFLICT {
			d.Errors["form"] = kakehashi.ErrorMessage(err)
		} else {
			// The fields are marked in the form; the top of the page says
			// what they are, in case one is not in it.
			msgs := []string{}
			for _, m := range d.Errors {
				msgs = append(msgs, m)
			}
			slices.Sort(msgs)
			d.Errors["form"] = h.text.translate(langOf(r), "form.errors") + " " + strings.Join(msgs, " ")
		}
		status := http.StatusUnprocessableEntity
		if kakehashi.ErrorCode(err) == kakehashi.ECONFLICT {
			status = http.StatusConflict
		}
		h.renderConsortium(w, r, status, d)
	default:
		h.fail(w, r, err)
	}
}

// postedConsortium reads the form and the consortium of the path for a
// signed-in viewer who may see it.
func (h *Handler) postedConsortium(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Consortium) {
	if h.requireUser(w, r) == nil {
		return nil, nil
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return nil, nil
	}
	u, c, _, err := h.visibleConsortium(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	return u, c
}

func (h *Handler) joinConsortium(w http.ResponseWriter, r *http.Request) {
	u, c := h.postedConsortium(w, r)
	if c == nil {
		return
	}
	m := &kakehashi.Membership{ConsortiumID: c.ID, OrgID: u.OrgID, Role: kakehashi.MemberRole(r.PostFormValue("role")), Message: r.PostFormValue("message")}
	h.afterWrite(w, r, h.store.RequestMembership(r.Context(), m, u), "join", "requested")
}

func (h *Handler) decideMembership(approve bool) http.HandlerFunc {
	done := "declined"
	if approve {
		done = "approved"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		u, c := h.postedConsortium(w, r)
		if c == nil {
			return
		}
		org, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
		if err != nil {
			h.fail(w, r, kakehashi.Errorf(kakehashi.ENOTFOUND, "no such organization %q", r.PathValue("org")))
			return
		}
		_, err = h.store.DecideMembership(r.Context(), c.ID, org, approve, u)
		h.afterWrite(w, r, err, "requests", done)
	}
}

func (h *Handler) addTask(w http.ResponseWriter, r *http.Request) {
	u, c := h.postedConsortium(w, r)
	if c == nil {
		return
	}
	f := r.PostForm
	owner, _ := strconv.ParseInt(f.Get("owner_org_id"), 10, 64)
	t := &kakehashi.Task{ConsortiumID: c.ID, Title: f.Get("title"), Description: f.Get("description"), OwnerOrgID: owner,
		Status: kakehashi.TaskStatus(f.Get("status"))}
	var p kakehashi.Problems
	parseDay(&p, "start", f.Get("start"), &t.Start)
	parseDay(&p, "due", f.Get("due"), &t.Due)
	err := p.Err("task")
	if err == nil {
		err = h.store.CreateTask(r.Context(), t, u)
	}
	h.afterWrite(w, r, err, "tasks", "task")
}

func (h *Handler) taskStatus(w http.ResponseWriter, r *http.Request) {
	u, c := h.postedConsortium(w, r)
	if c == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("task"), 10, 64)
	t, err := h.store.Task(r.Context(), id)
	if err == nil && t.ConsortiumID != c.ID {
		err = kakehashi.Errorf(kakehashi.ENOTFOUND, "task %d not found", id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	t.Status = kakehashi.TaskStatus(r.PostFormValue("status"))
	h.afterWrite(w, r, h.store.UpdateTask(r.Context(), t, u), "tasks", "task")
}

func (h *Handler) shareListing(w http.ResponseWriter, r *http.Request) {
	u, c := h.postedConsortium(w, r)
	if c == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("listing_id"), 10, 64)
	h.afterWrite(w, r, h.store.ShareListing(r.Context(), c.ID, id, u), "listings", "shared")
}

func (h *Handler) addMember(w http.ResponseWriter, r *http.Request) {
	u, c := h.postedConsortium(w, r)
	if c == nil {
		return
	}
	org, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	m := &kakehashi.Membership{ConsortiumID: c.ID, OrgID: org, Role: kakehashi.MemberRole(r.PostFormValue("role"))}
	h.afterWrite(w, r, h.store.AddMember(r.Context(), m, u), "members", "added")
}

// ---- Editing a consortium ----------------------------------------------------------

// managedConsortium loads the consortium of the path for its managers: 404
// for those who may not see it, 403 for the others.
func (h *Handler) managedConsortium(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Consortium) {
	if h.requireUser(w, r) == nil {
		return nil, nil
	}
	u, c, _, err := h.visibleConsortium(r)
	if err == nil && !kakehashi.CanManageConsortium(u, c) {
		err = kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the lead organization's admins and coordinators change the consortium")
	}
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	return u, c
}

func (h *Handler) editConsortiumForm(w http.ResponseWriter, r *http.Request) {
	_, c := h.managedConsortium(w, r)
	if c == nil {
		return
	}
	d := &consortiumFormData{C: c, Start: c.Start.Format(time.DateOnly), End: c.End.Format(time.DateOnly),
		FieldCodes: strings.Join(c.Fields, ", "), KeywordList: strings.Join(c.Keywords, ", ")}
	h.render(w, r, http.StatusOK, "consortium_form", h.view(r, h.text.translate(langOf(r), "cons.edit.title"), d))
}

func (h *Handler) editConsortium(w http.ResponseWriter, r *http.Request) {
	u, c := h.managedConsortium(w, r)
	if c == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	f := r.PostForm
	c.Title, c.TitleJA, c.Description, c.DescriptionJA = f.Get("title"), f.Get("title_ja"), f.Get("description"), f.Get("description_ja")
	c.Fields, c.Keywords, c.Public = splitComma(f.Get("fields")), splitComma(f.Get("keywords")), f.Get("public") == "1"
	d := &consortiumFormData{C: c, Start: f.Get("start"), End: f.Get("end"), FieldCodes: f.Get("fields"), KeywordList: f.Get("keywords")}
	var p kakehashi.Problems
	parseDay(&p, "start", d.Start, &c.Start)
	parseDay(&p, "end", d.End, &c.End)
	c.Normalize()
	if d.Errors = fieldErrors(langOf(r), p.Err("consortium"), c.Validate()); len(d.Errors) == 0 {
		err := h.store.UpdateConsortium(r.Context(), c, u)
		switch kakehashi.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/consortia/"+strconv.FormatInt(c.ID, 10)+"?done=edited", http.StatusSeeOther)
			return
		case kakehashi.EINVALID:
			d.Errors = fieldErrors(langOf(r), err)
		default:
			h.fail(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusUnprocessableEntity, "consortium_form", h.view(r, h.text.translate(langOf(r), "cons.edit.title"), d))
}
