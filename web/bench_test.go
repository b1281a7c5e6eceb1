package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkPages measures the server time of each main page at demo scale,
// over loopback, and reports its p50 and p99 besides the mean.
//
//	go test ./web -run '^$' -bench Pages -benchtime 200x
func BenchmarkPages(b *testing.B) {
	base, _ := startStack(b)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm(base+"/login", url.Values{"email": {"rd@hoshizora-motors.example"}, "password": {"kakehashi-demo"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("sign in: %v %v", err, resp)
	}
	resp.Body.Close()
	pages := []struct{ name, path string }{
		{"home", "/"},
		{"search", "/search?q=%E5%85%A8%E5%9B%BA%E4%BD%93%E9%9B%BB%E6%B1%A0"},
		{"search-facets", "/search?q=battery&side=seed&country=JP"},
		{"listing", "/listings/166"},
		{"organization", "/orgs/4"},
		{"dashboard", "/dashboard"},
		{"post-form", "/listings/new"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				resp, err := client.Get(base + p.path)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(start))
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "</html>") {
					b.Fatalf("%s: status %d", p.path, resp.StatusCode)
				}
			}
			slices.Sort(lat)
			q := func(f float64) float64 {
				return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}
