package notify_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/notify"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// TestOutbox runs the outbox conformance tests on SQLite; the sqlstore
// tests run them on PostgreSQL too.
func TestOutbox(t *testing.T) {
	storetest.RunNotify(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "kakehashi.db") })
}

func TestBackoff(t *testing.T) {
	d := notify.New(nil, notify.Config{BackoffBase: 30 * time.Second, BackoffCap: 5 * time.Minute})
	var got []time.Duration
	for n := 1; n <= 7; n++ {
		got = append(got, d.Backoff(n))
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("back-off %v, want %v", got, want)
		}
	}
	if d := notify.New(nil, notify.Config{}); d.Backoff(1000) != 6*time.Hour {
		t.Errorf("default cap %v", d.Backoff(1000))
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"event":"message.created"}`)
	// Computed independently: printf '%s' "$body" | openssl dgst -sha256 -hmac whsec_test
	const want = "sha256=9f5b1358516760b487de1bbe28431076ffbae78988a3e4228399ed133ce9e1ea"
	sig := notify.Sign("whsec_test", body)
	if sig != want {
		t.Fatalf("signature %q", sig)
	}
	if !notify.Verify("whsec_test", body, sig) || notify.Verify("other", body, sig) || notify.Verify("whsec_test", append(body, ' '), sig) {
		t.Error("Verify accepts a wrong secret or body, or refuses the right one")
	}
}

func TestEmail(t *testing.T) {
	d := notify.New(nil, notify.Config{From: "Kakehashi <noreply@kakehashi.example>", BaseURL: "https://kakehashi.example/"})
	b := string(d.Email(&kakehashi.OutboxMessage{ID: 42, Recipient: "tlo@kansai-tech.example", Subject: "新しい関心: 全固体電池",
		Body: "New interest", Link: "/introductions/7", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}))
	for _, want := range []string{"Message-ID: <outbox-42@kakehashi>\r\n", "To: tlo@kansai-tech.example\r\n", "Subject: =?utf-8?q?",
		"\r\n\r\nNew interest\r\n\r\nhttps://kakehashi.example/introductions/7\r\n"} {
		if !strings.Contains(b, want) {
			t.Errorf("e-mail lacks %q:\n%s", want, b)
		}
	}
}

func TestWebhookValidate(t *testing.T) {
	for _, tc := range []struct {
		url    string
		events []string
		fields string
	}{
		{"https://example.com/hook", []string{"message.created"}, ""},
		{"http://127.0.0.1:9000/x", []string{"introduction.created", "introduction.transition"}, ""},
		{"ftp://example.com/", []string{"message.created"}, "url"},
		{"/relative", []string{"message.created"}, "url"},
		{"https://user:pw@example.com/", []string{"message.created"}, "url"},
		{"https://example.com/", nil, "events"},
		{"", []string{"nope"}, "events url"},
	} {
		w := &kakehashi.Webhook{URL: tc.url, Events: tc.events}
		err := w.Validate()
		var fields []string
		if err != nil {
			fields = kakehashiFields(err)
		}
		if got := strings.Join(fields, " "); got != tc.fields {
			t.Errorf("Validate(%q, %v): fields %q, want %q (%v)", tc.url, tc.events, got, tc.fields, err)
		}
	}
}

func kakehashiFields(err error) []string {
	var out []string
	for _, f := range kakehashi.FieldErrors(err) {
		out = append(out, f.Field)
	}
	return out
}
