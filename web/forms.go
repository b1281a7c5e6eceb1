package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/search"
)

// formData is the listing form: the listing as entered, and the field
// errors of the domain's validation, keyed by field.
type formData struct {
	L                                         *kakehashi.Listing
	Edit                                      bool
	Errors                                    map[string]string
	Orgs                                      []*kakehashi.Organization // for staff, who post for any organization
	Deadline                                  string                    // as entered, yyyy-mm-dd
	Keywords, Patents, Jurisdictions, Targets string
	Preview                                   *search.MatchResult
	Hits                                      []hitView
	Best                                      float64
}

// listingForm reads the posted form into l and reports parsing problems.
// Every other check is the domain's Validate, as for the API.
func listingForm(r *http.Request, l *kakehashi.Listing, d *formData) *kakehashi.Problems {
	var p kakehashi.Problems
	f := r.PostForm
	l.Side = kakehashi.Side(f.Get("side"))
	l.Kind = kakehashi.ListingKind(f.Get("kind"))
	l.Title, l.Summary, l.Body = f.Get("title"), f.Get("summary"), f.Get("body")
	l.Language = f.Get("language")
	l.Keywords = splitComma(f.Get("keywords"))
	l.Fields = f["fields"]
	l.Sectors = f["sectors"]
	if v := f.Get("trl"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			p.Add("trl", "%q is not a number", v)
		}
		l.TRL = n
	} else {
		l.TRL = 0
		p.Add("trl", "is required")
	}
	l.IP = kakehashi.IP{Status: kakehashi.IPStatus(f.Get("ip_status")), Patents: splitComma(f.Get("patents")), Jurisdictions: upper(splitComma(f.Get("jurisdictions")))}
	l.PartnershipTypes = nil
	for _, v := range f["partnership"] {
		l.PartnershipTypes = append(l.PartnershipTypes, kakehashi.PartnershipType(v))
	}
	l.TargetCountries = upper(splitComma(f.Get("targets")))
	l.Controlled = f.Get("controlled") == "1"
	l.Visibility = kakehashi.Visibility(f.Get("visibility"))
	l.Status = kakehashi.Status(f.Get("status"))
	l.Deadline = nil
	d.Deadline = strings.TrimSpace(f.Get("deadline"))
	if d.Deadline != "" {
		t, err := time.Parse(time.DateOnly, d.Deadline)
		if err != nil {
			p.Add("deadline", "must be a date such as 2027-03-31")
		} else {
			end := t.Add(24*time.Hour - time.Second)
			l.Deadline = &end
		}
	}
	d.Keywords, d.Patents, d.Jurisdictions, d.Targets = f.Get("keywords"), f.Get("patents"), f.Get("jurisdictions"), f.Get("targets")
	return &p
}

