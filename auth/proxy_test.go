package auth

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProxiesClientIP(t *testing.T) {
	var trusted Proxies
	if err := trusted.Set("10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8"); err != nil {
		t.Fatal(err)
	}
	if got := trusted.String(); got != "10.0.0.0/8,192.168.1.7/32,::1/128,fd00::/8" {
		t.Errorf("String() = %q", got)
	}
	tests := []struct {
		name   string
		peer   string
		xff    []string
		want   string
		direct string // what a server trusting no proxy sees
	}{
		{"direct client", "203.0.113.5:4000", nil, "203.0.113.5", "203.0.113.5"},
		{"spoofed header from an untrusted peer", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5", "203.0.113.5"},
		{"one trusted proxy", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1", "10.1.2.3"},
		{"client prepends a lie", "10.1.2.3:5000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1", "10.1.2.3"},
		{"two trusted proxies", "10.1.2.3:5000", []string{"1.2.3.4, 198.51.100.1, 192.168.1.7"}, "198.51.100.1", "10.1.2.3"},
		{"headers are joined in order", "10.1.2.3:5000", []string{"1.2.3.4", "198.51.100.1,10.9.9.9"}, "198.51.100.1", "10.1.2.3"},
		{"everyone trusted: the left-most", "10.1.2.3:5000", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1", "10.1.2.3"},
		{"garbage left of trusted hops", "10.1.2.3:5000", []string{"not-an-ip, 10.0.0.2"}, "10.0.0.2", "10.1.2.3"},
		{"garbage appended is not believed", "10.1.2.3:5000", []string{"198.51.100.1, bogus"}, "10.1.2.3", "10.1.2.3"},
		{"entry with a port", "10.1.2.3:5000", []string{"198.51.100.1:7777"}, "198.51.100.1", "10.1.2.3"},
		{"IPv6 proxy and client", "[::1]:5000", []string{"2001:db8::1"}, "2001:db8::1", "::1"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:5000", []string{"198.51.100.1"}, "198.51.100.1", "10.1.2.3"},
		{"empty header", "10.1.2.3:5000", []string{""}, "10.1.2.3", "10.1.2.3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, h := range tc.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := trusted.ClientIP(r); got != tc.want {
				t.Errorf("trusting proxies: %q, want %q", got, tc.want)
			}
			if got := (Proxies{}).ClientIP(r); got != tc.direct {
				t.Errorf("trusting none: %q, want %q", got, tc.direct)
			}
		})
	}
}

func TestProxiesSetRefusesGarbage(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0.1/8/2", "10.0.0.1,nope"} {
		var p Proxies
		if err := p.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		} else if want := bad[strings.LastIndex(bad, ",")+1:]; !strings.Contains(err.Error(), want) {
			t.Errorf("Set(%q): %v does not name the entry", bad, err)
		}
	}
	var p Proxies
	if err := p.Set(""); err != nil || len(p) != 0 {
		t.Errorf("Set(\"\") = %v, %v; want no proxies", p, err)
	}
}

func TestClientIPFromContext(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:5000"
	if got := ClientIP(r); got != "10.1.2.3" {
		t.Errorf("without a resolved address: %q, want the peer", got)
	}
	r = r.WithContext(NewContextWithClientIP(r.Context(), "198.51.100.1"))
	if got := ClientIP(r); got != "198.51.100.1" {
		t.Errorf("with a resolved address: %q", got)
	}
	if got := ClientIPFromContext(context.Background()); got != "" {
		t.Errorf("empty context: %q", got)
	}
}
