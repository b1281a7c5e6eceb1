package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/notify"
)

func TestAddressPolicyAllowed(t *testing.T) {
	refused := []string{
		// IPv4: loopback, private, link-local (the metadata address),
		// unspecified, CGNAT, multicast, broadcast, reserved, documentation.
		"127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1",
		"169.254.169.254", "169.254.0.1", "0.0.0.0", "0.1.2.3", "100.64.0.1", "100.127.255.255", "224.0.0.1", "239.255.255.250",
		"255.255.255.255", "240.0.0.1", "192.0.2.10", "198.18.0.1", "203.0.113.5",
		// IPv6: loopback, unspecified, unique local, link-local (zoned
		// too), multicast, documentation, IPv4-compatible, Teredo.
		"::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "ff02::1", "ff0e::1", "2001:db8::1", "::7f00:1", "2001::1",
		"fec0::1",
		// IPv4 inside IPv6: mapped, NAT64 and 6to4 of internal addresses.
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "2002:a00:1::1", "64:ff9b:1::a00:1",
	}
	allowed := []string{"93.184.215.14", "8.8.8.8", "11.0.0.1", "172.32.0.1", "172.15.255.255", "100.128.0.1", "192.169.0.1",
		"2606:4700::6810:84e5", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"}
	for _, s := range refused {
		if (notify.AddressPolicy{}).Allowed(netip.MustParseAddr(s)) {
			t.Errorf("%s allowed by the default policy", s)
		}
	}
	for _, s := range allowed {
		if !(notify.AddressPolicy{}).Allowed(netip.MustParseAddr(s)) {
			t.Errorf("%s refused by the default policy", s)
		}
	}
	loop := notify.AddressPolicy{AllowLoopback: true}
	for _, s := range []string{"127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"} {
		if !loop.Allowed(netip.MustParseAddr(s)) {
			t.Errorf("%s refused with AllowLoopback", s)
		}
	}
	for _, s := range []string{"10.0.0.1", "169.254.169.254", "192.168.1.1", "fc00::1", "fe80::1", "0.0.0.0", "::", "100.64.0.1", "64:ff9b::7f00:1"} {
		if loop.Allowed(netip.MustParseAddr(s)) {
			t.Errorf("%s allowed with AllowLoopback, which admits loopback only", s)
		}
	}
	if (notify.AddressPolicy{AllowLoopback: true}).Allowed(netip.Addr{}) {
		t.Error("the zero address is allowed")
	}
}

func TestWebhookValidateFor(t *testing.T) {
	for _, tc := range []struct {
		url           string
		strict, loose bool // allowed by the default policy, and with AllowLoopback
	}{
		{"https://hooks.example.com/kakehashi", true, true},
		{"http://93.184.215.14:8080/x", true, true},
		{"https://[2606:4700::6810:84e5]/x", true, true},
		{"http://127.0.0.1:9000/x", false, true},
		{"http://[::1]/x", false, true},
		{"http://localhost/x", false, true},
		{"http://LocalHost./x", false, true},
		{"http://hooks.localhost/x", false, true},
		{"http://[::ffff:127.0.0.1]/x", false, true},
		{"http://169.254.169.254/latest/meta-data/", false, false},
		{"http://10.1.2.3/", false, false},
		{"http://172.20.0.1/", false, false},
		{"http://192.168.0.10/", false, false},
		{"http://100.100.100.200/", false, false},
		{"http://[fd00::1]/", false, false},
		{"http://[fe80::1%25eth0]/", false, false},
		{"http://0.0.0.0:8080/", false, false},
		{"http://[::]/", false, false},
		{"http://224.0.0.251/", false, false},
		{"http://[::ffff:a9fe:a9fe]/", false, false},
		{"http://2130706433/", false, false},
		{"http://0x7f000001/", false, false},
		{"http://0177.0.0.1/", false, false},
		{"http://127.1/", false, false},
		{"http://10.1/", false, false},
		{"ftp://example.com/", false, false},
		{"file:///etc/passwd", false, false},
		{"gopher://example.com:70/", false, false},
		{"javascript:alert(1)", false, false},
		{"https://user:pw@example.com/", false, false},
		{"https://user@example.com/", false, false},
		{"https:///nohost", false, false},
		{"//example.com/x", false, false},
	} {
		for _, p := range []struct {
			policy notify.AddressPolicy
			want   bool
		}{{notify.AddressPolicy{}, tc.strict}, {notify.AddressPolicy{AllowLoopback: true}, tc.loose}} {
			w := &kakehashi.Webhook{URL: tc.url, Events: kakehashi.WebhookEvents()}
			err := w.ValidateFor(p.policy)
			if got := err == nil; got != p.want {
				t.Errorf("ValidateFor(%q, %+v) = %v; want allowed %v", tc.url, p.policy, err, p.want)
			}
			if err != nil && strings.Join(kakehashiFields(err), " ") != "url" {
				t.Errorf("ValidateFor(%q): fields %v, want url", tc.url, kakehashiFields(err))
			}
		}
	}
}

// TestClientChecksDialledAddress calls a loopback server by a name that
// resolves to it: the check applies to the resolved address, so that a name
// cannot smuggle a call to an internal host past the URL check.
func TestClientChecksDialledAddress(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	byName := "http://localhost:" + u.Port() + "/"
	for _, target := range []string{srv.URL, byName} {
		resp, err := notify.AddressPolicy{}.Client(5*time.Second).Post(target, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, notify.ErrAddressNotAllowed) {
			t.Errorf("POST %s: %v; want refused", target, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the server got %d requests", hits.Load())
	}
	resp, err := notify.AddressPolicy{AllowLoopback: true}.Client(5*time.Second).Post(byName, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("with AllowLoopback: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Errorf("with AllowLoopback the server got %d requests, want 1", hits.Load())
	}
}

// TestWebhookRedirectNotFollowed has a receiver answer with a redirect to
// another server: the redirect is not followed and the call counts as
// failed with its 3xx status.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(target.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/metadata", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	store := &oneMessage{msg: webhookCall(redirector.URL + "/hook")}
	d := notify.New(store, notify.Config{Timeout: 5 * time.Second, AllowLoopback: true})
	r, err := d.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Retried != 1 || len(store.attempts) != 1 || store.attempts[0].OK || store.attempts[0].Status != http.StatusTemporaryRedirect {
		t.Errorf("round %+v, attempts %+v; want one failed attempt with status 307", r, store.attempts)
	}
	if elsewhere.Load() != 0 {
		t.Errorf("the redirect was followed %d times", elsewhere.Load())
	}
	if !strings.Contains(store.attempts[0].Detail, strconv.Itoa(http.StatusTemporaryRedirect)) {
		t.Errorf("detail %q does not give the status", store.attempts[0].Detail)
	}
}
