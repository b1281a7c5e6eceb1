// Package loadgen is a closed-loop HTTP load generator for Kakehashi's JSON
// API: a bounded number of clients, each sending its next request as soon as
// the previous one is answered, for a bounded time, with a mixed workload of
// searches, matches, listing reads and listing writes, spread over one or
// more replicas by its own round-robin.
//
// Like a reverse proxy with passive health checks, it takes a replica out of
// the rotation for a second when it cannot connect to it, and sends a
// request that failed at the connection level (refused, reset, cut short)
// to the next replica (at most three attempts in all). Writes are idempotent by a unique
// external id, so a retried write whose first attempt did commit answers 409
// and is counted as acknowledged, never stored twice.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is a kind of request.
type Kind string

// The request kinds of the workload.
const (
	Search Kind = "search" // GET /api/v1/search?q=…
	Match  Kind = "match"  // GET /api/v1/listings/{id}/matches
	Read   Kind = "read"   // GET /api/v1/listings/{id}
	Write  Kind = "write"  // POST /api/v1/listings
)

// Kinds lists the request kinds in report order.
var Kinds = []Kind{Search, Match, Read, Write}

// Mix weighs the request kinds (any positive scale; percentages usually).
type Mix struct{ Search, Match, Read, Write int }

// DefaultMix is the workload of issue 9: 70% search, 15% match, 10% listing
// reads, 5% writes.
var DefaultMix = Mix{Search: 70, Match: 15, Read: 10, Write: 5}

func (m Mix) pick(r *rand.Rand) Kind {
	n := r.IntN(m.Search + m.Match + m.Read + m.Write)
	switch {
	case n < m.Search:
		return Search
	case n < m.Search+m.Match:
		return Match
	case n < m.Search+m.Match+m.Read:
		return Read
	}
	return Write
}

// Config describes one load run.
type Config struct {
	// Targets are the replicas' base URLs, e.g. http://127.0.0.1:8080.
	Targets []string
	// Clients is the number of concurrent clients.
	Clients int
	// Duration is how long requests are recorded, after Warmup.
	Duration, Warmup time.Duration
	Mix              Mix
	// Token is an API token of a user who may create listings in their
	// organization; writes send it, reads are anonymous (public visitors).
	Token string
	// Listings is the highest listing id that exists; reads and matches
	// ask for ids 1…Listings.
	Listings int64
	// Query returns search text number i.
	Query func(i int) string
	// Text returns a title and a body for write number i.
	Text func(i int) (title, body string)
	// RunID makes the external ids of this run's writes unique.
	RunID string
	Seed  uint64
	// Timeout bounds one request (default 30 s).
	Timeout time.Duration
}

// WriteAck is one acknowledged listing write.
type WriteAck struct {
	ExternalID string `json:"external_id"`
	// Word is a made-up word only this listing's title contains, to find
	// it by search.
	Word string `json:"word"`
	// ID is the created listing's id, 0 when a retry found it already
	// created (409).
	ID     int64 `json:"id,omitempty"`
	Target int   `json:"target"`
}

// Failure is one failed attempt.
type Failure struct {
	At     time.Time `json:"at"`
	Target int       `json:"target"`
	Kind   Kind      `json:"kind"`
	Err    string    `json:"error"`
	// Retried says the request was sent again to another replica.
	Retried bool `json:"retried"`
}

// KindStats summarize the requests of one kind (or all).
type KindStats struct {
	Kind     Kind    `json:"kind"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	PerSec   float64 `json:"per_s"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	P999ms   float64 `json:"p999_ms"`
	Maxms    float64 `json:"max_ms"`
}

// TargetStats count what each replica answered.
type TargetStats struct {
	URL      string `json:"url"`
	Attempts int    `json:"attempts"`
	Failures int    `json:"failures"`
	// LastOK is when this replica last answered a request successfully.
	LastOK time.Time `json:"last_ok"`
}

// Result is what a run measured. Requests count once however many
// attempts they took; an error is a request that failed after its retry.
type Result struct {
	Clients    int            `json:"clients"`
	Seconds    float64        `json:"seconds"`
	All        KindStats      `json:"all"`
	Kinds      []*KindStats   `json:"kinds"`
	Targets    []*TargetStats `json:"targets"`
	Failures   []Failure      `json:"-"`
	Acked      []WriteAck     `json:"-"`
	Attempted  []string       `json:"-"` // external ids of every write sent
	ErrorLines []string       `json:"error_samples,omitempty"`
}

type sample struct {
	kind Kind
	d    time.Duration
	ok   bool
}

