package web

// The collaboration pipeline in the browser: expressing interest in a
// listing, the introductions a user takes part in (all of them for platform
// staff), one introduction with its stage track, history, actions and
// message thread, and the inbox of notifications. Access follows the JSON
// API exactly (httpapi/introductions.go): parties and staff see an
// introduction, others get 404; the owner of a confidential listing stays
// hidden from the requester's side until it accepts.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

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
