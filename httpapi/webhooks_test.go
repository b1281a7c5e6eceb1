package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/notify"
	"github.com/kakehashi/kakehashi/notify/notifytest"
)

// TestWebhooksThroughTheAPI registers a webhook through the API, makes the
// pipeline events happen while the receiver is down, and checks that each
// arrives once, signed, after it comes back, with every attempt in the
// delivery log.
func TestWebhooksThroughTheAPI(t *testing.T) {
	t.Parallel()
	// The receiver runs on this machine: loopback is allowed explicitly.
	e := newEnv(t, sqliteDSN, httpapi.Config{WebhooksAllowLoopback: true})
	orgAdmin := e.as(ownerAdmin)
	hooks := fmt.Sprintf("/organizations/%d/webhooks", e.own.ID)

	// Invalid input is refused with the fields at fault.
	e.do("POST", hooks, map[string]any{"url": "ftp://example.com/x", "events": []string{"message.created"}}, orgAdmin).wantProblem(t, 422, "body.url")
	e.do("POST", hooks, map[string]any{"url": "https://example.com/x", "events": []string{"listing.created"}}, orgAdmin).wantProblem(t, 422, "body.events[0]")
	e.do("POST", hooks, map[string]any{"url": "https://example.com/x", "events": []string{}}, orgAdmin).wantProblem(t, 422, "body.events")
	e.do("POST", hooks, map[string]any{"url": "https://example.com/x"}, orgAdmin).wantProblem(t, 422)
	e.do("POST", "/organizations/999999/webhooks", map[string]any{"url": "https://example.com/x", "events": kakehashi.WebhookEvents()}, e.as(admin)).wantProblem(t, 404)

	rc := notifytest.StartReceiver(t)
	rc.SetDown(true)
	created := e.do("POST", hooks, map[string]any{"url": rc.URL + "/own", "events": kakehashi.WebhookEvents()}, orgAdmin).want(t, 201).obj(t)
	secret, _ := created["secret"].(string)
	if secret == "" {
		t.Fatalf("created webhook without its secret: %v", created)
	}
	rc.Expect("/own", secret)
	hookID := id(created, "id")

	in := e.intro(kakehashi.VisibilityPublic)
	e.do("POST", fmt.Sprintf("/introductions/%d/transitions", in.ID), map[string]any{"to": "introduced"}, e.as(ownerMember)).want(t, 200)
	e.do("POST", fmt.Sprintf("/introductions/%d/messages", in.ID), map[string]any{"body": "Shall we meet?"}, e.as(ownerMember)).want(t, 201)

	now := e.db.Now().Add(time.Second)
	d := notify.New(e.db, notify.Config{BackoffBase: time.Minute, Timeout: 5 * time.Second, AllowLoopback: true, Now: func() time.Time { return now }})
	ctx := context.Background()
	if r, err := d.RunOnce(ctx); err != nil || r.Retried != 3 || r.Sent != 0 {
		t.Fatalf("while the receiver is down: %+v, %v; want 3 retried", r, err)
	}
	rc.SetDown(false)
	now = now.Add(time.Minute)
	if r, err := d.RunOnce(ctx); err != nil || r.Sent != 3 {
		t.Fatalf("after the receiver came back: %+v, %v; want 3 sent", r, err)
	}
	if r, err := d.RunOnce(ctx); err != nil || r.Sent+r.Retried+r.Failed != 0 {
		t.Fatalf("a further round did something: %+v, %v", r, err)
	}
	seen := map[int64]int{}
	var events []string
	for _, c := range rc.Calls() {
		seen[c.Delivery]++
		events = append(events, c.Event)
		var body map[string]any
		if err := json.Unmarshal([]byte(c.Body), &body); err != nil || body["event"] != c.Event {
			t.Errorf("call %d: body %s", c.Delivery, c.Body)
		}
	}
	if len(seen) != 3 || len(rc.Calls()) != 3 || rc.BadSignatures.Load() != 0 {
		t.Errorf("calls %v (%d bad signatures); want 3 deliveries once each", seen, rc.BadSignatures.Load())
	}
	if want := fmt.Sprint(kakehashi.WebhookEvents()); fmt.Sprint(events) != want {
		t.Errorf("events %v, want %v", events, want)
	}

	var log struct{ Items []kakehashi.Delivery }
	e.do("GET", fmt.Sprintf("%s/%d/deliveries", hooks, hookID), nil, orgAdmin).want(t, 200).decode(t, &log)
	ok, failed := 0, 0
	for _, d := range log.Items {
		if d.OK && d.Status == 204 {
			ok++
		} else if !d.OK && d.Status == 503 {
			failed++
		}
	}
	if ok != 3 || failed != 3 || len(log.Items) != 6 {
		t.Errorf("delivery log %+v; want 3 refused and 3 delivered", log.Items)
	}

	// The list never shows the secret; a removed webhook is gone.
	var list struct{ Items []map[string]any }
	e.do("GET", hooks, nil, orgAdmin).want(t, 200).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["secret"] != nil {
		t.Errorf("webhook list %v", list.Items)
	}
	e.do("DELETE", fmt.Sprintf("%s/%d", hooks, hookID), nil, orgAdmin).want(t, 204)
	e.do("DELETE", fmt.Sprintf("%s/%d", hooks, hookID), nil, orgAdmin).wantProblem(t, 404)
	e.do("GET", fmt.Sprintf("%s/%d/deliveries", hooks, hookID), nil, orgAdmin).wantProblem(t, 404)
}

// TestWebhookAddressesRefused checks that, by default, a webhook may not
// point at this machine, a private network, the cloud metadata address or
// any other internal address, nor use another scheme or carry credentials:
// each is refused with a 422 on body.url and nothing is stored.
func TestWebhookAddressesRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteDSN, httpapi.Config{})
	orgAdmin := e.as(ownerAdmin)
	hooks := fmt.Sprintf("/organizations/%d/webhooks", e.own.ID)
	for _, u := range []string{
		"http://127.0.0.1:8080/hook", "http://127.1.2.3/", "http://[::1]/hook", "http://localhost:9000/", "http://LOCALHOST./",
		"http://api.localhost/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/", "http://172.16.5.4/", "http://192.168.1.1/",
		"http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[fe80::1%25eth0]/", "http://0.0.0.0/", "http://[::]/",
		"http://100.64.0.1/", "http://224.0.0.1/", "http://[ff02::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/",
		"http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
		"ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "https://user:pw@example.com/", "https://user@example.com/",
	} {
		e.do("POST", hooks, map[string]any{"url": u, "events": kakehashi.WebhookEvents()}, orgAdmin).wantProblem(t, 422, "body.url")
	}
	if n := e.count(`SELECT count(*) FROM webhooks`); n != 0 {
		t.Errorf("%d webhooks stored after refusals", n)
	}
	// A public address is fine.
	e.do("POST", hooks, map[string]any{"url": "https://hooks.example.com/kakehashi", "events": kakehashi.WebhookEvents()}, orgAdmin).want(t, 201)
}