func splitComma(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || r == ';' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func upper(v []string) []string {
	for i := range v {
		v[i] = strings.ToUpper(v[i])
	}
	return v
}

// fieldErrors maps validation errors to form fields, in the reader's
// language; list fields report on the list as a whole
// ("target_countries[1]" → "target_countries"). The first error of a field
// wins, so errors found while reading the form come before the domain's.
func fieldErrors(lang string, errs ...error) map[string]string {
	out := map[string]string{}
	for _, err := range errs {
		for _, fe := range kakehashi.FieldErrors(err) {
			name := fe.Field
			if i := strings.IndexByte(name, '['); i >= 0 {
				name = name[:i]
			}
			if _, dup := out[name]; !dup {
				out[name] = validationMessage(lang, fe.Message)
			}
		}
	}
	return out
}

// validationMessage says a domain validation message in Japanese for the
// Japanese interface; the domain speaks English.
func validationMessage(lang, msg string) string {
	if lang != langJA {
		return msg
	}
	switch {
	case msg == "is required":
		return "必須です。"
	case msg == "must not contain NUL characters":
		return "NUL文字(制御文字)は使えません。"
	case strings.HasPrefix(msg, "must be a technology readiness level"):
		return "技術成熟度は1〜9で入力してください。"
	case strings.HasPrefix(msg, "must be at most"):
		return "長すぎます(" + msg + ")。"
	case strings.Contains(msg, "country code"):
		return "国コードはISO 3166-1の2文字コード(例:JP, US, GB)で入力してください。"
	case strings.Contains(msg, "language code"):
		return "言語コードが正しくありません(例:ja, en)。"
	case strings.HasPrefix(msg, "must be a date"):
		return "日付は 2027-03-31 の形式で入力してください。"
	case strings.Contains(msg, "is not a number"):
		return "数値を入力してください。"
	case strings.HasPrefix(msg, "a patent listing names"):
		return "特許の掲載には特許番号が1件以上必要です。"
	case strings.Contains(msg, "patent number"):
		return "特許番号の形式が正しくありません(例:JP7123456B2)。"
	}
	return "入力内容を確認してください(" + msg + ")。"
}

// formErrors validates a listing read from the form: the form's own
// problems first, then the domain's rules, as the API applies them.
func formErrors(lang string, p *kakehashi.Problems, l *kakehashi.Listing) map[string]string {
	l.Normalize()
	out := fieldErrors(lang, p.Err("listing"), l.Validate())
	if len(out) == 0 {
		return nil
	}
	return out
}

func (h *Handler) formView(r *http.Request, d *formData) *view {
	lang := langOf(r)
	title := h.text.translate(lang, "form.new.title")
	if d.Edit {
		title = h.text.translate(lang, "form.edit.title")
	}
	u := kakehashi.UserFromContext(r.Context())
	if u.IsStaff() && len(d.Orgs) == 0 {
		d.Orgs, _ = h.store.Organizations(r.Context(), kakehashi.OrganizationFilter{Limit: 1000})
	}
	if d.L.Deadline != nil && d.Deadline == "" {
		d.Deadline = d.L.Deadline.UTC().Format(time.DateOnly)
	}
	if !d.Edit && d.Keywords == "" {
		d.Keywords = strings.Join(d.L.Keywords, ", ")
	}
	return h.view(r, title, d)
}

func (h *Handler) newListing(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	l := &kakehashi.Listing{OrgID: u.OrgID, Side: kakehashi.SideNeed, Kind: kakehashi.KindChallenge, Language: langOf(r), TRL: 4,
		Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen, IP: kakehashi.IP{Status: kakehashi.IPNone}}
	if s := r.URL.Query().Get("side"); s == string(kakehashi.SideSeed) {
		l.Side, l.Kind = kakehashi.SideSeed, kakehashi.KindTechnology
	}
	h.render(w, r, http.StatusOK, "form", h.formView(r, &formData{L: l}))
}

// ownerFor decides the owning organization of a posted listing: staff may
// choose; everyone else posts for their own organization.
func ownerFor(r *http.Request, u *kakehashi.User) int64 {
	if u.IsStaff() {
		if id, err := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64); err == nil {
			return id
		}
	}
	return u.OrgID
}

func (h *Handler) createListing(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	l := &kakehashi.Listing{OrgID: ownerFor(r, u)}
	d := &formData{L: l}
	p := listingForm(r, l, d)
	if !kakehashi.CanCreateListingFor(u, l.OrgID) {
		p.Add("org_id", "%s", h.text.translate(langOf(r), "form.noorg"))
	}
	if d.Errors = formErrors(langOf(r), p, l); d.Errors != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "form", h.formView(r, d))
		return
	}
	if err := h.store.CreateListing(r.Context(), l, u); err != nil {
		if kakehashi.ErrorCode(err) == kakehashi.EINVALID || kakehashi.ErrorCode(err) == kakehashi.ECONFLICT {
			d.Errors = fieldErrors(langOf(r), err)
			if len(d.Errors) == 0 {
				d.Errors = map[string]string{"form": kakehashi.ErrorMessage(err)}
			}
			h.render(w, r, http.StatusUnprocessableEntity, "form", h.formView(r, d))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/listings/"+strconv.FormatInt(l.ID, 10)+"?saved=1", http.StatusSeeOther)
}

// preview validates the form and shows the draft's best matches, without
// storing anything.
func (h *Handler) preview(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	l := &kakehashi.Listing{OrgID: ownerFor(r, u)}
	if id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64); err == nil {
		l.ID = id
	}
	d := &formData{L: l}
	p := listingForm(r, l, d)
	if d.Errors = formErrors(langOf(r), p, l); d.Errors == nil {
		m, err := h.engine.MatchListing(r.Context(), l, u, search.MatchOptions{Limit: 5, Now: h.now()})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Preview = m
		d.Hits, d.Best = h.matchViews(r, m)
	}
	h.render(w, r, http.StatusOK, "form", h.formView(r, d))
}

