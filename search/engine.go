// Package search is Kakehashi's matching engine: an in-memory inverted
// index over listings with BM25F scoring across title, keywords, summary and
// body, MaxScore dynamic pruning, filters, facets and visibility, and
// explained need↔seed matching that adds structured fit (partnership type,
// TRL, country, deadline) to text relevance.
//
// Every replica builds its own index from the store at start-up and follows
// the store's change feed, so all replicas rank alike.
package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/textproc"
)

// Source is where the engine reads listings from: the store.
type Source interface {
	// ScanListings returns up to limit listings with id > after, in id
	// order, unredacted.
	ScanListings(ctx context.Context, after int64, limit int) ([]*kakehashi.Listing, error)
	ListingsByID(ctx context.Context, ids []int64) ([]*kakehashi.Listing, error)
	Organization(ctx context.Context, id int64) (*kakehashi.Organization, error)
	ListingChanges(ctx context.Context, afterSeq int64, limit int) ([]kakehashi.ListingChange, error)
}

// docMeta is what filters, visibility and structured fit need of a listing.
type docMeta struct {
	listing    int64
	org        int64
	country    string // the owner's
	side       kakehashi.Side
	kind       kakehashi.ListingKind
	status     kakehashi.Status
	visibility kakehashi.Visibility
	language   string
	trl        uint8
	partners   uint8 // bit i: kakehashi.PartnershipTypes[i]
	fields     []string
	sectors    []string
	targets    []string
	deadline   int64 // Unix seconds; 0 for none
	updated    int64
}

// Engine is the matching engine. It is safe for concurrent use.
type Engine struct {
	an  *textproc.Analyzer
	lex *lexicon.Lexicon // nil: monolingual
	// glossTerms caches the index terms of dictionary translations
	// (string → []string), glossCount its size.
	glossTerms sync.Map
	glossCount atomic.Int64
	src        Source
	log        *slog.Logger
	now        func() time.Time // the shared clock (Options.Now)
	params     Params
	// ready is set once the index is built and caught up; it is read
	// without the lock, so that asking never waits behind a writer.
	ready atomic.Bool
	// following is set while FollowWake runs; progress is when the index
	// last caught up with the change feed or applied a batch of it (on the
	// monotonic clock since born). Probe reports a follower without
	// progress for longer than staleBound (staleAfter, or three follow
	// intervals if longer), while the feed has changes it has not applied.
	following  atomic.Bool
	progress   atomic.Int64
	staleBound atomic.Int64
	born       time.Time
	staleAfter time.Duration
	lockWait   time.Duration

	mu sync.RWMutex
	// pub indexes what every viewer of a listing may see: all fields of
	// ordinary listings, but only title, keywords and summary of
	// confidential ones, whose bodies go to conf. A search never matches a
	// viewer's query against text they may not read.
	pub       *index
	conf      *index
	meta      []docMeta // by pub document
	confDoc   map[uint32]uint32
	byListing map[int64]uint32
	orgs      map[int64]*kakehashi.Organization
	seq       int64
	// experts caches the people index of expert finding (experts.go).
	experts expertCache
}

// Options configure an Engine.
type Options struct {
	Params Params
	Logger *slog.Logger
	// Workers analyze listings in parallel during a build (default: all cores).
	Workers int
	// Lexicon translates queries between Japanese and English; without it
	// the engine matches monolingually.
	Lexicon *lexicon.Lexicon
	// Now is the clock that decides which listings are past their deadline
	// when a query gives no time of its own (default time.Now); the server
	// passes the one clock every layer shares.
	Now func() time.Time
	// StaleAfter is how long the change-feed follower may go without
	// progress, while the feed has changes it has not applied, before
	// Probe reports the index stuck (default DefaultStaleAfter, and never
	// less than three follow intervals). Progress is timed on the
	// process's own monotonic clock, not on Now, which may be shifted.
	StaleAfter time.Duration
	// LockWait is how long Probe waits for the index's lock before it
	// reports the index stuck (default DefaultLockWait).
	LockWait time.Duration
}

