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
		if code := kakehashi.ErrorCode(err); code != kakehashi.EINVALID && code != kakehashi.ECONFLICT {
			h.fail(w, r, err)
			return
		}
		errs := fieldErrors(langOf(r), err)
		if len(errs) == 0 {
			errs = map[string]string{"form": kakehashi.ErrorMessage(err)}
		}
		h.renderOrganization(w, r, id, http.StatusUnprocessableEntity, errs, reason)
		return
	}
	http.Redirect(w, r, "/orgs/"+strconv.FormatInt(id, 10)+"#screening", http.StatusSeeOther)
}
