package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

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