// DefaultStaleAfter and DefaultLockWait are Probe's default bounds: a
// catch-up applies a batch of changes in well under a second, and a search
// holds the lock for milliseconds.
const (
	DefaultStaleAfter = time.Minute
	DefaultLockWait   = 2 * time.Second
)

// New returns an empty engine reading from src.
func New(an *textproc.Analyzer, src Source, opt Options) *Engine {
	if opt.Params.K1 == 0 {
		opt.Params = DefaultParams()
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = DefaultStaleAfter
	}
	if opt.LockWait <= 0 {
		opt.LockWait = DefaultLockWait
	}
	e := &Engine{an: an, lex: opt.Lexicon, src: src, log: opt.Logger, now: opt.Now, params: opt.Params, orgs: map[int64]*kakehashi.Organization{},
		staleAfter: opt.StaleAfter, lockWait: opt.LockWait, born: time.Now()}
	e.reset([numFields]float64{})
	return e
}

func (e *Engine) reset(avg [numFields]float64) {
	e.pub = newIndex(e.params, avg)
	e.conf = newIndex(e.params, avg)
	e.meta = nil
	e.confDoc = map[uint32]uint32{}
	e.byListing = map[int64]uint32{}
}

// Ready reports whether the engine has built its index and caught up with
// the change feed at least once. It never waits: the search endpoints ask
// it on every request. Probe checks more, for readiness probes.
func (e *Engine) Ready(context.Context) error {
	if !e.ready.Load() {
		return errors.New("search index is still being built")
	}
	return nil
}

// Probe reports whether the engine serves searches and keeps up with the
// store, for /readyz: besides Ready, that its lock can be taken within the
// lock wait (a search or a writer holding it for longer has frozen every
// search), and, while FollowWake runs, that the follower has made progress
// within the stale bound or has nothing left to apply. It answers within
// the lock wait or ctx's deadline, whichever comes first, plus one read of
// the change feed.
func (e *Engine) Probe(ctx context.Context) error {
	if err := e.Ready(ctx); err != nil {
		return err
	}
	seq, err := e.probeLock(ctx)
	if err != nil {
		return err
	}
	if !e.following.Load() {
		return nil
	}
	idle := e.uptime() - time.Duration(e.progress.Load())
	if idle <= time.Duration(e.staleBound.Load()) {
		return nil
	}
	ch, err := e.src.ListingChanges(ctx, seq, 1)
	if err != nil {
		return fmt.Errorf("search index has not followed the change feed for %s, and the feed cannot be read: %w", idle.Round(time.Second), err)
	}
	if len(ch) > 0 {
		return fmt.Errorf("search index is stuck: no progress for %s while behind the change feed (applied up to change %d, next %d)",
			idle.Round(time.Second), seq, ch[0].Seq)
	}
	return nil
}

