package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/notify"
	"github.com/kakehashi/kakehashi/notify/notifytest"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// The store is the outbox that notify's Deliverer claims from; the check
// lives here so that sqlstore itself need not import notify.
var _ notify.Store = (*sqlstore.DB)(nil)

// notifyTests are the conformance tests of the outbox: e-mail and webhooks
// queued with the change they report, and delivered once each, whatever
// the outages and however many deliverers run.
var notifyTests = []struct {
	name string
	fn   func(*testing.T, NewDSN)
}{
	{"OutboxQueuedWithChanges", testOutboxQueuedWithChanges},
	{"OutboxLease", testOutboxLease},
	{"OutboxDeliveredAfterOutage", testOutboxDeliveredAfterOutage},
	{"OutboxConcurrentDeliverers", testOutboxConcurrentDeliverers},
	{"OutboxGivesUp", testOutboxGivesUp},
	{"Alerts", testAlerts},
}

// RunNotify runs the outbox conformance tests alone, for the notify
// package's own tests.
func RunNotify(t *testing.T, newDSN NewDSN) {
	for _, tc := range notifyTests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newDSN) })
	}
}

// hook creates a webhook of orgID pointing at base+path. The store checks
// a URL's form only (the API and the pages check its address), and the
// receivers of these tests run on this machine, so the deliverers here are
// made with AllowLoopback.
func hook(t *testing.T, db *sqlstore.DB, orgID int64, url string, events ...string) *kakehashi.Webhook {
	t.Helper()
	if len(events) == 0 {
		events = kakehashi.WebhookEvents()
	}
	w := &kakehashi.Webhook{OrgID: orgID, URL: url, Events: events}
	if err := db.CreateWebhook(context.Background(), w, admin()); err != nil {
		t.Fatal(err)
	}
	return w
}

// outboxRow is an outbox message as stored.
type outboxRow struct {
	id                  int64
	channel, recipient  string
	event, payload      string
	subject, link       string
	attempts            int
	next                time.Time
	sent, failed, owner bool
}

func outboxRows(t *testing.T, db *sqlstore.DB) []outboxRow {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT id, channel, recipient, event, payload, subject, link, attempts, next_attempt_at,
		sent_at IS NOT NULL, failed_at IS NOT NULL FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.id, &r.channel, &r.recipient, &r.event, &r.payload, &r.subject, &r.link, &r.attempts, &r.next, &r.sent, &r.failed); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// activity makes the three kinds of webhook event happen: an interest, its
// acceptance by the owner, and a message from the requester.
func (p *parties) activity(t *testing.T) *kakehashi.Introduction {
	t.Helper()
	ctx := context.Background()
	in := p.interest(t)
	if _, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, p.owner); err != nil {
		t.Fatal(err)
	}
	if err := p.db.PostMessage(ctx, &kakehashi.Message{IntroductionID: in.ID, Body: "When can we meet?"}, p.requester); err != nil {
		t.Fatal(err)
	}
	return in
}

