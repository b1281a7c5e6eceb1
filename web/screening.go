package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/screening"
)

// ScreeningStore is what the screening section of organization pages
// reads and writes.
type ScreeningStore interface {
	LatestScreening(ctx context.Context, orgID int64) (*kakehashi.ScreeningResult, error)
	DecideScreening(ctx context.Context, orgID int64, d kakehashi.ScreeningDecision, reason string, actor *kakehashi.User) (*kakehashi.ScreeningResult, error)
}

// screeningView is an organization's screening as coordinators see it.
type screeningView struct {
	R      *kakehashi.ScreeningResult
	Hits   []screening.Hit
	Errors map[string]string
	Reason string
}

// SetScreener lets coordinators screen an organization from its page
// (compliance.Service.Screen).
func (h *Handler) SetScreener(screen func(ctx context.Context, o *kakehashi.Organization, actor *kakehashi.User) (*kakehashi.ScreeningResult, error)) {
	h.screen = screen
}

// screeningOf loads an organization's screening for staff; others get nil.
func (h *Handler) screeningOf(ctx context.Context, viewer *kakehashi.User, orgID int64) (*screeningView, error) {
	if !viewer.IsStaff() {
		return nil, nil
	}
	r, err := h.store.LatestScreening(ctx, orgID)
	if err != nil {
		return nil, err
	}
	v := &screeningView{R: r}
	if r != nil {
		if err := json.Unmarshal(r.Hits, &v.Hits); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (h *Handler) screenOrg(w http.ResponseWriter, r *http.Request) {
	u := h.requireStaff(w, r)
	if u == nil {
		return
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	o, err := h.store.Organization(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.screen == nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINTERNAL, "screening is not configured"))
		return
	}
	if _, err := h.screen(r.Context(), o, u); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+strconv.FormatInt(id, 10)+"#screening", http.StatusSeeOther)
}

func (h *Handler) decideScreening(w http.ResponseWriter, r *http.Request) {
	u := h.requireStaff(w, r)
	if u == nil {
		return
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, reason := kakehashi.ScreeningDecision(r.PostFormValue("decision")), r.PostFormValue("reason")
	if _, err := h.store.DecideScreening(r.Context(), id, d, reason, u); err != nil {
		code := kakehashi.ErrorCode(err)
		if code != kakehashi.EINVALID && code != kakehashi.ECONFLICT {
			h.fail(w, r, err)
			return
		}
		errs := fieldErrors(langOf(r), err)
		if len(errs) == 0 {
			errs = map[string]string{"form": kakehashi.ErrorMessage(err)}
		}
		// A decision with nothing to decide (no potential match) is a
		// conflict with the screening as it stands, as from the API.
		status := http.StatusUnprocessableEntity
		if code == kakehashi.ECONFLICT {
			status = http.StatusConflict
		}
		h.renderOrganization(w, r, id, status, errs, reason)
		return
	}
	http.Redirect(w, r, "/orgs/"+strconv.FormatInt(id, 10)+"#screening", http.StatusSeeOther)
}

// listsData is the coordinators' screening page: the loaded list versions,
// a name check with explained hits, and a browse of entries.
type listsData struct {
	Versions []*kakehashi.ListVersion
	Name     string
	Country  string
	Checked  bool
	Hits     []screening.Hit
	Q        string
	Entries  []kakehashi.ScreeningEntry
}

// ListBrowser is what the screening page needs beyond the store's results.
type ListBrowser interface {
	ListVersions(ctx context.Context) ([]*kakehashi.ListVersion, error)
	SearchEntries(ctx context.Context, q string, limit int) ([]kakehashi.ScreeningEntry, error)
}

// SetChecker lets the screening page check names (compliance.Service.Check).
func (h *Handler) SetChecker(check func(ctx context.Context, name, country string, limit int) []screening.Hit) {
	h.check = check
}

func (h *Handler) screeningPage(w http.ResponseWriter, r *http.Request) {
	if h.requireStaff(w, r) == nil {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := listsData{Name: q.Get("name"), Country: q.Get("country"), Q: q.Get("q")}
	var err error
	if d.Versions, err = h.store.ListVersions(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Name != "" && h.check != nil {
		d.Checked, d.Hits = true, h.check(ctx, d.Name, d.Country, 10)
	}
	if d.Q != "" {
		if d.Entries, err = h.store.SearchEntries(ctx, d.Q, 50); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "screening", h.view(r, h.text.translate(langOf(r), "screen.title"), d))
}
