package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/demo"
)

// TestRedirectsStayOnSite sends the language switch and the sign-in form
// targets that browsers would follow to another site: each lands on this
// site's home (or dashboard) instead, and a clean local target is kept.
func TestRedirectsStayOnSite(t *testing.T) {
	base, _ := startStack(t)
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	location := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s %s: status %d, want 303", resp.Request.Method, resp.Request.URL, resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	nasty := []string{"/\t/evil.example/phish", "//evil.example/phish", `/\evil.example`, `\/evil.example`, "https://evil.example/",
		"/%2F%2Fevil.example", "/\r\nSet-Cookie: x=y", "javascript:alert(1)", "/..//evil.example"}
	for _, next := range nasty {
		if got := location(noFollow.Get(base + "/lang?to=ja&next=" + url.QueryEscape(next))); got != "/" {
			t.Errorf("/lang with next %q redirects to %q, want /", next, got)
		}
		form := url.Values{"email": {hoshizoraEmail}, "password": {demo.Password}, "next": {next}}
		if got := location(noFollow.PostForm(base+"/login", form)); got != "/dashboard" {
			t.Errorf("/login with next %q redirects to %q, want /dashboard", next, got)
		}
		resp, err := noFollow.Get(base + "/login?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `<input type="hidden" name="next" value="/">`) {
			t.Errorf("the sign-in page carries next %q on in its form", next)
		}
	}
	// The exact request of the report: %09 in the query.
	if got := location(noFollow.Get(base + "/lang?to=en&next=/%09/evil.example/phish")); got != "/" {
		t.Errorf("/lang?next=/%%09/evil.example/phish redirects to %q, want /", got)
	}
	if got := location(noFollow.Get(base + "/lang?to=en&next=" + url.QueryEscape("/search?q=solid+electrolyte"))); got != "/search?q=solid+electrolyte" {
		t.Errorf("a clean local target redirects to %q", got)
	}
}
