package web

// Notifications the user arranges in the browser: saved alerts on needs
// (with the address of the user's Atom feed, which they may replace), and an organization's
// webhooks with their delivery log. Access follows the JSON API exactly
// (httpapi/webhooks.go): alerts are the signed-in user's own, on needs they
// may see; an organization's webhooks are managed by its org admins and
// platform admins, others get 403, and another organization's webhook is
// not found.

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
)

// feedURL is the address of u's Atom feed, relative to the site.
func (h *Handler) feedURL(ctx context.Context, u *kakehashi.User) (string, error) {
	secret, err := h.store.Secret(ctx, auth.FeedSecretName)
	if err != nil {
		return "", err
	}
	gen, err := h.store.FeedGeneration(ctx, u.ID)
	if err != nil {
		return "", err
	}
	return "/api/v1/feeds/" + auth.FeedToken(secret, u.ID, gen) + ".atom", nil
}

// Time writes a date and time, in Japan time for the Japanese interface.
func (v *view) Time(t time.Time) string {
	if v.Lang == langJA {
		return t.In(time.FixedZone("JST", 9*3600)).Format("2006-01-02 15:04:05 MST")
	}
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}

// ---- Saved alerts -------------------------------------------------------------

// alertsData is the alerts page.
type alertsData struct {
	Rows    []alertRow
	FeedURL string
	// Notice is a message key for what the last action did; Error says
	// why an alert could not be saved.
	Notice, Error string
}

type alertRow struct {
	A *kakehashi.Alert
	// Listing is the need as the viewer may see it; nil if they may not
	// any more.
	Listing *kakehashi.Listing
}

func (h *Handler) alerts(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	d := &alertsData{}
	switch q := r.URL.Query(); {
	case q.Get("saved") == "1":
		d.Notice = "alerts.saved"
	case q.Get("exists") == "1":
		d.Notice = "alerts.exists"
	case q.Get("deleted") == "1":
		d.Notice = "alerts.deleted"
	case q.Get("rotated") == "1":
		d.Notice = "alerts.feed.rotated"
	}
	h.alertsPage(w, r, http.StatusOK, u, d)
}

func (h *Handler) alertsPage(w http.ResponseWriter, r *http.Request, status int, u *kakehashi.User, d *alertsData) {
	ctx := r.Context()
	list, err := h.store.Alerts(ctx, u.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, a := range list {
		row := alertRow{A: a}
		if l, err := h.store.Listing(ctx, a.ListingID); err == nil {
			row.Listing = kakehashi.Redact(u, l)
		} else if kakehashi.ErrorCode(err) != kakehashi.ENOTFOUND {
			h.fail(w, r, err)
			return
		}
		d.Rows = append(d.Rows, row)
	}
	if d.FeedURL, err = h.feedURL(ctx, u); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, status, "alerts", h.view(r, h.text.translate(langOf(r), "alerts.title"), d))
}

// createAlert saves an alert on the posted need (listing_id); one the user
// already has is reported, not repeated.
func (h *Handler) createAlert(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("listing_id"), 10, 64)
	err := h.store.CreateAlert(r.Context(), &kakehashi.Alert{ListingID: id}, u)
	switch kakehashi.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/alerts?saved=1", http.StatusSeeOther)
	case kakehashi.ECONFLICT:
		http.Redirect(w, r, "/alerts?exists=1", http.StatusSeeOther)
	case kakehashi.EINVALID:
		h.alertsPage(w, r, http.StatusUnprocessableEntity, u, &alertsData{Error: h.text.translate(langOf(r), "alerts.invalid")})
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) deleteAlert(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	id, err := h.pathID(r)
	if err == nil {
		err = h.store.DeleteAlert(r.Context(), id, u)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/alerts?deleted=1", http.StatusSeeOther)
}

// rotateFeed gives the user's feed a new address; the old one stops
// working at once.
func (h *Handler) rotateFeed(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if _, err := h.store.RotateFeed(r.Context(), u.ID, u); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/alerts?rotated=1", http.StatusSeeOther)
}

// alertView is the listing page's alert section.
type alertView struct {
	ListingID int64
	// Saved is the viewer's alert on this need, if they have one.
	Saved *kakehashi.Alert
}

// AlertFor prepares the "tell me about new matching seeds" section of a
// need's page for a signed-in viewer (who may see it, or the page would not
// show); nil for seeds and anonymous visitors.
func (v *view) AlertFor(l *kakehashi.Listing) (*alertView, error) {
	if v.User == nil || v.ctx == nil || l == nil || l.Side != kakehashi.SideNeed {
		return nil, nil
	}
	list, err := v.h.store.Alerts(v.ctx, v.User.ID)
	if err != nil {
		return nil, err
	}
	d := &alertView{ListingID: l.ID}
	if i := slices.IndexFunc(list, func(a *kakehashi.Alert) bool { return a.ListingID == l.ID }); i >= 0 {
		d.Saved = list[i]
	}
	return d, nil
}

// ---- Webhooks -------------------------------------------------------------------

// canManageWebhooks reports whether u may manage organization orgID's
// webhooks, as the API decides (httpapi/webhooks.go).
func canManageWebhooks(u *kakehashi.User, orgID int64) bool {
	return u.IsAdmin() || u.IsOrgAdmin(orgID)
}

// CanManageWebhooks reports whether the viewer manages organization orgID's
// webhooks, for the links to them.
func (v *view) CanManageWebhooks(orgID int64) bool { return canManageWebhooks(v.User, orgID) }

// WebhookEvents lists the events a webhook may subscribe to.
func (v *view) WebhookEvents() []string { return kakehashi.WebhookEvents() }

// hooksData is the webhooks page, and one webhook's delivery log.
type hooksData struct {
	Org   *kakehashi.Organization
	Hooks []*kakehashi.Webhook
	// Created is the webhook just added, with its secret, shown this once.
	Created *kakehashi.Webhook
	// The form: what it sent, and its errors by field.
	URL    string
	Events []string
	Errors map[string]string
	Notice string
	// Hook and Deliveries are the delivery log's page.
	Hook       *kakehashi.Webhook
	Deliveries []*kakehashi.Delivery
}

// hookOrg loads the organization of the path for a user who may manage its
// webhooks; others get 403, as from the API.
func (h *Handler) hookOrg(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Organization) {
	u := h.requireUser(w, r)
	if u == nil {
		return nil, nil
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	o, err := h.store.Organization(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	if !canManageWebhooks(u, o.ID) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "only this organization's admins and platform admins manage its webhooks"))
		return nil, nil
	}
	return u, o
}

