package loadgen

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMixPick(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	got := map[Kind]int{}
	const n = 100_000
	for range n {
		got[DefaultMix.pick(r)]++
	}
	for k, want := range map[Kind]float64{Search: 0.70, Match: 0.15, Read: 0.10, Write: 0.05} {
		if f := float64(got[k]) / n; f < want-0.01 || f > want+0.01 {
			t.Errorf("%s: %.3f of requests, want %.2f", k, f, want)
		}
	}
}

func TestPercentileAndWords(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 1000; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if Percentile(d, 0.5) != 500*time.Millisecond || Percentile(d, 0.99) != 990*time.Millisecond || Percentile(d, 0.999) != 999*time.Millisecond {
		t.Errorf("percentiles %v %v %v", Percentile(d, 0.5), Percentile(d, 0.99), Percentile(d, 0.999))
	}
	seen := map[string]bool{}
	for seed := uint64(0); seed < 3; seed++ {
		for n := int64(1); n < 5000; n++ {
			w := UniqueWord(seed, n)
			if seen[w] || strings.Trim(w, "abcdefghijklmnopqrstw") != "zqx" {
				t.Fatalf("UniqueWord(%d, %d) = %q: repeated or not letters", seed, n, w)
			}
			seen[w] = true
		}
	}
}

// fakeReplica answers like the API: reads succeed, a write creates a row
// unless its external id exists (409).
type fakeReplica struct {
	mu      sync.Mutex
	created map[string]int
	// commitThenDrop drops the connection after storing the n-th write, as
	// a replica killed between commit and response does.
	commitThenDrop int
	writes         int
}

func (f *fakeReplica) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Write([]byte(`{"hits":[]}`))
		return
	}
	if r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	var in struct {
		ExternalID string `json:"external_id"`
		Title      string `json:"title"`
	}
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.created[in.ExternalID] > 0 {
		http.Error(w, "exists", http.StatusConflict)
		return
	}
	f.created[in.ExternalID]++
	f.writes++
	if f.writes == f.commitThenDrop {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return
	}
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(`{"id":1}`))
}

// TestRunRetriesOnTheOtherReplica sends load to a dead replica and a live
// one: every request succeeds, the dead one is taken out of rotation, and a
// write whose response was lost after it committed is acknowledged once.
func TestRunRetriesOnTheOtherReplica(t *testing.T) {
	f := &fakeReplica{created: map[string]int{}, commitThenDrop: 3}
	live := httptest.NewServer(f)
	defer live.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	res, err := Run(context.Background(), Config{
		Targets: []string{dead, live.URL}, Clients: 4, Duration: 700 * time.Millisecond, Mix: Mix{Search: 50, Write: 50},
		Token: "tok", Listings: 10, Query: func(int) string { return "q" }, Text: func(int) (string, string) { return "t", "b" }, RunID: "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.All.Errors != 0 || res.All.Requests < 50 {
		t.Fatalf("%d requests, %d errors: %v", res.All.Requests, res.All.Errors, res.ErrorLines)
	}
	// The dead replica is out of rotation for a second after each failure
	// (unless the live one is out too, after the dropped write): without
	// that it would get half of the attempts.
	if res.Targets[0].Failures == 0 || res.Targets[0].Failures > res.All.Requests/4 || res.Targets[1].Failures != 1 {
		t.Errorf("failures: dead %d of %d requests, live %d (want the one dropped write)", res.Targets[0].Failures, res.All.Requests, res.Targets[1].Failures)
	}
	for _, fl := range res.Failures {
		if !fl.Retried {
			t.Errorf("failure not retried: %+v", fl)
		}
	}
	acked := map[string]int{}
	var viaConflict int
	for _, a := range res.Acked {
		acked[a.ExternalID]++
		if a.ID == 0 {
			viaConflict++
		}
		if f.created[a.ExternalID] != 1 {
			t.Errorf("acknowledged %s stored %d times", a.ExternalID, f.created[a.ExternalID])
		}
	}
	for ext, n := range acked {
		if n != 1 {
			t.Errorf("%s acknowledged %d times", ext, n)
		}
	}
	if viaConflict != 1 || len(res.Acked) != len(res.Attempted) || len(f.created) != len(res.Attempted) {
		t.Errorf("%d acknowledged through 409 (want 1), %d acknowledged, %d attempted, %d stored", viaConflict, len(res.Acked), len(res.Attempted), len(f.created))
	}
}

// TestPickTargetAfterRefusalAndDrop covers the sequence that once failed a
// write: replica 0 refused the connection (and left the rotation), then
// replica 1 dropped it after committing. The third attempt must go back to
// replica 1, where the write answers 409, not to the replica that refused.
func TestPickTargetAfterRefusalAndDrop(t *testing.T) {
	r := &run{cfg: Config{Targets: []string{"a", "b"}}, down: make([]atomic.Int64, 2)}
	r.down[0].Store(time.Now().Add(time.Second).UnixNano())
	for range 4 { // whatever the rotation's position
		if got := r.pickTarget(1, []bool{true, false}); got != 1 {
			t.Fatalf("after 0 refused and 1 dropped: picked %d, want 1", got)
		}
	}
	// A dropped connection with the other replica in rotation: go there.
	r.down[0].Store(0)
	for range 4 {
		if got := r.pickTarget(1, []bool{false, false}); got != 0 {
			t.Fatalf("after 1 dropped, 0 in rotation: picked %d, want 0", got)
		}
	}
	// Both refused: something is still returned.
	if got := r.pickTarget(0, []bool{true, true}); got < 0 || got > 1 {
		t.Fatalf("both refused: picked %d", got)
	}
}