// probeLock takes and releases the read lock, giving up after the lock
// wait or when ctx ends, and returns the change-feed position applied.
func (e *Engine) probeLock(ctx context.Context) (int64, error) {
	start := e.uptime()
	pause := time.Millisecond
	for !e.mu.TryRLock() {
		if ctx.Err() != nil || e.uptime()-start > e.lockWait {
			return 0, fmt.Errorf("search index is stuck: its lock was not free within %s", e.lockWait)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		pause = min(2*pause, 50*time.Millisecond)
	}
	defer e.mu.RUnlock()
	return e.seq, nil
}

// noteProgress records that the index caught up with or applied part of
// the change feed, for Probe.
func (e *Engine) noteProgress() {
	e.progress.Store(int64(e.uptime()))
}

// uptime is the time elapsed since the engine was made, on the monotonic
// clock: Probe measures waits and idleness with it, which neither the
// injected clock (which tests may fix or shift) nor a wall-clock jump may
// distort.
func (e *Engine) uptime() time.Duration {
	return time.Since(e.born)
}

// Stats describe the index.
type Stats struct {
	Listings int   `json:"listings"`
	Terms    int   `json:"terms"`
	Postings int   `json:"postings"`
	Seq      int64 `json:"seq"`
}

// Stats returns the index's size and the change-feed position it reflects.
func (e *Engine) Stats() Stats {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := Stats{Listings: e.pub.live, Terms: len(e.pub.lists), Seq: e.seq}
	for i := range e.pub.lists {
		s.Postings += len(e.pub.lists[i].docs)
	}
	return s
}

// analyzed is one listing ready to be added.
type analyzed struct {
	l         *kakehashi.Listing
	pub, full docText // full is set only for confidential listings
}

// analyze turns a listing into field term frequencies.
func (e *Engine) analyze(l *kakehashi.Listing, buf *[]textproc.Token) analyzed {
	texts := fieldTexts(l)
	var a analyzed
	a.l = l
	conf := l.Visibility == kakehashi.VisibilityConfidential
	acc := map[string]*[numFields]uint16{}
	var order []string
	var length [numFields]int
	for f, text := range texts {
		toks := e.an.AppendTokens((*buf)[:0], text)
		*buf = toks
		length[f] = len(toks)
		for _, t := range toks {
			tf := acc[t.Term]
			if tf == nil {
				tf = new([numFields]uint16)
				acc[t.Term] = tf
				order = append(order, t.Term)
			}
			if tf[f] < 65535 {
				tf[f]++
			}
		}
	}
	full := docText{length: length, terms: make([]termFreq, 0, len(order))}
	for _, term := range order {
		full.terms = append(full.terms, termFreq{term: term, tf: *acc[term]})
	}
	if !conf {
		a.pub = full
		return a
	}
	a.full = full
	a.pub = docText{length: length}
	a.pub.length[FieldBody] = 0
	for _, t := range full.terms {
		t.tf[FieldBody] = 0
		if t.tf != ([numFields]uint16{}) {
			a.pub.terms = append(a.pub.terms, t)
		}
	}
	return a
}

// fieldTexts returns the listing's text per field.
func fieldTexts(l *kakehashi.Listing) [numFields]string {
	var t [numFields]string
	t[FieldTitle] = l.Title
	t[FieldKeywords] = joinKeywords(l.Keywords)
	t[FieldSummary] = l.Summary
	t[FieldBody] = l.Body
	return t
}

func joinKeywords(k []string) string {
	n := 0
	for _, s := range k {
		n += len(s) + 3
	}
	b := make([]byte, 0, n)
	for i, s := range k {
		if i > 0 {
			b = append(b, " / "...)
		}
		b = append(b, s...)
	}
	return string(b)
}

func (e *Engine) metaOf(l *kakehashi.Listing) docMeta {
	m := docMeta{
		listing: l.ID, org: l.OrgID, side: l.Side, kind: l.Kind, status: l.Status, visibility: l.Visibility,
		language: l.Language, trl: uint8(l.TRL), fields: l.Fields, sectors: l.Sectors, targets: l.TargetCountries,
		updated: l.UpdatedAt.Unix(),
	}
	if o := e.orgs[l.OrgID]; o != nil {
		m.country = o.Country
	}
	for i, p := range kakehashi.PartnershipTypes {
		if l.HasPartnership(p) {
			m.partners |= 1 << i
		}
	}
	if l.Deadline != nil {
		m.deadline = l.Deadline.Unix()
	}
	return m
}

// insert adds an analyzed listing, replacing its previous version. The
// caller holds e.mu.
func (e *Engine) insert(a analyzed) {
	if old, ok := e.byListing[a.l.ID]; ok {
		e.pub.remove(old)
		if c, ok := e.confDoc[old]; ok {
			e.conf.remove(c)
			delete(e.confDoc, old)
		}
	}
	doc := e.pub.add(&a.pub)
	e.meta = append(e.meta, e.metaOf(a.l))
	e.byListing[a.l.ID] = doc
	if a.l.Visibility == kakehashi.VisibilityConfidential {
		e.confDoc[doc] = e.conf.add(&a.full)
	}
}

// delete removes a listing that no longer exists. The caller holds e.mu.
func (e *Engine) delete(id int64) {
	if old, ok := e.byListing[id]; ok {
		e.pub.remove(old)
		if c, ok := e.confDoc[old]; ok {
			e.conf.remove(c)
			delete(e.confDoc, old)
		}
		delete(e.byListing, id)
	}
}

// Build indexes every listing of the source, replacing the current index,
// analyzing on all cores while one goroutine adds the documents in order.
func (e *Engine) Build(ctx context.Context) error {
	start := time.Now()
	// The change-feed position is read first: changes made during the
	// build are applied again afterwards, which is harmless.
	seq, err := e.lastSeq(ctx)
	if err != nil {
		return err
	}
	if ids, ok := e.src.(idSource); ok {
		return e.buildByBlocks(ctx, ids, seq, start)
	}
	listings, err := e.scanAll(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	// Each listing is asked for once: dropping it then lets its text go as
	// the index grows, instead of holding the whole store until the end
	// (at a million listings, gigabytes).
	get := func(i int) *kakehashi.Listing { l := listings[i]; listings[i] = nil; return l }
	if err := e.buildLocked(ctx, len(listings), get, workers(0)); err != nil {
		return err
	}
	e.seq = seq
	e.log.Info("search index built", "listings", len(listings), "terms", len(e.pub.lists), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// idSource is a Source that can list its listing ids, so that Build reads
// the listings a block at a time as the analyzers need them.
type idSource interface {
	ListingIDs(ctx context.Context) ([]int64, error)
}

// buildByBlocks is Build reading listings by blocks of ids: only the blocks
// being analyzed are in memory, not the whole store (at a million listings,
// gigabytes). A listing deleted since its id was read is left out; the
// change feed, read from seq, accounts for it either way.
func (e *Engine) buildByBlocks(ctx context.Context, src idSource, seq int64, start time.Time) error {
	ids, err := src.ListingIDs(ctx)
	if err != nil {
		return fmt.Errorf("read listing ids: %w", err)
	}
	const block = 512
	br := &blockReader{blocks: map[int]map[int64]*kakehashi.Listing{}}
	// get is called for i in order within a block, by one goroutine per
	// block: the first call reads the block, the last one drops it.
	get := func(i int) *kakehashi.Listing {
		b := i / block
		end := min((b+1)*block, len(ids))
		m, ok := br.block(b)
		if !ok {
			ls, err := e.src.ListingsByID(ctx, ids[b*block:end])
			m = make(map[int64]*kakehashi.Listing, len(ls))
			for _, l := range ls {
				m[l.ID] = l
			}
			br.store(b, m, err)
		}
		if i == end-1 {
			br.drop(b)
		}
		return m[ids[i]]
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.buildLocked(ctx, len(ids), get, workers(0)); err != nil {
		return err
	}
	n, err := br.result()
	if err != nil {
		// The index holds part of the store: fail, so that the caller
		// builds again; the previous index is gone either way.
		return err
	}
	e.seq = seq
	e.log.Info("search index built", "listings", n, "terms", len(e.pub.lists), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// blockReader holds the blocks of listings buildByBlocks has read and not
// yet analyzed, for the analyzing goroutines; it counts the listings read
// and keeps the first error.
type blockReader struct {
	mu     sync.Mutex
	blocks map[int]map[int64]*kakehashi.Listing
	err    error
	n      int
}

// block returns block b if it has been read.
func (r *blockReader) block(b int) (map[int64]*kakehashi.Listing, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.blocks[b]
	return m, ok
}

// store keeps block b as read, with the error reading it, if any.
func (r *blockReader) store(b int, m map[int64]*kakehashi.Listing, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("read listings: %w", err)
	}
	r.blocks[b] = m
	r.n += len(m)
}

// drop lets block b go once its last listing is analyzed.
func (r *blockReader) drop(b int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.blocks, b)
}

// result returns how many listings were read and the first error.
func (r *blockReader) result() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n, r.err
}

func workers(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// BuildFrom indexes the given listings, replacing the current index.
func (e *Engine) BuildFrom(ctx context.Context, listings []*kakehashi.Listing, nWorkers int) error {
	return e.BuildFunc(ctx, len(listings), func(i int) *kakehashi.Listing { return listings[i] }, nWorkers)
}

// BuildFunc indexes n listings returned by get(0) … get(n-1), replacing the
// current index. get is called from several goroutines; listings are
// fetched chunk by chunk, so a corpus need not be held in memory whole.
func (e *Engine) BuildFunc(ctx context.Context, n int, get func(i int) *kakehashi.Listing, nWorkers int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.buildLocked(ctx, n, get, workers(nWorkers))
}

// buildLocked analyzes listings on n goroutines in chunks and adds them in
// order. Field length averages come from a sample of up to 20,000 listings
// analyzed first, and then stay fixed for the life of the index.
func (e *Engine) buildLocked(ctx context.Context, total int, get func(int) *kakehashi.Listing, n int) error {
	const chunk = 512
	results := make([][]analyzed, (total+chunk-1)/chunk)
	var wg sync.WaitGroup
	next := make(chan int)
	done := make([]chan struct{}, len(results))
	for i := range done {
		done[i] = make(chan struct{})
	}
	stop := make(chan struct{})
	defer close(stop)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var toks []textproc.Token
			for c := range next {
				end := min((c+1)*chunk, total)
				out := make([]analyzed, 0, end-c*chunk)
				for i := c * chunk; i < end; i++ {
					if l := get(i); l != nil {
						out = append(out, e.analyze(l, &toks))
					}
				}
				results[c] = out
				close(done[c])
			}
		}()
	}
	sampleChunks := min(len(results), (20000+chunk-1)/chunk)
	// Bound the analyzed text held in memory: a chunk is handed out only
	// when fewer than window chunks are analyzed but not yet indexed.
	slots := make(chan struct{}, sampleChunks+2*n+2)
	go func() {
		defer close(next)
		for c := range results {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case next <- c:
			case <-stop:
				return
			}
		}
	}()
	wait := func(c int) error {
		select {
		case <-done[c]:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var sum [numFields]float64
	var sampled int
	for c := range sampleChunks {
		if err := wait(c); err != nil {
			return err
		}
		for _, a := range results[c] {
			for f := range numFields {
				sum[f] += float64(a.pub.length[f])
			}
			sampled++
		}
	}
	var avg [numFields]float64
	for f := range numFields {
		if sampled > 0 {
			avg[f] = sum[f] / float64(sampled)
		}
	}
	e.reset(avg)
	e.meta = make([]docMeta, 0, total)
	for c := range results {
		if err := wait(c); err != nil {
			return err
		}
		if err := e.loadOrgsLocked(ctx, results[c]); err != nil {
			return err
		}
		for _, a := range results[c] {
			e.insert(a)
		}
		results[c] = nil // let the analyzed text go as soon as it is indexed
		<-slots
	}
	wg.Wait()
	e.pub.trim()
	e.conf.trim()
	return nil
}

// loadOrgsLocked caches the organizations of analyzed listings. The caller
// holds e.mu.
func (e *Engine) loadOrgsLocked(ctx context.Context, as []analyzed) error {
	for _, a := range as {
		id := a.l.OrgID
		if e.orgs[id] != nil {
			continue
		}
		o, err := e.src.Organization(ctx, id)
		if err != nil {
			return fmt.Errorf("read organization %d: %w", id, err)
		}
		e.orgs[id] = o
	}
	return nil
}

func (e *Engine) scanAll(ctx context.Context) ([]*kakehashi.Listing, error) {
	var all []*kakehashi.Listing
	for after := int64(0); ; {
		page, err := e.src.ScanListings(ctx, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("read listings: %w", err)
		}
		if len(page) == 0 {
			return all, nil
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
}

// loadOrgs caches the organizations the listings belong to.
func (e *Engine) loadOrgs(ctx context.Context, listings []*kakehashi.Listing) error {
	loaded := map[int64]*kakehashi.Organization{}
	for id := range e.missingOrgs(listings) {
		o, err := e.src.Organization(ctx, id)
		if err != nil {
			return fmt.Errorf("read organization %d: %w", id, err)
		}
		loaded[id] = o
	}
	e.cacheOrgs(loaded)
	return nil
}

// missingOrgs returns the owners of listings that are not cached.
func (e *Engine) missingOrgs(listings []*kakehashi.Listing) map[int64]bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	missing := map[int64]bool{}
	for _, l := range listings {
		if e.orgs[l.OrgID] == nil {
			missing[l.OrgID] = true
		}
	}
	return missing
}

// cacheOrgs caches loaded organizations.
func (e *Engine) cacheOrgs(loaded map[int64]*kakehashi.Organization) {
	e.mu.Lock()
	defer e.mu.Unlock()
	maps.Copy(e.orgs, loaded)
}

// forgetOrgs drops the cached owners of listings, which may have changed.
func (e *Engine) forgetOrgs(listings []*kakehashi.Listing) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range listings {
		delete(e.orgs, l.OrgID)
	}
}

// position returns the last change-feed sequence applied.
func (e *Engine) position() int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.seq
}

// apply indexes changed listings and removes those of ids that are gone,
// then records seq as applied.
func (e *Engine) apply(as []analyzed, ids []int64, seq int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	found := map[int64]bool{}
	for _, a := range as {
		e.insert(a)
		found[a.l.ID] = true
	}
	for _, id := range ids {
		if !found[id] {
			e.delete(id)
		}
	}
	e.seq = seq
}

func (e *Engine) lastSeq(ctx context.Context) (int64, error) {
	var seq int64
	for {
		ch, err := e.src.ListingChanges(ctx, seq, 1000)
		if err != nil {
			return 0, fmt.Errorf("read change feed: %w", err)
		}
		if len(ch) == 0 {
			return seq, nil
		}
		seq = ch[len(ch)-1].Seq
	}
}

// CatchUp applies every change after the last one applied and returns how
// many listings it re-indexed.
func (e *Engine) CatchUp(ctx context.Context) (int, error) {
	seq := e.position()
	total := 0
	for {
		ch, err := e.src.ListingChanges(ctx, seq, 1000)
		if err != nil {
			return total, fmt.Errorf("read change feed: %w", err)
		}
		if len(ch) == 0 {
			e.ready.Store(true)
			e.noteProgress()
			return total, nil
		}
		var ids []int64
		seen := map[int64]bool{}
		for _, c := range ch {
			if !seen[c.ListingID] {
				seen[c.ListingID] = true
				ids = append(ids, c.ListingID)
			}
		}
		slices.Sort(ids)
		ls, err := e.src.ListingsByID(ctx, ids)
		if err != nil {
			return total, fmt.Errorf("read changed listings: %w", err)
		}
		// An organization may have changed too (its country is indexed):
		// forget the cached copies of the owners of changed listings.
		e.forgetOrgs(ls)
		if err := e.loadOrgs(ctx, ls); err != nil {
			return total, err
		}
		var toks []textproc.Token
		as := make([]analyzed, len(ls))
		for i, l := range ls {
			as[i] = e.analyze(l, &toks)
		}
		seq = ch[len(ch)-1].Seq
		e.apply(as, ids, seq)
		e.noteProgress()
		total += len(ls)
	}
}

// Follow applies the change feed until ctx ends, polling every interval
// (a write becomes searchable within about one interval).
func (e *Engine) Follow(ctx context.Context, interval time.Duration) {
	e.FollowWake(ctx, interval, nil)
}

// FollowWake applies the change feed until ctx ends: at once whenever wake
// receives (a notification that the feed grew, such as PostgreSQL's
// LISTEN/NOTIFY through the store), and every interval regardless, which
// covers a lost notification, a lost connection or a restart, since every
// catch-up reads the feed from the last sequence applied. A nil or closed
// wake channel leaves only the polling. A catch-up that fails (a store
// restarting, a stale connection) is retried after a short back-off rather
// than at the next wake or interval: the wake that triggered it may have
// been the only one its writes will send.
func (e *Engine) FollowWake(ctx context.Context, interval time.Duration, wake <-chan struct{}) {
	e.staleBound.Store(int64(max(e.staleAfter, 3*interval)))
	e.noteProgress()
	e.following.Store(true)
	defer e.following.Store(false)
	t := time.NewTicker(interval)
	defer t.Stop()
	var backoff time.Duration
	for {
		var retry <-chan time.Time
		if _, err := e.CatchUp(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("search index: follow change feed", "err", err)
			backoff = min(max(2*backoff, 50*time.Millisecond), interval)
			retry = time.After(backoff)
		} else {
			backoff = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-retry:
		case _, ok := <-wake:
			if !ok {
				wake = nil
			}
		}
	}
}