func (h *Handler) webhooks(w http.ResponseWriter, r *http.Request) {
	_, o := h.hookOrg(w, r)
	if o == nil {
		return
	}
	d := &hooksData{Org: o, Events: kakehashi.WebhookEvents()}
	if r.URL.Query().Get("deleted") == "1" {
		d.Notice = "hooks.deleted"
	}
	h.hooksPage(w, r, http.StatusOK, d)
}

func (h *Handler) hooksPage(w http.ResponseWriter, r *http.Request, status int, d *hooksData) {
	var err error
	if d.Hooks, err = h.store.Webhooks(r.Context(), d.Org.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Created != nil {
		// The page holds a secret: keep it out of every cache.
		w.Header().Set("Cache-Control", "no-store")
	}
	h.render(w, r, status, "webhooks", h.view(r, h.text.translate(langOf(r), "hooks.title")+": "+d.Org.Name, d))
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) {
	u, o := h.hookOrg(w, r)
	if o == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	hook := &kakehashi.Webhook{OrgID: o.ID, URL: strings.TrimSpace(r.PostForm.Get("url")), Events: r.PostForm["events"]}
	d := &hooksData{Org: o, URL: hook.URL, Events: hook.Events}
	err := hook.ValidateFor(h.hookAddrs)
	if err == nil {
		err = h.store.CreateWebhook(r.Context(), hook, u)
	}
	switch kakehashi.ErrorCode(err) {
	case "":
		// The secret is shown in this answer only: no redirect, which would
		// have to carry it.
		d.Created, d.URL, d.Events = hook, "", kakehashi.WebhookEvents()
		h.hooksPage(w, r, http.StatusOK, d)
	case kakehashi.EINVALID, kakehashi.ECONFLICT:
		d.Errors = h.hookErrors(langOf(r), err)
		h.hooksPage(w, r, http.StatusUnprocessableEntity, d)
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	u, o := h.hookOrg(w, r)
	if o == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("hook"), 10, 64)
	if err != nil || id <= 0 {
		err = kakehashi.Errorf(kakehashi.ENOTFOUND, "no such webhook %q", r.PathValue("hook"))
	} else {
		err = h.store.DeleteWebhook(r.Context(), o.ID, id, u)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10)+"/webhooks?deleted=1", http.StatusSeeOther)
}

// webhook is one webhook's page: its delivery log, newest first.
func (h *Handler) webhook(w http.ResponseWriter, r *http.Request) {
	_, o := h.hookOrg(w, r)
	if o == nil {
		return
	}
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("hook"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, kakehashi.Errorf(kakehashi.ENOTFOUND, "no such webhook %q", r.PathValue("hook")))
		return
	}
	d := &hooksData{Org: o}
	if d.Hook, err = h.store.Webhook(ctx, o.ID, id); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Deliveries, err = h.store.Deliveries(ctx, 0, id, 50); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "webhooks", h.view(r, h.text.translate(langOf(r), "hooks.deliveries")+": "+d.Hook.URL, d))
}

// hookErrors maps a webhook's validation errors to the form's fields, in
// the reader's language ("events[0]" → "events").
func (h *Handler) hookErrors(lang string, err error) map[string]string {
	out := map[string]string{}
	for _, fe := range kakehashi.FieldErrors(err) {
		name, _, _ := strings.Cut(fe.Field, "[")
		if _, dup := out[name]; dup {
			continue
		}
		switch {
		case name == "url" && strings.HasPrefix(fe.Message, "must be an absolute"):
			out[name] = h.text.translate(lang, "hooks.err.url")
		case name == "url" && (strings.HasPrefix(fe.Message, "must be a public address") || strings.HasPrefix(fe.Message, "must name its host")):
			out[name] = h.text.translate(lang, "hooks.err.address")
		case name == "events":
			out[name] = h.text.translate(lang, "hooks.err.events")
		default:
			out[name] = validationMessage(lang, fe.Message)
		}
	}
	if len(out) == 0 {
		out["form"] = kakehashi.ErrorMessage(err)
	}
	return out
}