func (h *Handler) editable(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Listing) {
	u := h.requireUser(w, r)
	if u == nil {
		return nil, nil
	}
	stored, _, err := h.visibleListing(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	if !kakehashi.CanEditListing(u, stored) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "not yours to edit"))
		return nil, nil
	}
	return u, stored
}

func (h *Handler) editListing(w http.ResponseWriter, r *http.Request) {
	_, l := h.editable(w, r)
	if l == nil {
		return
	}
	d := &formData{L: l, Edit: true, Keywords: strings.Join(l.Keywords, ", "), Patents: strings.Join(l.IP.Patents, ", "),
		Jurisdictions: strings.Join(l.IP.Jurisdictions, ", "), Targets: strings.Join(l.TargetCountries, ", ")}
	h.render(w, r, http.StatusOK, "form", h.formView(r, d))
}

func (h *Handler) updateListing(w http.ResponseWriter, r *http.Request) {
	u, l := h.editable(w, r)
	if l == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	if u.IsStaff() {
		l.OrgID = ownerFor(r, u)
	}
	d := &formData{L: l, Edit: true}
	p := listingForm(r, l, d)
	if d.Errors = formErrors(langOf(r), p, l); d.Errors != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "form", h.formView(r, d))
		return
	}
	if err := h.store.UpdateListing(r.Context(), l, u); err != nil {
		if code := kakehashi.ErrorCode(err); code != kakehashi.EINVALID && code != kakehashi.ECONFLICT {
			h.fail(w, r, err)
			return
		}
		d.Errors = fieldErrors(langOf(r), err)
		if len(d.Errors) == 0 {
			d.Errors = map[string]string{"form": kakehashi.ErrorMessage(err)}
		}
		h.render(w, r, http.StatusUnprocessableEntity, "form", h.formView(r, d))
		return
	}
	http.Redirect(w, r, "/listings/"+strconv.FormatInt(l.ID, 10)+"?saved=1", http.StatusSeeOther)
}

// adminData is the admin pages.
type adminData struct {
	Users  []*kakehashi.User
	Orgs   []*kakehashi.Organization
	OrgOf  map[int64]*kakehashi.Organization
	Errors map[string]string
	Form   map[string]string
	Done   bool
}

func (h *Handler) requireStaff(w http.ResponseWriter, r *http.Request) *kakehashi.User {
	u := h.requireUser(w, r)
	if u != nil && !u.IsStaff() {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "staff only"))
		return nil
	}
	return u
}

func (h *Handler) adminUsersData(r *http.Request, d *adminData) error {
	var err error
	if d.Users, err = h.store.Users(r.Context(), kakehashi.UserFilter{Limit: 1000}); err != nil {
		return err
	}
	if d.Orgs, err = h.store.Organizations(r.Context(), kakehashi.OrganizationFilter{Limit: 1000}); err != nil {
		return err
	}
	d.OrgOf = map[int64]*kakehashi.Organization{}
	for _, o := range d.Orgs {
		d.OrgOf[o.ID] = o
	}
	return nil
}

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request) {
	if h.requireStaff(w, r) == nil {
		return
	}
	d := &adminData{Done: r.URL.Query().Get("saved") == "1"}
	if err := h.adminUsersData(r, d); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_users", h.view(r, h.text.translate(langOf(r), "admin.users"), d))
}

// passwordMessage says in lang why a new password is refused.
func (h *Handler) passwordMessage(lang string, p auth.PasswordProblem) string {
	if p == auth.PasswordTooShort {
		return h.text.translate(lang, "password.too_short", auth.MinPasswordLength)
	}
	return h.text.translate(lang, "password."+string(p))
}