func testOutboxQueuedWithChanges(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityConfidential)
	ownerHook := hook(t, p.db, p.ownerOrg.ID, "https://owner.example/hook")
	messagesOnly := hook(t, p.db, p.ownerOrg.ID, "https://owner.example/messages", kakehashi.WebhookMessageCreated)
	requesterHook := hook(t, p.db, p.otherOrg.ID, "https://requester.example/hook")
	hook(t, p.db, p.outsid.OrgID, "https://outsider.example/hook") // no party: gets nothing
	removed := hook(t, p.db, p.ownerOrg.ID, "https://owner.example/removed")
	if err := p.db.DeleteWebhook(context.Background(), p.ownerOrg.ID, removed.ID, admin()); err != nil {
		t.Fatal(err)
	}
	in := p.activity(t)

	emails := map[string][]string{}
	hooks := map[string][]string{}
	for _, r := range outboxRows(t, p.db) {
		if r.attempts != 0 || r.sent || r.failed {
			t.Errorf("outbox %d: new message with attempts %d sent %v failed %v", r.id, r.attempts, r.sent, r.failed)
		}
		switch r.channel {
		case kakehashi.ChannelEmail:
			emails[r.recipient] = append(emails[r.recipient], r.event)
			if r.link != fmt.Sprintf("/introductions/%d", in.ID) || r.subject == "" {
				t.Errorf("e-mail %d: subject %q link %q", r.id, r.subject, r.link)
			}
		case kakehashi.ChannelWebhook:
			hooks[r.recipient] = append(hooks[r.recipient], r.event)
			var body struct {
				Event        string                  `json:"event"`
				Introduction *kakehashi.Introduction `json:"introduction"`
				Message      *kakehashi.Message      `json:"message"`
				Transition   map[string]any          `json:"transition"`
			}
			if err := json.Unmarshal([]byte(r.payload), &body); err != nil {
				t.Fatalf("webhook %d payload: %v", r.id, err)
			}
			if body.Event != r.event || body.Introduction == nil || body.Introduction.ID != in.ID {
				t.Errorf("webhook %d: payload %s", r.id, r.payload)
				continue
			}
			// The requester's side learns the confidential listing's owner
			// only once the owner accepted.
			hidden := r.recipient == fmt.Sprint(requesterHook.ID) && r.event == kakehashi.WebhookIntroductionCreated
			if body.Introduction.OwnerHidden != hidden || (body.Introduction.OwnerOrgID == 0) != hidden {
				t.Errorf("webhook %d (%s to hook %s): owner hidden %v, org %d; want hidden %v",
					r.id, r.event, r.recipient, body.Introduction.OwnerHidden, body.Introduction.OwnerOrgID, hidden)
			}
			if r.event == kakehashi.WebhookMessageCreated && (body.Message == nil || body.Message.Body != "When can we meet?") {
				t.Errorf("webhook %d: message %+v", r.id, body.Message)
			}
			if r.event == kakehashi.WebhookIntroductionTransition && (body.Transition["from"] != "interest" || body.Transition["to"] != "introduced") {
				t.Errorf("webhook %d: transition %v", r.id, body.Transition)
			}
		}
	}
	wantEmails := map[string][]string{
		p.owner.Email:     {"notification.interest", "notification.message"},
		p.requester.Email: {"notification.stage"},
	}
	if fmt.Sprint(emails) != fmt.Sprint(wantEmails) {
		t.Errorf("e-mails queued %v, want %v", emails, wantEmails)
	}
	all := []string{kakehashi.WebhookIntroductionCreated, kakehashi.WebhookIntroductionTransition, kakehashi.WebhookMessageCreated}
	wantHooks := map[string][]string{
		fmt.Sprint(ownerHook.ID):     all,
		fmt.Sprint(requesterHook.ID): all,
		fmt.Sprint(messagesOnly.ID):  {kakehashi.WebhookMessageCreated},
	}
	if fmt.Sprint(hooks) != fmt.Sprint(wantHooks) {
		t.Errorf("webhook calls queued %v, want %v", hooks, wantHooks)
	}
	// A refused write queues nothing.
	before := len(outboxRows(t, p.db))
	if err := p.db.PostMessage(context.Background(), &kakehashi.Message{IntroductionID: in.ID, Body: "not a party"}, p.outsid); err == nil {
		t.Fatal("an outsider posted a message")
	}
	if after := len(outboxRows(t, p.db)); after != before {
		t.Errorf("a refused write queued %d messages", after-before)
	}
}

