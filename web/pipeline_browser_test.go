package web_test

// End-to-end tests of the collaboration pipeline's pages: a university TLO
// expresses interest in a company's need, the company accepts it, moves it
// on and writes, and declines a second interest with a reason the TLO then
// reads; and, over plain HTTP, who may see and do what.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/sqlstore"
)

const (
	tloEmail       = "tlo@kansai-tech.example"
	hoshizoraEmail = "rd@hoshizora-motors.example"
)

// hoshizoraNeeds returns the ids of n open public listings of the demo
// company Hoshizora Motor.
func hoshizoraNeeds(t *testing.T, db *sqlstore.DB, n int) []int64 {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT l.id FROM listings l JOIN organizations o ON o.id = l.org_id
		WHERE o.external_id = 'demo:org:hoshizora-motors' AND l.visibility = 'public' AND l.status = 'open' ORDER BY l.id LIMIT $1`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) < n {
		t.Fatalf("only %d open public Hoshizora listings, want %d", len(ids), n)
	}
	return ids
}

func orgName(t *testing.T, db *sqlstore.DB, externalID string) string {
	t.Helper()
	var name string
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT name FROM organizations WHERE external_id = $1`, externalID).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

func introStage(t *testing.T, db *sqlstore.DB, id int64) (stage, outcome, reason string) {
	t.Helper()
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT stage, outcome, reason FROM introductions WHERE id = $1`, id).
		Scan(&stage, &outcome, &reason); err != nil {
		t.Fatal(err)
	}
	return stage, outcome, reason
}

// currentStep is the stage the introduction page's track marks as current.
func currentStep(ctx context.Context, t *testing.T) string {
	t.Helper()
	got := texts(ctx, t, `.stage-track li[aria-current="step"] .step-name`)
	if len(got) != 1 {
		t.Fatalf("the stage track marks %d current stages (%q) at %s", len(got), got, location(ctx, t))
	}
	return got[0]
}

// unreadBadge reads the header's unread count (0 without a badge).
func unreadBadge(ctx context.Context, t *testing.T) int {
	t.Helper()
	got := texts(ctx, t, `header a[href="/inbox"] .badge`)
	if len(got) == 0 {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSuffix(got[0], "+"))
	if err != nil {
		t.Fatalf("inbox badge %q", got[0])
	}
	return n
}

var introPath = regexp.MustCompile(`^/introductions/(\d+)$`)

// expressInterest fills and sends the interest form of a listing page and
// returns the new introduction's id.
// With shot set, it saves a screenshot of the filled-in form under that name.
func expressInterest(ctx context.Context, t *testing.T, base string, listing int64, message, shot string) int64 {
	t.Helper()
	do(ctx, t, "open the listing", chromedp.Navigate(fmt.Sprintf("%s/listings/%d", base, listing)))
	if !eval[bool](ctx, t, fmt.Sprintf(`!!document.querySelector('#interest form[action="/listings/%d/interest"]')`, listing)) {
		t.Fatalf("listing %d shows no interest form; the section says %q", listing, texts(ctx, t, "#interest"))
	}
	if got := eval[string](ctx, t, `document.querySelector('label[for="interest-message"]').textContent.trim()`); got != "Your message" {
		t.Errorf("the message field is labelled %q", got)
	}
	// Name one of the TLO's own listings as the related one, if it has any.
	related := eval[[]string](ctx, t, `[...document.querySelectorAll("#interest-related option")].map(o => o.value).filter(v => v)`)
	if len(related) > 0 {
		choose(ctx, t, "#interest-related", related[0])
	}
	do(ctx, t, "write the message", chromedp.SendKeys(chromedp.ID("interest-message"), message))
	if shot != "" {
		do(ctx, t, "show the form", chromedp.ScrollIntoView(chromedp.ID("interest")))
		screenshot(ctx, t, shot)
	}
	loadAfter(ctx, t, "express interest", chromedp.Click(chromedp.CSS(`#interest form button[type=submit]`)))
	u, _ := url.Parse(location(ctx, t))
	m := introPath.FindStringSubmatch(u.Path)
	if m == nil {
		t.Fatalf("after expressing interest: at %s; errors %q", u, texts(ctx, t, ".error, .field-error"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	if len(related) > 0 && len(texts(ctx, t, `.facts a[href="/listings/`+related[0]+`"]`)) == 0 {
		t.Errorf("introduction %d does not show the related listing %s", id, related[0])
	}
	return id
}

// TestBrowserPipeline follows an introduction from interest to a meeting,
// and a second interest to a decline with a reason, between a university
// TLO and a company, in one browser.
func TestBrowserPipeline(t *testing.T) {
	base, db := startStack(t)
	ctx := newBrowser(t)
	start := time.Now()
	step := func(name string) { t.Logf("%6.2fs %s", time.Since(start).Seconds(), name) }
	needs := hoshizoraNeeds(t, db, 2)
	tloOrg := orgName(t, db, "demo:org:kansai-tech-tlo")
	hoshizora := orgName(t, db, "demo:org:hoshizora-motors")

	step("the TLO expresses interest")
	do(ctx, t, "open the home page", chromedp.Navigate(base+"/"))
	signIn(ctx, t, tloEmail)
	const message = "Our sulfide electrolyte group would like to discuss a joint scale-up study with your battery team."
	intro := expressInterest(ctx, t, base, needs[0], message, "09-listing-interest")
	if got := currentStep(ctx, t); got != "Interest" {
		t.Errorf("a new introduction is at %q, want Interest", got)
	}
	if got := texts(ctx, t, "p.notice"); len(got) != 1 {
		t.Errorf("no notice that the interest was sent: %q", got)
	}
	if got := texts(ctx, t, "blockquote.first-message"); len(got) != 1 || got[0] != message {
		t.Errorf("the first message shows as %q", got)
	}
	if got := texts(ctx, t, "#actions p.muted"); len(got) != 1 || !strings.Contains(got[0], "Waiting") {
		t.Errorf("the requester is not told that the owner decides: %q", got)
	}
	if len(texts(ctx, t, `#actions form[action$="/transition"]`)) != 0 {
		t.Errorf("the requester is offered to accept their own interest")
	}
	if stage, _, _ := introStage(t, db, intro); stage != "interest" {
		t.Fatalf("stored stage %q, want interest", stage)
	}
	do(ctx, t, "open the listing again", chromedp.Navigate(fmt.Sprintf("%s/listings/%d", base, needs[0])))
	if len(texts(ctx, t, fmt.Sprintf(`#interest a[href="/introductions/%d"]`, intro))) != 1 || len(texts(ctx, t, "#interest form")) != 0 {
		t.Errorf("with an open interest, the listing shows %q; want a link to introduction %d instead of the form", texts(ctx, t, "#interest"), intro)
	}
	signOut(ctx, t)

	step("the company reads its inbox and accepts")
	signIn(ctx, t, hoshizoraEmail)
	unread := unreadBadge(ctx, t)
	if unread == 0 {
		t.Fatalf("the header shows no unread notification for %s", hoshizoraEmail)
	}
	if got := texts(ctx, t, `header a[href="/inbox"]`); len(got) != 1 || !strings.HasPrefix(got[0], "Inbox") {
		t.Errorf("inbox link %q", got)
	}
	loadAfter(ctx, t, "open the inbox", chromedp.Click(chromedp.CSS(`header a[href="/inbox"]`)))
	link := fmt.Sprintf(`ol.inbox li.unread a[href="/introductions/%d"]`, intro)
	if got := texts(ctx, t, link); len(got) != 1 || got[0] != "New interest in your listing" {
		t.Fatalf("the inbox has no unread notification of introduction %d: %q", intro, texts(ctx, t, "ol.inbox li"))
	}
	screenshot(ctx, t, "10-inbox")
	loadAfter(ctx, t, "follow the notification", chromedp.Click(chromedp.CSS(link)))
	if u, _ := url.Parse(location(ctx, t)); u.Path != fmt.Sprintf("/introductions/%d", intro) {
		t.Fatalf("the notification went to %s", u)
	}
	if got := unreadBadge(ctx, t); got >= unread {
		t.Errorf("unread count %d after reading the introduction, want below %d", got, unread)
	}
	facts := strings.Join(texts(ctx, t, "dl.facts dd"), " | ")
	if !strings.Contains(facts, tloOrg) || !strings.Contains(facts, hoshizora) {
		t.Errorf("the introduction's facts %q do not name %q and %q", facts, tloOrg, hoshizora)
	}
	if got := texts(ctx, t, "#decline-reason option"); len(got) != 7 || got[4] != "Not a fit" {
		t.Errorf("decline reasons %q", got)
	}
	loadAfter(ctx, t, "accept", chromedp.Click(chromedp.CSS(`form.accept button[type=submit]`)))
	if got := currentStep(ctx, t); got != "Introduced" {
		t.Fatalf("after accepting: stage %q, want Introduced; errors %q", got, texts(ctx, t, ".error, .field-error"))
	}

	step("the company moves to a meeting and writes")
	if got := texts(ctx, t, "form.advance button"); len(got) != 1 || got[0] != "Move to Meeting" {
		t.Fatalf("the advance button says %q, want Move to Meeting", got)
	}
	const note = "Kick-off call with the battery team on 12 May"
	do(ctx, t, "write a note", chromedp.SendKeys(chromedp.ID("advance-note"), note))
	loadAfter(ctx, t, "move to meeting", chromedp.Click(chromedp.CSS(`form.advance button[type=submit]`)))
	if got := currentStep(ctx, t); got != "Meeting" {
		t.Fatalf("after moving on: stage %q, want Meeting", got)
	}
	if got := texts(ctx, t, "ol.history .event-note"); !slices.Contains(got, note) {
		t.Errorf("the history does not show the note: %q", got)
	}
	const reply = "Thank you. Please send the electrolyte datasheet before the call."
	do(ctx, t, "write a message", chromedp.SendKeys(chromedp.ID("message-body"), reply))
	loadAfter(ctx, t, "post the message", chromedp.Click(chromedp.CSS(`#messages form button[type=submit]`)))
	if got := texts(ctx, t, "ol.messages .message-body"); !slices.Contains(got, reply) {
		t.Errorf("the thread shows %q, want the reply", got)
	}
	screenshot(ctx, t, "11-introduction")
	signOut(ctx, t)

	step("the TLO sees the meeting and the message")
	signIn(ctx, t, tloEmail)
	if got := texts(ctx, t, fmt.Sprintf(`section.dash-intros li a[href="/introductions/%d"]`, intro)); len(got) != 1 {
		t.Errorf("the dashboard does not list the open introduction %d: %q", intro, texts(ctx, t, "section.dash-intros"))
	}
	screenshot(ctx, t, "15-dashboard-introductions")
	loadAfter(ctx, t, "open the introductions", chromedp.Click(chromedp.CSS(`header nav a[href="/introductions"]`)))
	row := fmt.Sprintf(`tr[data-intro="%d"]`, intro)
	if got := texts(ctx, t, row+" .stage-tag"); len(got) != 1 || got[0] != "Meeting" {
		t.Errorf("the list shows introduction %d at %q, want Meeting", intro, got)
	}
	if got := texts(ctx, t, row+" td:nth-child(3)"); len(got) != 1 || got[0] != hoshizora {
		t.Errorf("the other party of introduction %d shows as %q, want %q", intro, got, hoshizora)
	}
	screenshot(ctx, t, "12-introductions")
	loadAfter(ctx, t, "open the introduction", chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s a[href="/introductions/%d"]`, row, intro))))
	if got := currentStep(ctx, t); got != "Meeting" {
		t.Errorf("the TLO sees stage %q, want Meeting", got)
	}
	if got := texts(ctx, t, "ol.messages .message-body"); !slices.Contains(got, reply) {
		t.Errorf("the TLO sees the thread %q, want the company's reply", got)
	}
	if got := texts(ctx, t, "ol.history .event-note"); !slices.Contains(got, note) {
		t.Errorf("the TLO sees the history notes %q", got)
	}

	step("a second interest")
	second := expressInterest(ctx, t, base, needs[1], "We have a licensable patent family that could answer this need.", "")
	signOut(ctx, t)

	step("the company declines it with a reason")
	signIn(ctx, t, hoshizoraEmail)
	do(ctx, t, "open the second introduction", chromedp.Navigate(fmt.Sprintf("%s/introductions/%d", base, second)))
	choose(ctx, t, "#decline-reason", "not_a_fit")
	const why = "We are looking for a supplier at pilot scale, not a licence."
	do(ctx, t, "explain", chromedp.SendKeys(chromedp.ID("decline-reason-text"), why))
	loadAfter(ctx, t, "decline", chromedp.Click(chromedp.CSS(`form.decline button[type=submit]`)))
	if got := currentStep(ctx, t); got != "Closed" {
		t.Fatalf("after declining: stage %q, want Closed; errors %q", got, texts(ctx, t, ".error, .field-error"))
	}
	if stage, outcome, reason := introStage(t, db, second); stage != "closed" || outcome != "declined" || reason != "not_a_fit" {
		t.Fatalf("stored %s/%s/%s, want closed/declined/not_a_fit", stage, outcome, reason)
	}
	signOut(ctx, t)

	step("the TLO reads why")
	signIn(ctx, t, tloEmail)
	do(ctx, t, "open the declined introduction", chromedp.Navigate(fmt.Sprintf("%s/introductions/%d", base, second)))
	if got := texts(ctx, t, ".outcome .tag"); len(got) != 1 || got[0] != "Declined" {
		t.Errorf("outcome %q, want Declined", got)
	}
	if got := texts(ctx, t, ".outcome .reason"); len(got) != 1 || got[0] != "Not a fit" {
		t.Errorf("reason %q, want Not a fit", got)
	}
	if got := texts(ctx, t, "blockquote.reason-text"); len(got) != 1 || got[0] != why {
		t.Errorf("reason text %q", got)
	}
	if got := texts(ctx, t, ".stage-track li.skipped"); len(got) != 4 {
		t.Errorf("the track of a declined interest shows %d skipped stages, want 4 (%q)", len(got), got)
	}
	screenshot(ctx, t, "13-introduction-declined")
	loadAfter(ctx, t, "switch to Japanese", chromedp.Click(chromedp.CSS("header a.lang")))
	if got := texts(ctx, t, ".outcome .reason"); len(got) != 1 || got[0] != "ニーズに合わない" {
		t.Errorf("Japanese reason %q", got)
	}
	if got := currentStep(ctx, t); got != "終了" {
		t.Errorf("Japanese stage %q", got)
	}
	screenshot(ctx, t, "14-introduction-declined-ja")
	loadAfter(ctx, t, "back to English", chromedp.Click(chromedp.CSS("header a.lang")))
	signOut(ctx, t)
	step("done")
}

// session is a signed-in HTTP client that follows redirects.
type session struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newSession(t *testing.T, base, email string) *session {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &session{t: t, base: base, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	if email != "" {
		resp, body := s.post("/login", url.Values{"email": {email}, "password": {demo.Password}})
		if resp.Request.URL.Path != "/dashboard" {
			t.Fatalf("sign in as %s: status %d at %s: %.300s", email, resp.StatusCode, resp.Request.URL, body)
		}
	}
	return s
}

func (s *session) do(req *http.Request) (*http.Response, string) {
	s.t.Helper()
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		s.t.Fatal(err)
	}
	return resp, string(b)
}

func (s *session) get(path string) (*http.Response, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	return s.do(req)
}

func (s *session) post(path string, form url.Values) (*http.Response, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

// TestPipelinePages checks over HTTP who may see and do what on the
// pipeline's pages, the forms' errors, and the agreement and stall
// display.
func TestPipelinePages(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	needs := hoshizoraNeeds(t, db, 3)
	tloUser, err := db.UserByEmail(ctx, tloEmail)
	if err != nil {
		t.Fatal(err)
	}
	in := &kakehashi.Introduction{ListingID: needs[0], RequesterID: tloUser.ID, RequesterOrgID: tloUser.OrgID, Message: "Interested in a joint study."}
	if err := db.CreateIntroduction(ctx, in, tloUser); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/introductions/%d", in.ID)
	transition := page + "/transition"

	anon := newSession(t, base, "")
	if resp, _ := anon.get(page); resp.Request.URL.Path != "/login" {
		t.Errorf("anonymous %s went to %s, want /login", page, resp.Request.URL)
	}
	if resp, _ := anon.get("/inbox"); resp.Request.URL.Path != "/login" {
		t.Errorf("anonymous /inbox went to %s, want /login", resp.Request.URL)
	}
	if _, body := anon.get(fmt.Sprintf("/listings/%d", needs[0])); !strings.Contains(body, "Sign in to express interest") {
		t.Errorf("an anonymous visitor is not invited to sign in to express interest")
	}

	outsider := newSession(t, base, "founder@boston-bioventures.example")
	if resp, _ := outsider.get(page); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a non-party GET %s: status %d, want 404", page, resp.StatusCode)
	}
	if resp, _ := outsider.post(page+"/messages", url.Values{"body": {"hello"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a non-party posting a message: status %d, want 404", resp.StatusCode)
	}
	if _, body := outsider.get("/introductions"); strings.Contains(body, fmt.Sprintf(`data-intro="%d"`, in.ID)) {
		t.Errorf("a non-party's list shows introduction %d", in.ID)
	}

	tlo := newSession(t, base, tloEmail)
	if resp, _ := tlo.post(transition, url.Values{"action": {"accept"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the requester accepting: status %d, want 403", resp.StatusCode)
	}
	resp, body := tlo.post(fmt.Sprintf("/listings/%d/interest", needs[0]), url.Values{"message": {"Again."}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "You already have an open interest in this listing.") ||
		!strings.Contains(body, fmt.Sprintf(`href="/introductions/%d"`, in.ID)) {
		t.Errorf("a second open interest: status %d; want 409 with the message and a link to the first", resp.StatusCode)
	}
	resp, body = tlo.post(fmt.Sprintf("/listings/%d/interest", needs[1]), url.Values{"message": {"   "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-interest-message"`) {
		t.Errorf("an empty interest: status %d; want 422 with the message field's error", resp.StatusCode)
	}
	if resp, _ := tlo.post(page+"/coordinator", url.Values{"coordinator_id": {"1"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a party assigning a coordinator: status %d, want 403", resp.StatusCode)
	}

	company := newSession(t, base, hoshizoraEmail)
	resp, body = company.post(fmt.Sprintf("/listings/%d/interest", needs[0]), url.Values{"message": {"Our own."}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "This is your own organization&#39;s listing.") {
		t.Errorf("interest in one's own listing: status %d, want 422 with the reason", resp.StatusCode)
	}
	if _, body := company.get(fmt.Sprintf("/listings/%d", needs[0])); strings.Contains(body, `id="interest"`) {
		t.Errorf("the owner's listing page offers to express interest in it")
	}
	resp, body = company.post(transition, url.Values{"action": {"decline"}, "reason": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-decline-reason"`) || !strings.Contains(body, "Choose a reason.") {
		t.Errorf("a decline without a reason: status %d; want 422 with the reason field's error", resp.StatusCode)
	}
	for _, step := range []url.Values{
		{"action": {"accept"}},
		{"action": {"advance"}, "to": {"meeting"}, "note": {"first call"}},
		{"action": {"advance"}, "to": {"nda"}},
	} {
		if resp, body := company.post(transition, step); resp.StatusCode != http.StatusOK || resp.Request.URL.Query().Get("done") != "1" {
			t.Fatalf("%v: status %d at %s: %.500s", step, resp.StatusCode, resp.Request.URL, body)
		}
	}
	// A stale form: moving to meeting again conflicts.
	if resp, body := company.post(transition, url.Values{"action": {"advance"}, "to": {"meeting"}}); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(body, "This introduction changed since you opened the page") {
		t.Errorf("a stale move: status %d, want 409 with the explanation", resp.StatusCode)
	}
	bad := url.Values{"action": {"agreement"}, "type": {"license"}, "parties": {"Hoshizora"}, "value": {"12.5.0"}, "currency": {"JP"}, "date": {"2026-05-12"}}
	resp, body = company.post(transition, bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-agreement-value"`) {
		t.Errorf("an agreement with a bad amount: status %d, want 422 with the value's error", resp.StatusCode)
	}
	bad.Set("value", "1000")
	resp, body = company.post(transition, bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-agreement-parties"`) || !strings.Contains(body, `id="err-agreement-currency"`) {
		t.Errorf("an agreement with one party and a bad currency: status %d, want 422 with both errors", resp.StatusCode)
	}
	good := url.Values{"action": {"agreement"}, "type": {"license"}, "parties": {"Kansai Tech TLO, Hoshizora Motor"}, "value": {"12,500,000"},
		"currency": {"jpy"}, "date": {"2026-05-12"}}
	if resp, body := company.post(transition, good); resp.Request.URL.Query().Get("done") != "1" {
		t.Fatalf("record the agreement: status %d: %.1000s", resp.StatusCode, body)
	} else if !strings.Contains(body, "12,500,000 JPY") || !strings.Contains(body, "12 May 2026") {
		t.Errorf("the agreement does not show its value and date")
	}
	if resp, body := company.post(transition, url.Values{"action": {"won"}}); resp.Request.URL.Query().Get("done") != "1" ||
		!strings.Contains(body, `class="tag outcome-won">Won<`) {
		t.Errorf("close as won: status %d at %s", resp.StatusCode, resp.Request.URL)
	}

	// Staff: the stalled work queue and assigning a coordinator.
	stale := &kakehashi.Introduction{ListingID: needs[2], RequesterID: tloUser.ID, RequesterOrgID: tloUser.OrgID, Message: "Still interested?"}
	if err := db.CreateIntroduction(ctx, stale, tloUser); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE introductions SET stage_changed_at = $1 WHERE id = $2`, db.Now().Add(-20*24*time.Hour).UTC(), stale.ID); err != nil {
		t.Fatal(err)
	}
	coordinator := newSession(t, base, "coordinator@kakehashi.example")
	_, body = coordinator.get("/introductions?stalled=1")
	if !strings.Contains(body, fmt.Sprintf(`data-intro="%d" class="is-stalled"`, stale.ID)) || strings.Contains(body, fmt.Sprintf(`data-intro="%d"`, in.ID)) {
		t.Errorf("the stalled queue does not hold exactly the stalled introduction %d", stale.ID)
	}
	coord, err := db.UserByEmail(ctx, "coordinator@kakehashi.example")
	if err != nil {
		t.Fatal(err)
	}
	stalePage := fmt.Sprintf("/introductions/%d", stale.ID)
	if resp, body := coordinator.post(stalePage+"/coordinator", url.Values{"coordinator_id": {strconv.FormatInt(coord.ID, 10)}}); resp.Request.URL.Query().Get("done") != "1" ||
		!strings.Contains(body, "Stalled: the stage has not changed") {
		t.Errorf("assign a coordinator: status %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if _, body := coordinator.get("/introductions?mine=1"); !strings.Contains(body, fmt.Sprintf(`data-intro="%d"`, stale.ID)) {
		t.Errorf("assigned to me does not list introduction %d", stale.ID)
	}

	// The inbox: a mark-all-read only marks what it showed.
	_, body = company.get("/inbox")
	if !strings.Contains(body, `action="/inbox/read"`) {
		t.Fatalf("the company's inbox has nothing unread")
	}
	ids := regexp.MustCompile(`name="id" value="(\d+)"`).FindAllStringSubmatch(body, -1)
	form := url.Values{}
	for _, m := range ids {
		form.Add("id", m[1])
	}
	if resp, body := company.post("/inbox/read", form); resp.Request.URL.Path != "/inbox" || strings.Contains(body, `class="note unread"`) {
		t.Errorf("after mark all read: at %s, unread left", resp.Request.URL)
	}

	// Both languages, no message key left untranslated.
	for _, lang := range []string{"en", "ja"} {
		s := newSession(t, base, hoshizoraEmail)
		if _, err := s.client.Get(base + "/lang?to=" + lang + "&next=/"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{page, stalePage, "/introductions", "/inbox", "/dashboard", fmt.Sprintf("/listings/%d", needs[0])} {
			resp, body := s.get(p)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: status %d", lang, p, resp.StatusCode)
				continue
			}
			if m := regexp.MustCompile(`>[^<]*\b(stage|outcome|reason|intro|intros|inbox|interest|pipe|dash)\.[a-z_.]+`).FindString(body); m != "" {
				t.Errorf("%s %s shows a message key: %q", lang, p, m)
			}
		}
	}
}