func (h *Handler) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	actor := h.requireStaff(w, r)
	if actor == nil {
		return
	}
	f := map[string]string{"email": r.PostFormValue("email"), "name": r.PostFormValue("name"), "org_id": r.PostFormValue("org_id"),
		"org_role": r.PostFormValue("org_role"), "platform_role": r.PostFormValue("platform_role")}
	u := &kakehashi.User{Email: f["email"], Name: f["name"], PlatformRole: kakehashi.PlatformRole(f["platform_role"])}
	if id, err := strconv.ParseInt(f["org_id"], 10, 64); err == nil && id > 0 {
		u.OrgID, u.OrgRole = id, kakehashi.OrgRole(f["org_role"])
	}
	errs := map[string]string{}
	if p := auth.CheckPassword(r.PostFormValue("password"), f["email"], f["name"]); p != "" {
		errs["password"] = h.passwordMessage(langOf(r), p)
	} else if hash, err := auth.HashPassword(r.PostFormValue("password"), auth.DefaultParams); err == nil {
		u.PasswordHash = hash
	}
	var err error
	status := http.StatusUnprocessableEntity
	switch {
	case !kakehashi.CanWriteUser(actor, nil, u):
		// Coordinators do not make accounts: refused, with the form.
		status, errs["form"] = http.StatusForbidden, h.text.translate(langOf(r), "error.forbidden")
	case len(errs) == 0:
		if err = h.store.CreateUser(r.Context(), u, actor); err != nil {
			if code := kakehashi.ErrorCode(err); code != kakehashi.EINVALID && code != kakehashi.ECONFLICT {
				h.fail(w, r, err)
				return
			}
			for k, v := range fieldErrors(langOf(r), err) {
				errs[k] = v
			}
		}
	}
	if len(errs) == 0 {
		http.Redirect(w, r, "/admin/users?saved=1", http.StatusSeeOther)
		return
	}
	d := &adminData{Errors: errs, Form: f}
	if err := h.adminUsersData(r, d); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, status, "admin_users", h.view(r, h.text.translate(langOf(r), "admin.users"), d))
}

func (h *Handler) adminOrgs(w http.ResponseWriter, r *http.Request) {
	if h.requireStaff(w, r) == nil {
		return
	}
	d := &adminData{Done: r.URL.Query().Get("saved") == "1"}
	var err error
	if d.Orgs, err = h.store.Organizations(r.Context(), kakehashi.OrganizationFilter{Limit: 1000}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_orgs", h.view(r, h.text.translate(langOf(r), "admin.orgs"), d))
}

func (h *Handler) adminCreateOrg(w http.ResponseWriter, r *http.Request) {
	actor := h.requireStaff(w, r)
	if actor == nil {
		return
	}
	f := map[string]string{"name": r.PostFormValue("name"), "local_name": r.PostFormValue("local_name"), "kind": r.PostFormValue("kind"),
		"country": strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))), "region": strings.ToUpper(strings.TrimSpace(r.PostFormValue("region"))),
		"website": r.PostFormValue("website")}
	o := &kakehashi.Organization{Name: f["name"], LocalName: f["local_name"], Kind: kakehashi.OrgKind(f["kind"]), Country: f["country"],
		Region: f["region"], Website: f["website"]}
	err := h.store.CreateOrganization(r.Context(), o, actor)
	if err == nil {
		http.Redirect(w, r, "/admin/orgs?saved=1", http.StatusSeeOther)
		return
	}
	if code := kakehashi.ErrorCode(err); code != kakehashi.EINVALID && code != kakehashi.ECONFLICT {
		h.fail(w, r, err)
		return
	}
	d := &adminData{Errors: fieldErrors(langOf(r), err), Form: f}
	if len(d.Errors) == 0 {
		d.Errors["form"] = kakehashi.ErrorMessage(err)
	}
	if d.Orgs, err = h.store.Organizations(r.Context(), kakehashi.OrganizationFilter{Limit: 1000}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusUnprocessableEntity, "admin_orgs", h.view(r, h.text.translate(langOf(r), "admin.orgs"), d))
}