func testOutboxLease(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	p.interest(t) // one e-mail to the owner
	now := p.db.Now().Add(time.Second)
	first, err := p.db.ClaimOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(first) != 1 {
		t.Fatalf("claim: %d messages, %v; want 1", len(first), err)
	}
	if again, err := p.db.ClaimOutbox(ctx, now.Add(30*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed a leased message again: %d, %v", len(again), err)
	}
	if only, err := p.db.ClaimOutbox(ctx, now.Add(2*time.Minute), time.Minute, 10, kakehashi.ChannelWebhook); err != nil || len(only) != 0 {
		t.Fatalf("claimed an e-mail as a webhook: %d, %v", len(only), err)
	}
	// The lease ran out: another deliverer takes the message over, and the
	// first one's late report no longer changes it.
	second, err := p.db.ClaimOutbox(ctx, now.Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(second) != 1 || second[0].ID != first[0].ID || second[0].Claim == first[0].Claim {
		t.Fatalf("claim after the lease: %v, %v", second, err)
	}
	if err := p.db.RecordAttempt(ctx, first[0], kakehashi.OutboxAttempt{At: now.Add(2 * time.Minute), Detail: "late", NextAttemptAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := p.db.RecordAttempt(ctx, second[0], kakehashi.OutboxAttempt{At: now.Add(2 * time.Minute), OK: true}); err != nil {
		t.Fatal(err)
	}
	rows := outboxRows(t, p.db)
	if len(rows) != 1 || !rows[0].sent || rows[0].attempts != 1 {
		t.Errorf("outbox after a stale and a fresh report: %+v; want sent after 1 attempt", rows)
	}
	log, err := p.db.Deliveries(ctx, first[0].ID, 0, 10)
	if err != nil || len(log) != 2 || !log[0].OK || log[1].OK {
		t.Errorf("delivery log %v, %v; want the failed and the successful attempt", log, err)
	}
}

// clock is a settable time source shared by a test and its deliverers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testOutboxDeliveredAfterOutage(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityConfidential)
	ctx := context.Background()
	rc := notifytest.StartReceiver(t)
	rc.SetDown(true)
	for _, o := range []int64{p.ownerOrg.ID, p.otherOrg.ID} {
		path := fmt.Sprintf("/org/%d", o)
		w := hook(t, p.db, o, rc.URL+path)
		rc.Expect(path, w.Secret)
	}
	p.activity(t)
	queued := outboxRows(t, p.db)
	if len(queued) != 9 { // 3 e-mails, 3 events × 2 organizations
		t.Fatalf("%d messages queued, want 9", len(queued))
	}

	smtpAddr := notifytest.FreeAddr(t) // the relay is down: nothing listens
	clk := &clock{t: p.db.Now().Add(time.Second)}
	d := notify.New(p.db, notify.Config{SMTPAddr: smtpAddr, From: "Kakehashi <noreply@kakehashi.example>", BaseURL: "https://kakehashi.example/",
		BackoffBase: time.Minute, BackoffCap: 10 * time.Minute, Timeout: 5 * time.Second, AllowLoopback: true, Now: clk.Now})

	// Two rounds while everything is down: each message is tried, logged
	// and put off by the back-off, doubled on the second failure.
	for round, wait := range []time.Duration{time.Minute, 2 * time.Minute} {
		r, err := d.RunOnce(ctx)
		if err != nil || r != (notify.Result{Retried: 9}) {
			t.Fatalf("round %d while down: %+v, %v; want 9 retried", round+1, r, err)
		}
		for _, row := range outboxRows(t, p.db) {
			if row.sent || row.failed || row.attempts != round+1 || !row.next.Equal(clk.Now().UTC().Truncate(time.Microsecond).Add(wait)) {
				t.Errorf("round %d: outbox %d sent %v failed %v attempts %d next %v; want pending, %d attempts, next in %v",
					round+1, row.id, row.sent, row.failed, row.attempts, row.next, round+1, wait)
			}
		}
		if r, err := d.RunOnce(ctx); err != nil || r != (notify.Result{}) {
			t.Fatalf("round %d: retried before the back-off: %+v, %v", round+1, r, err)
		}
		clk.Add(wait)
	}
	if rc.Refused.Load() != 12 {
		t.Errorf("receiver refused %d calls, want 12", rc.Refused.Load())
	}

	// Both come back: every message is delivered once.
	srv := notifytest.StartSMTP(t, smtpAddr)
	rc.SetDown(false)
	if r, err := d.RunOnce(ctx); err != nil || r != (notify.Result{Sent: 9}) {
		t.Fatalf("round after the outage: %+v, %v; want 9 sent", r, err)
	}
	if r, err := d.RunOnce(ctx); err != nil || r != (notify.Result{}) {
		t.Fatalf("round after delivery: %+v, %v; want nothing", r, err)
	}
	clk.Add(time.Hour)
	if r, err := d.RunOnce(ctx); err != nil || r != (notify.Result{}) {
		t.Fatalf("round an hour later: %+v, %v; want nothing", r, err)
	}

	ids := srv.ByMessageID()
	for _, row := range queued {
		if row.channel != kakehashi.ChannelEmail {
			continue
		}
		if n := ids[notify.MessageID(row.id)]; n != 1 {
			t.Errorf("e-mail %d received %d times, want once", row.id, n)
		}
	}
	if len(srv.Mail()) != 3 {
		t.Errorf("%d e-mails received, want 3", len(srv.Mail()))
	}
	for _, m := range srv.Mail() {
		if m.From != "noreply@kakehashi.example" || len(m.To) != 1 || m.Header.Get("To") != m.To[0] {
			t.Errorf("e-mail envelope from %q to %v, header To %q", m.From, m.To, m.Header.Get("To"))
		}
		if !containsLine(m.Body, "https://kakehashi.example/introductions/") {
			t.Errorf("e-mail %s has no absolute link: %q", m.MessageID, m.Body)
		}
	}
	calls := map[int64]int{}
	for _, c := range rc.Calls() {
		calls[c.Delivery]++
	}
	for _, row := range queued {
		if row.channel == kakehashi.ChannelWebhook && calls[row.id] != 1 {
			t.Errorf("webhook %d (%s) received %d times, want once", row.id, row.event, calls[row.id])
		}
	}
	if len(rc.Calls()) != 6 || rc.BadSignatures.Load() != 0 {
		t.Errorf("%d webhook calls, %d with bad signatures; want 6 and 0", len(rc.Calls()), rc.BadSignatures.Load())
	}
	for _, row := range outboxRows(t, p.db) {
		if !row.sent || row.attempts != 3 {
			t.Errorf("outbox %d: sent %v after %d attempts; want sent after 3", row.id, row.sent, row.attempts)
		}
		log, err := p.db.Deliveries(ctx, row.id, 0, 10)
		if err != nil || len(log) != 3 || !log[0].OK || log[1].OK || log[2].OK || log[2].Detail == "" {
			t.Errorf("outbox %d delivery log %+v, %v; want 2 failures then a success", row.id, log, err)
		}
		if row.channel == kakehashi.ChannelWebhook && (log[1].Status != 503 || log[0].Status != 204) {
			t.Errorf("webhook %d statuses %d, %d, want 503 then 204", row.id, log[1].Status, log[0].Status)
		}
	}
	counts, err := p.db.OutboxCounts(ctx)
	if err != nil || counts["pending"] != 0 || counts["sent"] != 9 {
		t.Errorf("outbox counts %v, %v", counts, err)
	}
}

func containsLine(body, prefix string) bool {
	for _, l := range splitLines(body) {
		if len(l) >= len(prefix) && l[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, trimCR(s[start:i]))
			start = i + 1
		}
	}
	return append(out, trimCR(s[start:]))
}

func trimCR(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\r' {
		return s[:len(s)-1]
	}
	return s
}

// testOutboxConcurrentDeliverers runs four deliverers at once, with small
// batches, over the same outbox: every message is sent exactly once.
func testOutboxConcurrentDeliverers(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	for i := range 12 {
		u := &kakehashi.User{Email: fmt.Sprintf("member%d@example.jp", i), Name: "member", OrgID: p.ownerOrg.ID, OrgRole: kakehashi.RoleMember}
		if err := p.db.CreateUser(ctx, u, admin()); err != nil {
			t.Fatal(err)
		}
	}
	rc := notifytest.StartReceiver(t)
	w := hook(t, p.db, p.ownerOrg.ID, rc.URL+"/owner")
	rc.Expect("/owner", w.Secret)
	for i := range 3 {
		l := Listing(p.ownerOrg.ID, fmt.Sprintf("concurrent-%d", i))
		mustListing(t, p.db, l)
		in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: p.requester.ID, RequesterOrgID: p.requester.OrgID, Message: "Interested."}
		if err := p.db.CreateIntroduction(ctx, in, p.requester); err != nil {
			t.Fatal(err)
		}
	}
	queued := outboxRows(t, p.db)
	if len(queued) != 3*13+3 {
		t.Fatalf("%d messages queued, want %d", len(queued), 3*13+3)
	}
	srv := notifytest.StartSMTP(t, "127.0.0.1:0")
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := notify.Result{}
	add := func(r notify.Result) {
		mu.Lock()
		defer mu.Unlock()
		total.Sent += r.Sent
		total.Retried += r.Retried
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := notify.New(p.db, notify.Config{SMTPAddr: srv.Addr, BatchSize: 5, Timeout: 5 * time.Second, AllowLoopback: true, Now: func() time.Time { return p.db.Now().Add(time.Second) }})
			for {
				r, err := d.RunOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				add(r)
				if r == (notify.Result{}) {
					return
				}
			}
		}()
	}
	wg.Wait()
	if total.Sent != len(queued) || total.Retried != 0 {
		t.Errorf("deliverers sent %d and retried %d, want %d sent", total.Sent, total.Retried, len(queued))
	}
	ids := srv.ByMessageID()
	calls := map[int64]int{}
	for _, c := range rc.Calls() {
		calls[c.Delivery]++
	}
	for _, row := range queued {
		n := calls[row.id]
		if row.channel == kakehashi.ChannelEmail {
			n = ids[notify.MessageID(row.id)]
		}
		if n != 1 {
			t.Errorf("outbox %d (%s) delivered %d times, want once", row.id, row.channel, n)
		}
	}
}