// run is the shared state of one load run.
type run struct {
	cfg    Config
	client *http.Client
	next   atomic.Uint64
	writes atomic.Int64
	down   []atomic.Int64 // unix nanos until which a target is out of rotation

	mu        sync.Mutex
	targets   []*TargetStats
	failures  []Failure
	acked     []WriteAck
	attempted []string
}

// Run sends load until cfg.Warmup+cfg.Duration has passed or ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if len(cfg.Targets) == 0 || cfg.Clients < 1 || cfg.Duration <= 0 || cfg.Listings < 1 || cfg.Query == nil || cfg.Text == nil {
		return nil, errors.New("loadgen: need targets, clients, a duration, listings, Query and Text")
	}
	if cfg.Mix == (Mix{}) {
		cfg.Mix = DefaultMix
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        cfg.Clients * len(cfg.Targets),
		MaxIdleConnsPerHost: cfg.Clients,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	r := &run{cfg: cfg, client: &http.Client{Transport: tr, Timeout: cfg.Timeout}, down: make([]atomic.Int64, len(cfg.Targets))}
	for _, t := range cfg.Targets {
		r.targets = append(r.targets, &TargetStats{URL: t})
	}
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	samples := make([][]sample, cfg.Clients)
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(c)))
			for ctx.Err() == nil {
				now := time.Now()
				if !now.Before(end) {
					return
				}
				kind := cfg.Mix.pick(rng)
				t0 := time.Now()
				ok := r.do(ctx, rng, kind)
				if t0.Before(measureFrom) || ctx.Err() != nil {
					continue
				}
				samples[c] = append(samples[c], sample{kind, time.Since(t0), ok})
			}
		}()
	}
	wg.Wait()
	elapsed := min(time.Since(measureFrom), cfg.Duration)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{Clients: cfg.Clients, Seconds: elapsed.Seconds(), Targets: r.targets, Failures: r.failures, Acked: r.acked, Attempted: r.attempted}
	var all []sample
	for _, s := range samples {
		all = append(all, s...)
	}
	res.All = summarize("all", all, elapsed)
	for _, k := range Kinds {
		var of []sample
		for _, s := range all {
			if s.kind == k {
				of = append(of, s)
			}
		}
		st := summarize(k, of, elapsed)
		res.Kinds = append(res.Kinds, &st)
	}
	for _, f := range r.failures {
		if !f.Retried && len(res.ErrorLines) < 10 {
			res.ErrorLines = append(res.ErrorLines, fmt.Sprintf("%s %s: %s", f.Kind, cfg.Targets[f.Target], f.Err))
		}
	}
	return res, nil
}

func summarize(k Kind, s []sample, elapsed time.Duration) KindStats {
	st := KindStats{Kind: k, Requests: len(s)}
	if len(s) == 0 {
		return st
	}
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = x.d
		if !x.ok {
			st.Errors++
		}
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return math.Round(float64(x)/1e4) / 100 }
	st.PerSec = math.Round(float64(len(s)-st.Errors)/elapsed.Seconds()*10) / 10
	st.P50ms, st.P99ms, st.P999ms, st.Maxms = ms(Percentile(d, 0.50)), ms(Percentile(d, 0.99)), ms(Percentile(d, 0.999)), ms(d[len(d)-1])
	return st
}

// Percentile returns the nearest-rank percentile p of sorted d.
func Percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(d)))) - 1
	return d[max(0, min(i, len(d)-1))]
}

// pickTarget returns the replica for the next attempt of a request: the next
// one in rotation that is not out of it, not last (the replica its previous
// attempt failed on) and did not refuse this request's connection; else
// last, if it dropped the connection rather than refusing it (a write it
// committed answers 409 there); else any replica that did not refuse this
// request; else the next in rotation.
func (r *run) pickTarget(last int, refused []bool) int {
	n := len(r.cfg.Targets)
	base := int(r.next.Add(1) % uint64(n))
	now := time.Now().UnixNano()
	for k := range n {
		if t := (base + k) % n; t != last && !refused[t] && r.down[t].Load() <= now {
			return t
		}
	}
	if last >= 0 && !refused[last] {
		return last
	}
	for k := range n {
		if t := (base + k) % n; !refused[t] {
			return t
		}
	}
	return base
}

// attemptError is a failed attempt; connection says whether the replica
// could not be reached or dropped the connection (worth a retry elsewhere).
type attemptError struct {
	msg        string
	connection bool
	// dial says the replica could not be reached at all: it is taken out
	// of the rotation for a while.
	dial   bool
	status int
}

func (e *attemptError) Error() string { return e.msg }

