package metrics

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	r := NewRegistry()
	r.ObserveRequest("GET", "search", 200, 3*time.Millisecond)
	r.ObserveRequest("GET", "search", 200, 40*time.Millisecond)
	r.ObserveRequest("POST", "login", 401, time.Millisecond/2)
	r.AddGauge(Gauge{Name: "kakehashi_listings", Help: "Listings.", Read: func(context.Context) (map[string]float64, error) {
		return map[string]float64{`side="seed"`: 3, `side="need"`: 2}, nil
	}})
	r.AddGauge(Gauge{Name: "kakehashi_broken", Help: "Fails.", Read: func(context.Context) (map[string]float64, error) {
		return nil, errors.New("down")
	}})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	out := w.Body.String()
	for _, want := range []string{
		`kakehashi_http_requests_total{method="GET",route="search",status="200"} 2`,
		`kakehashi_http_requests_total{method="POST",route="login",status="401"} 1`,
		`kakehashi_http_request_duration_seconds_bucket{route="search",le="0.005"} 1`,
		`kakehashi_http_request_duration_seconds_bucket{route="search",le="0.05"} 2`,
		`kakehashi_http_request_duration_seconds_bucket{route="search",le="+Inf"} 2`,
		`kakehashi_http_request_duration_seconds_count{route="search"} 2`,
		"# TYPE kakehashi_listings gauge",
		`kakehashi_listings{side="need"} 2`,
		"kakehashi_uptime_seconds ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "kakehashi_broken") {
		t.Error("a failing gauge was written")
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ct)
	}
}

func TestRouteLabel(t *testing.T) {
	ctx, r := WithRoute(context.Background(), "web")
	if RouteFrom(ctx).Get() != "web" {
		t.Fatal("default label")
	}
	RouteFrom(ctx).Set("get-listing")
	if r.Get() != "get-listing" || RouteFrom(context.Background()) != nil {
		t.Fatal("route label not shared through the context")
	}
}
