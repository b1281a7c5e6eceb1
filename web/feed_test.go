package web_test

// The feed address on /alerts can be replaced: the old address stops
// working at once.

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestFeedAddressRotation(t *testing.T) {
	base, _ := startStack(t)
	tlo := newSession(t, base, tloEmail)
	feedHref := regexp.MustCompile(`class="feed-url" href="([^"]+)"`)
	address := func(body string) string {
		t.Helper()
		m := feedHref.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("/alerts shows no feed address")
		}
		return m[1]
	}
	_, body := tlo.get("/alerts")
	old := address(body)
	if !strings.Contains(body, `action="/alerts/feed/rotate"`) || !strings.Contains(body, "Get a new address") {
		t.Fatalf("/alerts offers no way to replace the feed address")
	}
	anon := newSession(t, base, "")
	if resp, _ := anon.get(old); resp.StatusCode != http.StatusOK {
		t.Fatalf("the feed address answered %d", resp.StatusCode)
	}

	resp, body := tlo.post("/alerts/feed/rotate", url.Values{})
	if resp.Request.URL.String() != base+"/alerts?rotated=1" || !strings.Contains(body, "Your feed has a new address") {
		t.Fatalf("after rotating: at %s without the notice", resp.Request.URL)
	}
	rotated := address(body)
	if rotated == old {
		t.Fatalf("the feed address did not change: %s", old)
	}
	if resp, _ := anon.get(old); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the old feed address answered %d, want 404", resp.StatusCode)
	}
	if resp, _ := anon.get(rotated); resp.StatusCode != http.StatusOK {
		t.Errorf("the new feed address answered %d", resp.StatusCode)
	}
	// In Japanese too; and a visitor who is not signed in is sent to sign in.
	req, _ := http.NewRequest(http.MethodGet, base+"/alerts?rotated=1", nil)
	req.Header.Set("Accept-Language", "ja")
	if _, body := tlo.do(req); !strings.Contains(body, "フィードのアドレスを新しくしました") || !strings.Contains(body, "新しいアドレスにする") {
		t.Errorf("the Japanese page lacks the rotation notice or button")
	}
	if resp, _ := anon.post("/alerts/feed/rotate", url.Values{}); resp.Request.URL.Path != "/login" {
		t.Errorf("anonymous rotation went to %s, want /login", resp.Request.URL)
	}
}
