package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

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