// maxTries bounds the attempts of one request: with two replicas, a write
// whose replica dropped the connection goes to the other and, if that one is
// down too, back to the first, where a committed write answers 409.
const maxTries = 3

// do sends one request of kind, retrying on another replica after a
// connection-level failure, and reports whether it succeeded.
func (r *run) do(ctx context.Context, rng *rand.Rand, kind Kind) bool {
	var (
		method, path string
		body         []byte
		ack          *WriteAck
	)
	switch kind {
	case Search:
		path = "/api/v1/search?limit=10&q=" + url.QueryEscape(r.cfg.Query(rng.IntN(1<<30)))
	case Match:
		path = "/api/v1/listings/" + strconv.FormatInt(1+rng.Int64N(r.cfg.Listings), 10) + "/matches?limit=10"
	case Read:
		path = "/api/v1/listings/" + strconv.FormatInt(1+rng.Int64N(r.cfg.Listings), 10)
	case Write:
		n := r.writes.Add(1)
		word := UniqueWord(r.cfg.Seed, n)
		ext := fmt.Sprintf("load-%s-%d", r.cfg.RunID, n)
		title, text := r.cfg.Text(int(n))
		side, lkind := "need", "challenge"
		if n%2 == 0 {
			side, lkind = "seed", "technology"
		}
		body, _ = json.Marshal(map[string]any{"side": side, "kind": lkind, "title": word + " " + title,
			"summary": "Written by the load generator.", "body": text, "language": "en", "trl": 1 + int(n%9), "external_id": ext})
		method, path = http.MethodPost, "/api/v1/listings"
		ack = &WriteAck{ExternalID: ext, Word: word}
		r.noteAttempted(ext)
	}
	if method == "" {
		method = http.MethodGet
	}
	last, refused := -1, make([]bool, len(r.cfg.Targets))
	for try := 0; ; try++ {
		t := r.pickTarget(last, refused)
		id, err := r.attempt(ctx, t, method, path, body, kind == Write)
		var ae *attemptError
		retry := errors.As(err, &ae) && ae.connection && try < maxTries-1 && ctx.Err() == nil
		if kind == Write && try > 0 && errors.As(err, &ae) && ae.status == http.StatusConflict {
			// The first attempt committed before its replica failed.
			err = nil
		}
		r.record(ctx, t, kind, id, err, retry, ack)
		if err == nil {
			return true
		}
		if errors.As(err, &ae) && ae.dial {
			r.down[t].Store(time.Now().Add(time.Second).UnixNano())
			refused[t] = true
		}
		if !retry {
			return false
		}
		last = t
	}
}

// noteAttempted records a write sent, whether or not it is acknowledged.
func (r *run) noteAttempted(ext string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempted = append(r.attempted, ext)
}

// record counts one attempt at target t: a failure (unless the run is
// over) or a success, with the acknowledged write, if it was one.
func (r *run) record(ctx context.Context, t int, kind Kind, id int64, err error, retried bool, ack *WriteAck) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := r.targets[t]
	ts.Attempts++
	if err != nil {
		ts.Failures++
		if ctx.Err() == nil {
			r.failures = append(r.failures, Failure{At: time.Now(), Target: t, Kind: kind, Err: err.Error(), Retried: retried})
		}
		return
	}
	ts.LastOK = time.Now()
	if ack != nil {
		ack.ID, ack.Target = id, t
		r.acked = append(r.acked, *ack)
	}
}

// attempt sends one request to target t; for a write it returns the new
// listing's id.
func (r *run) attempt(ctx context.Context, t int, method, path string, body []byte, write bool) (int64, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.cfg.Targets[t]+path, rd)
	if err != nil {
		return 0, err
	}
	if write {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+r.cfg.Token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		var op *net.OpError
		return 0, &attemptError{msg: err.Error(), connection: true, dial: errors.As(err, &op) && op.Op == "dial"}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, &attemptError{msg: fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b)), status: resp.StatusCode}
	}
	if !write {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, &attemptError{msg: "read response: " + err.Error(), connection: true}
		}
		return 0, nil
	}
	var created struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil {
		return 0, &attemptError{msg: "read response: " + err.Error(), connection: true}
	}
	return created.ID, nil
}

// UniqueWord returns a made-up lower-case word, distinct for every n and
// seed, that no generated text contains: "zqx" and then n and the seed in
// letters.
func UniqueWord(seed uint64, n int64) string {
	b := []byte("zqx")
	for _, v := range []uint64{uint64(n), seed} {
		for {
			b = append(b, byte('a'+v%20))
			v /= 20
			if v == 0 {
				break
			}
		}
		b = append(b, 'w')
	}
	return string(b)
}
