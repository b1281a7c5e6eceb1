package web_test

// Over HTTP: saved alerts and the feed address on /alerts, the alert
// button of a need's page, and an organization's webhooks with their
// secret shown once, their delivery log, and who may manage them.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

const engineerEmail = "engineer@minato-seiki.example"

func orgID(t *testing.T, db *sqlstore.DB, externalID string) int64 {
	t.Helper()
	var id int64
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT id FROM organizations WHERE external_id = $1`, externalID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// publicListing returns an open public listing of side owned by the
// organization externalID.
func publicListing(t *testing.T, db *sqlstore.DB, side, externalID string) int64 {
	t.Helper()
	var id int64
	err := db.SQL().QueryRowContext(context.Background(), `SELECT l.id FROM listings l JOIN organizations o ON o.id = l.org_id
		WHERE o.external_id = $1 AND l.side = $2 AND l.visibility = 'public' AND l.status = 'open' ORDER BY l.id LIMIT 1`, externalID, side).Scan(&id)
	if err != nil {
		t.Fatalf("an open public %s of %s: %v", side, externalID, err)
	}
	return id
}

// noMessageKeys fails on a message key shown in place of its text.
func noMessageKeys(t *testing.T, what, body string) {
	t.Helper()
	if m := regexp.MustCompile(`>[^<]*\b(alerts|hooks|nav)\.[a-z_.]+`).FindString(body); m != "" {
		t.Errorf("%s shows a message key: %q", what, m)
	}
}

func TestAlertsPage(t *testing.T) {
	base, db := startStack(t)
	need := publicListing(t, db, "need", "demo:org:hoshizora-motors")
	seed := publicListing(t, db, "seed", "demo:org:kansai-tech-univ")
	needPage := fmt.Sprintf("/listings/%d", need)

	anon := newSession(t, base, "")
	if resp, _ := anon.get("/alerts"); resp.Request.URL.Path != "/login" {
		t.Errorf("anonymous /alerts went to %s, want /login", resp.Request.URL)
	}
	if resp, _ := anon.post("/alerts", url.Values{"listing_id": {fmt.Sprint(need)}}); resp.Request.URL.Path != "/login" {
		t.Errorf("anonymous POST /alerts went to %s, want /login", resp.Request.URL)
	}
	if _, body := anon.get(needPage); strings.Contains(body, `action="/alerts"`) {
		t.Errorf("an anonymous visitor is offered an alert")
	}

	tlo := newSession(t, base, tloEmail)
	if _, body := tlo.get(fmt.Sprintf("/listings/%d", seed)); strings.Contains(body, `id="alert"`) {
		t.Errorf("a seed's page offers an alert")
	}
	_, body := tlo.get(needPage)
	if !strings.Contains(body, `action="/alerts"`) || !strings.Contains(body, "Tell me about new matching seeds") {
		t.Fatalf("the need's page offers no alert")
	}
	resp, body := tlo.post("/alerts", url.Values{"listing_id": {fmt.Sprint(need)}})
	if resp.Request.URL.String() != base+"/alerts?saved=1" || !strings.Contains(body, "Alert saved.") ||
		!strings.Contains(body, fmt.Sprintf(`href="%s"`, needPage)) {
		t.Fatalf("save an alert: status %d at %s: %.500s", resp.StatusCode, resp.Request.URL, body)
	}
	m := regexp.MustCompile(`data-alert="(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the saved alert is not listed")
	}
	alert := m[1]
	noMessageKeys(t, "/alerts", body)

	// The feed address is the API's.
	resp, apiBody := tlo.get("/api/v1/me/feed")
	var feed struct{ URL string }
	if err := json.Unmarshal([]byte(apiBody), &feed); resp.StatusCode != http.StatusOK || err != nil || feed.URL == "" {
		t.Fatalf("GET /api/v1/me/feed: status %d: %s", resp.StatusCode, apiBody)
	}
	if !strings.Contains(body, fmt.Sprintf(`href="%s"`, feed.URL)) || !strings.Contains(body, "Subscribe in a feed reader") {
		t.Errorf("/alerts does not show the feed address %s", feed.URL)
	}
	if resp, _ := anon.get(feed.URL); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Errorf("the feed address: status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// Saved once: the need's page says so, and a second save is refused.
	if _, body := tlo.get(needPage); !strings.Contains(body, "You have an alert on this need") || strings.Contains(body, `action="/alerts"`) {
		t.Errorf("the need's page does not say the alert is saved")
	}
	if resp, body := tlo.post("/alerts", url.Values{"listing_id": {fmt.Sprint(need)}}); resp.Request.URL.Query().Get("exists") != "1" ||
		strings.Count(body, "data-alert=") != 1 || !strings.Contains(body, "You already have an alert on this need.") {
		t.Errorf("a second alert on the need: at %s with %d alerts listed", resp.Request.URL, strings.Count(body, "data-alert="))
	}
	// Alerts are on needs.
	if resp, body := tlo.post("/alerts", url.Values{"listing_id": {fmt.Sprint(seed)}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Alerts can only be saved on needs you may see.") {
		t.Errorf("an alert on a seed: status %d, want 422 with the reason", resp.StatusCode)
	}

	// Another user's alert is not found; the owner deletes it.
	if resp, _ := newSession(t, base, hoshizoraEmail).post("/alerts/"+alert+"/delete", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleting another user's alert: status %d, want 404", resp.StatusCode)
	}
	resp, body = tlo.post("/alerts/"+alert+"/delete", nil)
	if resp.Request.URL.Query().Get("deleted") != "1" || strings.Contains(body, "data-alert=") || !strings.Contains(body, "No alerts yet.") {
		t.Errorf("delete the alert: at %s: %.500s", resp.Request.URL, body)
	}

	// Japanese.
	tlo.get("/lang?to=ja&next=/")
	_, body = tlo.get(needPage)
	noMessageKeys(t, "the need's page in Japanese", body)
	if _, body = tlo.get("/alerts"); !strings.Contains(body, "マイアラート") {
		t.Errorf("/alerts is not in Japanese")
	}
	noMessageKeys(t, "/alerts in Japanese", body)
}

func TestWebhookPages(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	hz := orgID(t, db, "demo:org:hoshizora-motors")
	minato := orgID(t, db, "demo:org:minato-seiki")
	hooks := fmt.Sprintf("/orgs/%d/webhooks", hz)

	if resp, _ := newSession(t, base, "").get(hooks); resp.Request.URL.Path != "/login" {
		t.Errorf("anonymous %s went to %s, want /login", hooks, resp.Request.URL)
	}

	rd := newSession(t, base, hoshizoraEmail)
	for _, p := range []string{"/dashboard", fmt.Sprintf("/orgs/%d", hz)} {
		if _, body := rd.get(p); !strings.Contains(body, fmt.Sprintf(`href="%s"`, hooks)) {
			t.Errorf("%s has no link to the webhooks for the org admin", p)
		}
	}
	if _, body := rd.get(fmt.Sprintf("/orgs/%d", minato)); strings.Contains(body, "/webhooks") {
		t.Errorf("another organization's page links to its webhooks")
	}
	resp, body := rd.get(hooks)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "No webhooks yet.") {
		t.Fatalf("GET %s: status %d: %.500s", hooks, resp.StatusCode, body)
	}
	noMessageKeys(t, hooks, body)

	// A bad form says what is wrong beside each field.
	resp, body = rd.post(hooks, url.Values{"url": {"ftp://user:pw@example.com/"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-hook-url"`) || !strings.Contains(body, `id="err-hook-events"`) ||
		!strings.Contains(body, `value="ftp://user:pw@example.com/"`) {
		t.Errorf("an invalid webhook: status %d; want 422 with both fields' errors", resp.StatusCode)
	}

	// An internal address is refused beside the field, and nothing is stored.
	for _, internal := range []string{"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:6379/", "http://localhost/", "http://[fd00::1]/"} {
		resp, body = rd.post(hooks, url.Values{"url": {internal}, "events": {kakehashi.WebhookMessageCreated}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-hook-url"`) ||
			!strings.Contains(body, "internal addresses cannot receive webhooks") {
			t.Errorf("webhook to %s: status %d; want 422 with the address error beside the field", internal, resp.StatusCode)
		}
	}
	if list, err := db.Webhooks(ctx, hz); err != nil || len(list) != 0 {
		t.Errorf("webhooks stored after refusals: %d, %v", len(list), err)
	}

	// Created: the secret is shown this once.
	hookURL := "https://hooks.hoshizora.example/kakehashi"
	resp, body = rd.post(hooks, url.Values{"url": {hookURL}, "events": {kakehashi.WebhookIntroductionCreated, kakehashi.WebhookMessageCreated}})
	secret := regexp.MustCompile(`id="hook-secret">(whsec_[0-9a-f]+)<`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || secret == nil || !strings.Contains(body, "it is shown only this once") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create a webhook: status %d, Cache-Control %q: %.1000s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	m := regexp.MustCompile(`data-hook="(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the new webhook is not listed")
	}
	hook := m[1]
	_, body = rd.get(hooks)
	if strings.Contains(body, secret[1]) || strings.Contains(body, "hook-secret") {
		t.Errorf("the secret is shown again on reload")
	}
	row := regexp.MustCompile(`(?s)<tr data-hook="` + hook + `">.*?</tr>`).FindString(body)
	if !strings.Contains(row, hookURL) || !strings.Contains(row, kakehashi.WebhookMessageCreated) || strings.Contains(row, kakehashi.WebhookIntroductionTransition) ||
		!strings.Contains(row, "Active") {
		t.Errorf("the list does not show the webhook's address, events and state: %q", row)
	}

	// A failed call shows in the delivery log.
	tloUser, err := db.UserByEmail(ctx, tloEmail)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := newSession(t, base, tloEmail).post(fmt.Sprintf("/listings/%d/interest", publicListing(t, db, "need", "demo:org:hoshizora-motors")),
		url.Values{"message": {"A joint study?"}}); resp.Request.URL.Query().Get("sent") != "1" {
		t.Fatalf("express interest as %s: status %d: %.300s", tloUser.Email, resp.StatusCode, body)
	}
	msgs, err := db.ClaimOutbox(ctx, db.Now().Add(time.Second), time.Minute, 10, kakehashi.ChannelWebhook)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("claim the webhook call: %d messages, %v", len(msgs), err)
	}
	if err := db.RecordAttempt(ctx, msgs[0], kakehashi.OutboxAttempt{At: db.Now(), Status: 503, Detail: "receiver answered 503",
		NextAttemptAt: db.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	resp, body = rd.get(hooks + "/" + hook)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "receiver answered 503") || !strings.Contains(body, "HTTP 503") ||
		!strings.Contains(body, ">Failed<") || !strings.Contains(body, kakehashi.WebhookIntroductionCreated) {
		t.Errorf("the delivery log: status %d: %.1000s", resp.StatusCode, body)
	}

	// Another organization's webhook is not found.
	admin, err := db.UserByEmail(ctx, "admin@kakehashi.example")
	if err != nil {
		t.Fatal(err)
	}
	other := &kakehashi.Webhook{OrgID: minato, URL: "https://hooks.minato.example/", Events: kakehashi.WebhookEvents()}
	if err := db.CreateWebhook(ctx, other, admin); err != nil {
		t.Fatal(err)
	}
	if resp, _ := rd.get(fmt.Sprintf("%s/%d", hooks, other.ID)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another organization's webhook log: status %d, want 404", resp.StatusCode)
	}
	if resp, _ := rd.post(fmt.Sprintf("%s/%d/delete", hooks, other.ID), nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleting another organization's webhook: status %d, want 404", resp.StatusCode)
	}
	if resp, _ := rd.get("/orgs/999999/webhooks"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an organization that does not exist: status %d, want 404", resp.StatusCode)
	}

	// Members who are not org admins, other organizations' admins and
	// coordinators may not manage them: 403, as from the API.
	engineer := newSession(t, base, engineerEmail)
	if _, body := engineer.get("/dashboard"); strings.Contains(body, "/webhooks") {
		t.Errorf("a member's dashboard links to the webhooks")
	}
	for _, c := range []struct {
		who    *session
		method string
		path   string
	}{
		{engineer, "GET", fmt.Sprintf("/orgs/%d/webhooks", minato)},
		{engineer, "GET", hooks},
		{engineer, "POST", hooks},
		{engineer, "GET", hooks + "/" + hook},
		{engineer, "POST", hooks + "/" + hook + "/delete"},
		{rd, "GET", fmt.Sprintf("/orgs/%d/webhooks", minato)},
		{newSession(t, base, "coordinator@kakehashi.example"), "GET", hooks},
	} {
		var resp *http.Response
		if c.method == "GET" {
			resp, _ = c.who.get(c.path)
		} else {
			resp, _ = c.who.post(c.path, url.Values{"url": {"https://evil.example/"}, "events": {kakehashi.WebhookMessageCreated}})
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s: status %d, want 403", c.method, c.path, resp.StatusCode)
		}
	}
	if resp, body := newSession(t, base, "admin@kakehashi.example").get(hooks); resp.StatusCode != http.StatusOK || !strings.Contains(body, hookURL) {
		t.Errorf("the platform admin: status %d", resp.StatusCode)
	}

	// Deleted: gone from the list, its log kept.
	resp, body = rd.post(hooks+"/"+hook+"/delete", nil)
	if resp.Request.URL.Query().Get("deleted") != "1" || strings.Contains(body, "data-hook=") || !strings.Contains(body, "Webhook deleted.") {
		t.Errorf("delete the webhook: at %s: %.500s", resp.Request.URL, body)
	}
	if resp, _ := rd.get(hooks + "/" + hook); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted webhook's page: status %d, want 404", resp.StatusCode)
	}
	if list, err := db.Deliveries(ctx, 0, mustInt(t, hook), 10); err != nil || len(list) != 1 {
		t.Errorf("the deleted webhook's log: %d entries, %v", len(list), err)
	}

	// Japanese.
	rd.get("/lang?to=ja&next=/")
	_, body = rd.get(hooks)
	if !strings.Contains(body, "Webhookを追加") {
		t.Errorf("the webhooks page is not in Japanese")
	}
	noMessageKeys(t, hooks+" in Japanese", body)
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
