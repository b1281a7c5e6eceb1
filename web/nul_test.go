package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestNULRefusedOnPages posts text holding a NUL byte through the forms: a
// listing's title, an interest and a message. Each form comes back with a
// 422 and the error beside its field, and nothing is stored.
func TestNULRefusedOnPages(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	countOf := func(table string) int {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	listings, intros, messages := countOf("listings"), countOf("introductions"), countOf("messages")

	rd := newSession(t, base, hoshizoraEmail)
	resp, body := rd.post("/listings/new", url.Values{"side": {"seed"}, "kind": {"technology"}, "title": {"Solid\x00electrolyte"},
		"summary": {"A summary."}, "language": {"en"}, "trl": {"4"}, "ip_status": {"none"}, "visibility": {"public"}, "status": {"open"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="err-title">[^<]*NUL`).MatchString(body) {
		t.Errorf("listing with a NUL in its title: status %d; want 422 with the error beside the title: %.2000s", resp.StatusCode, body)
	}

	tlo := newSession(t, base, tloEmail)
	need := publicListing(t, db, "need", "demo:org:hoshizora-motors")
	resp, body = tlo.post(fmt.Sprintf("/listings/%d/interest", need), url.Values{"message": {"A joint\x00 study?"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="err-interest-message">[^<]*NUL`).MatchString(body) {
		t.Errorf("interest with a NUL: status %d; want 422 with the error beside the message", resp.StatusCode)
	}
	if countOf("introductions") != intros {
		t.Fatal("an interest with a NUL was stored")
	}
	resp, _ = tlo.post(fmt.Sprintf("/listings/%d/interest", need), url.Values{"message": {"A joint study?"}})
	if resp.Request.URL.Query().Get("sent") != "1" || !strings.HasPrefix(resp.Request.URL.Path, "/introductions/") {
		t.Fatalf("express interest: status %d at %s", resp.StatusCode, resp.Request.URL)
	}
	resp, body = tlo.post(resp.Request.URL.Path+"/messages", url.Values{"body": {"Shall we\x00 meet?"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="err-message-body">[^<]*NUL`).MatchString(body) {
		t.Errorf("message with a NUL: status %d; want 422 with the error beside the message", resp.StatusCode)
	}
	if countOf("listings") != listings || countOf("messages") != messages {
		t.Errorf("refused forms stored listings %d→%d, messages %d→%d", listings, countOf("listings"), messages, countOf("messages"))
	}

	// In Japanese too.
	tlo.get("/lang?to=ja&next=/")
	_, body = tlo.post(resp.Request.URL.Path, url.Values{"body": {"\x00"}})
	if !strings.Contains(body, "NUL文字") {
		t.Errorf("the Japanese page does not explain the NUL error")
	}
}