// testOutboxGivesUp: a message that keeps failing is marked failed after
// the last attempt, and one to a removed webhook at once.
func testOutboxGivesUp(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	rc := notifytest.StartReceiver(t)
	rc.SetDown(true)
	kept := hook(t, p.db, p.ownerOrg.ID, rc.URL+"/kept", kakehashi.WebhookIntroductionCreated)
	gone := hook(t, p.db, p.ownerOrg.ID, rc.URL+"/gone", kakehashi.WebhookIntroductionCreated)
	p.interest(t)
	if err := p.db.DeleteWebhook(ctx, p.ownerOrg.ID, gone.ID, admin()); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: p.db.Now().Add(time.Second)}
	d := notify.New(p.db, notify.Config{MaxAttempts: 3, BackoffBase: time.Minute, BackoffCap: time.Hour, Timeout: 5 * time.Second, AllowLoopback: true, Now: clk.Now})
	var results []notify.Result
	for range 4 {
		r, err := d.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
		clk.Add(time.Hour)
	}
	// Without a relay the e-mail is never claimed; the removed hook's call
	// fails at once; the kept one after three attempts.
	want := []notify.Result{{Retried: 1, Failed: 1}, {Retried: 1}, {Failed: 1}, {}}
	if fmt.Sprint(results) != fmt.Sprint(want) {
		t.Errorf("rounds %v, want %v", results, want)
	}
	for _, row := range outboxRows(t, p.db) {
		switch {
		case row.channel == kakehashi.ChannelEmail:
			if row.sent || row.failed || row.attempts != 0 {
				t.Errorf("e-mail without a relay: %+v; want queued untouched", row)
			}
		case row.recipient == fmt.Sprint(kept.ID):
			if !row.failed || row.attempts != 3 {
				t.Errorf("kept webhook: %+v; want failed after 3 attempts", row)
			}
		default:
			if !row.failed || row.attempts != 1 {
				t.Errorf("removed webhook: %+v; want failed after 1 attempt", row)
			}
		}
	}
	if log, err := p.db.Deliveries(ctx, 0, kept.ID, 10); err != nil || len(log) != 3 {
		t.Errorf("kept webhook's delivery log: %d entries, %v; want 3", len(log), err)
	}
}
