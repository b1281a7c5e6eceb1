package notify_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/notify"
)

// oneMessage is an outbox holding a single webhook call, recording the
// attempts made at it.
type oneMessage struct {
	mu       sync.Mutex
	msg      *kakehashi.OutboxMessage
	claimed  bool
	attempts []kakehashi.OutboxAttempt
}

func (s *oneMessage) ClaimOutbox(_ context.Context, _ time.Time, _ time.Duration, _ int, channels ...string) ([]*kakehashi.OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimed {
		return nil, nil
	}
	s.claimed = true
	return []*kakehashi.OutboxMessage{s.msg}, nil
}

func (s *oneMessage) RecordAttempt(_ context.Context, _ *kakehashi.OutboxMessage, a kakehashi.OutboxAttempt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts = append(s.attempts, a)
	return nil
}

func webhookCall(url string) *kakehashi.OutboxMessage {
	return &kakehashi.OutboxMessage{ID: 1, Channel: kakehashi.ChannelWebhook, Recipient: "1", Event: kakehashi.WebhookMessageCreated,
		Payload: `{"event":"message.created"}`, Webhook: &kakehashi.Webhook{ID: 1, URL: url, Secret: "s", Active: true, Events: kakehashi.WebhookEvents()}}
}

// TestWebhookRefusedAtDialTime stores webhooks that point at a receiver on
// this machine, as rows written before creation was checked or names that
// resolve to an internal address would: by default the deliverer does not
// connect, gives up at once and logs only that the address is not allowed.
func TestWebhookRefusedAtDialTime(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	for _, target := range []string{srv.URL + "/hook", "http://localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port) + "/hook"} {
		store := &oneMessage{msg: webhookCall(target)}
		d := notify.New(store, notify.Config{Timeout: 5 * time.Second})
		r, err := d.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r.Failed != 1 || r.Sent != 0 || r.Retried != 0 {
			t.Errorf("%s: %+v; want failed for good at once", target, r)
		}
		if len(store.attempts) != 1 {
			t.Fatalf("%s: %d attempts recorded", target, len(store.attempts))
		}
		if a := store.attempts[0]; a.OK || !a.GiveUp || a.Status != 0 || a.Detail != "refused: address not allowed" {
			t.Errorf("%s: attempt %+v; want given up with only %q", target, a, "refused: address not allowed")
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback receiver got %d requests", n)
	}
}
