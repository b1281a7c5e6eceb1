package search

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Field is a searchable text field of a listing.
type Field uint8

// Fields, in the order their weights are given.
const (
	FieldTitle Field = iota
	FieldKeywords
	FieldSummary
	FieldBody
	numFields
)

func (f Field) String() string {
	return [...]string{"title", "keywords", "summary", "body"}[f]
}

// Params are the BM25F parameters.
type Params struct {
	// K1 is the term-frequency saturation.
	K1 float64
	// Weight scales each field's term frequency; B is each field's length
	// normalization.
	Weight [numFields]float64
	B      [numFields]float64
	// Translation scales the weight a query word's translations share
	// (into the other language) relative to the word itself.
	Translation float64
}

// DefaultParams were tuned on the SciFact training claims (see BENCHMARKS.md):
// titles count more than bodies, keywords most of all.
func DefaultParams() Params {
	return Params{
		K1:     1.2,
		Weight: [numFields]float64{2.0, 2.0, 1.5, 1.0},
		B:      [numFields]float64{0.6, 0.3, 0.75, 0.75},

		Translation: 1,
	}
}

// impactScale maps a saturated term frequency in [0, 1) to a uint16.
const impactScale = 65535

// postings are the documents containing one term, in increasing document
// order, each with its quantized BM25F impact tf/(k1+tf).
type postings struct {
	docs    []uint32
	impacts []uint16
	max     uint16
}

// docText is one analyzed document: its length per field and, per term, its
// frequency per field.
type docText struct {
	length [numFields]int
	terms  []termFreq
}

type termFreq struct {
	term string
	tf   [numFields]uint16
}

// index is an append-only inverted index. Document numbers only grow; a
// document that changes is deleted and added again under a new number, so
// posting lists stay sorted without being rewritten.
type index struct {
	params  Params
	avgLen  [numFields]float64
	termIDs map[string]uint32
	lists   []postings
	deleted []bool
	// live counts documents not deleted: the N of the idf.
	live int
	// purged counts the deleted documents already dropped from the lists.
	purged int
}

func newIndex(p Params, avgLen [numFields]float64) *index {
	for f := range avgLen {
		if avgLen[f] <= 0 {
			avgLen[f] = 1
		}
	}
	return &index{params: p, avgLen: avgLen, termIDs: map[string]uint32{}}
}

// impact returns the quantized saturated BM25F term frequency of one term.
func (ix *index) impact(tf [numFields]uint16, length [numFields]int) uint16 {
	var w float64
	for f := range numFields {
		if tf[f] == 0 {
			continue
		}
		norm := 1 - ix.params.B[f] + ix.params.B[f]*float64(length[f])/ix.avgLen[f]
		w += ix.params.Weight[f] * float64(tf[f]) / norm
	}
	s := w / (ix.params.K1 + w)
	q := math.Round(s * impactScale)
	return uint16(max(1, min(q, impactScale)))
}

// add appends a document and returns its number.
func (ix *index) add(d *docText) uint32 {
	doc := uint32(len(ix.deleted))
	ix.deleted = append(ix.deleted, false)
	ix.live++
	for _, t := range d.terms {
		id, ok := ix.termIDs[t.term]
		if !ok {
			id = uint32(len(ix.lists))
			ix.termIDs[t.term] = id
			ix.lists = append(ix.lists, postings{})
		}
		imp := ix.impact(t.tf, d.length)
		pl := &ix.lists[id]
		pl.docs = append(pl.docs, doc)
		pl.impacts = append(pl.impacts, imp)
		pl.max = max(pl.max, imp)
	}
	return doc
}

// trim releases the spare capacity that appending left in posting lists.
func (ix *index) trim() {
	for i := range ix.lists {
		pl := &ix.lists[i]
		if cap(pl.docs) > len(pl.docs)+len(pl.docs)/8 {
			pl.docs = slices.Clip(slices.Clone(pl.docs))
			pl.impacts = slices.Clip(slices.Clone(pl.impacts))
		}
	}
	ix.lists = slices.Clip(ix.lists)
}

// remove marks a document deleted. When the deleted documents still in the
// posting lists pass an eighth of the live ones, the lists are compacted, so
// that a listing edited many times does not inflate the document frequency
// of its terms: the cost, one pass over the postings, is spread over that
// many edits.
func (ix *index) remove(doc uint32) {
	if ix.deleted[doc] {
		return
	}
	ix.deleted[doc] = true
	ix.live--
	if dead := len(ix.deleted) - ix.live - ix.purged; dead >= 16 && dead > ix.live/8 {
		ix.compact()
	}
}

// compact drops deleted documents from the posting lists. Document numbers
// stay as they are.
func (ix *index) compact() {
	for i := range ix.lists {
		pl := &ix.lists[i]
		k := 0
		pl.max = 0
		for j, d := range pl.docs {
			if ix.deleted[d] {
				continue
			}
			pl.docs[k], pl.impacts[k] = d, pl.impacts[j]
			pl.max = max(pl.max, pl.impacts[j])
			k++
		}
		pl.docs, pl.impacts = pl.docs[:k], pl.impacts[:k]
	}
	ix.purged = len(ix.deleted) - ix.live
}

// idf is the BM25 inverse document frequency. A posting list may still hold
// documents deleted since the last compaction (at most an eighth of the
// live count, see remove), so the document frequency is capped at the live
// count: a term must never weigh below zero.
func (ix *index) idf(id uint32) float64 {
	n := float64(max(ix.live, 1))
	df := min(float64(len(ix.lists[id].docs)), n)
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// impactOf returns the impact of term id in doc, 0 if absent.
func (ix *index) impactOf(id uint32, doc uint32) uint16 {
	pl := &ix.lists[id]
	i, ok := slices.BinarySearch(pl.docs, doc)
	if !ok {
		return 0
	}
	return pl.impacts[i]
}

// queryTerm is one term of a query with its weight (query weight × idf).
type queryTerm struct {
	id     uint32
	weight float64
	ub     float64 // weight × max impact: the most it can add to a score
}

// hit is a scored document.
type hit struct {
	doc   uint32
	score float64
}

// better orders hits by score, then by document number for determinism.
func better(a, b hit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.doc < b.doc
}

// topK keeps the k best hits in a min-heap.
type topK struct {
	k    int
	hits []hit
}

func (t *topK) threshold() float64 {
	if len(t.hits) < t.k {
		return -1
	}
	return t.hits[0].score
}

func (t *topK) push(h hit) {
	if len(t.hits) < t.k {
		t.hits = append(t.hits, h)
		t.up(len(t.hits) - 1)
		return
	}
	if !better(h, t.hits[0]) {
		return
	}
	t.hits[0] = h
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !better(t.hits[p], t.hits[i]) {
			break
		}
		t.hits[p], t.hits[i] = t.hits[i], t.hits[p]
		i = p
	}
}

func (t *topK) down(i int) {
	n := len(t.hits)
	for {
		l, m := 2*i+1, i
		if l < n && better(t.hits[m], t.hits[l]) {
			m = l
		}
		if r := l + 1; r < n && better(t.hits[m], t.hits[r]) {
			m = r
		}
		if m == i {
			return
		}
		t.hits[i], t.hits[m] = t.hits[m], t.hits[i]
		i = m
	}
}

// sorted returns the hits best first.
func (t *topK) sorted() []hit {
	out := slices.Clone(t.hits)
	sort.Slice(out, func(i, j int) bool { return better(out[i], out[j]) })
	return out
}

// cursor walks one posting list.
type cursor struct {
	pl  *postings
	pos int
	qt  queryTerm
}

const noDoc = math.MaxUint32

func (c *cursor) doc() uint32 {
	if c.pos >= len(c.pl.docs) {
		return noDoc
	}
	return c.pl.docs[c.pos]
}

// seek moves to the first posting at or after doc, galloping then
// binary-searching so that skipping far is logarithmic.
func (c *cursor) seek(doc uint32) {
	docs := c.pl.docs
	if c.pos >= len(docs) || docs[c.pos] >= doc {
		return
	}
	step := 1
	lo := c.pos
	hi := lo + step
	for hi < len(docs) && docs[hi] < doc {
		lo = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, len(docs))
	i, _ := slices.BinarySearch(docs[lo:hi], doc)
	c.pos = lo + i
}

func (c *cursor) score() float64 {
	return c.qt.weight * float64(c.pl.impacts[c.pos]) / impactScale
}

// search returns the k best documents for terms among those accept allows,
// with MaxScore dynamic pruning: lists whose bounds together cannot lift a
// document above the current k-th score are only probed, never walked.
func (ix *index) search(terms []queryTerm, k int, accept func(uint32) bool) []hit {
	if k <= 0 || len(terms) == 0 {
		return nil
	}
	cs := make([]*cursor, 0, len(terms))
	for _, qt := range terms {
		pl := &ix.lists[qt.id]
		if len(pl.docs) == 0 || qt.weight <= 0 {
			continue
		}
		qt.ub = qt.weight * float64(pl.max) / impactScale
		cs = append(cs, &cursor{pl: pl, qt: qt})
	}
	// Ascending upper bound: the first lists are the non-essential ones.
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].qt.ub != cs[j].qt.ub {
			return cs[i].qt.ub < cs[j].qt.ub
		}
		return cs[i].qt.id < cs[j].qt.id
	})
	prefix := make([]float64, len(cs)+1) // prefix[i] = sum of ub of cs[:i]
	for i, c := range cs {
		prefix[i+1] = prefix[i] + c.qt.ub
	}
	top := &topK{k: k}
	firstEssential := 0
	for {
		theta := top.threshold()
		for firstEssential < len(cs) && prefix[firstEssential+1] <= theta {
			firstEssential++
		}
		if firstEssential == len(cs) {
			break
		}
		// The next candidate is the smallest document of an essential list.
		var doc uint32 = noDoc
		for _, c := range cs[firstEssential:] {
			doc = min(doc, c.doc())
		}
		if doc == noDoc {
			break
		}
		if ix.deleted[doc] || (accept != nil && !accept(doc)) {
			for _, c := range cs[firstEssential:] {
				if c.doc() == doc {
					c.pos++
				}
			}
			continue
		}
		var s float64
		for _, c := range cs[firstEssential:] {
			if c.doc() == doc {
				s += c.score()
				c.pos++
			}
		}
		// Probe the non-essential lists, best bound first, while they can
		// still lift the document into the top k.
		for i := firstEssential - 1; i >= 0; i-- {
			if s+prefix[i+1] <= theta {
				break
			}
			c := cs[i]
			c.seek(doc)
			if c.doc() == doc {
				s += c.score()
			}
		}
		top.push(hit{doc: doc, score: s})
	}
	return top.sorted()
}

// matchAll calls fn for every live document containing at least one of the
// terms, once each, in document order. Facet counts use it.
func (ix *index) matchAll(terms []queryTerm, fn func(uint32)) {
	cs := make([]*cursor, 0, len(terms))
	for _, qt := range terms {
		if pl := &ix.lists[qt.id]; len(pl.docs) > 0 {
			cs = append(cs, &cursor{pl: pl, qt: qt})
		}
	}
	for {
		var doc uint32 = noDoc
		for _, c := range cs {
			doc = min(doc, c.doc())
		}
		if doc == noDoc {
			return
		}
		for _, c := range cs {
			if c.doc() == doc {
				c.pos++
			}
		}
		if !ix.deleted[doc] {
			fn(doc)
		}
	}
}

// ParseParams reads parameter overrides such as "k1=0.9,title=2,b.body=0.4"
// (a bare field name sets its weight) on top of base.
func ParseParams(s string, base Params) (Params, error) {
	p := base
	if strings.TrimSpace(s) == "" {
		return p, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		x, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || x < 0 {
			return p, fmt.Errorf("parameter %q: want name=non-negative number", kv)
		}
		if k == "k1" {
			p.K1 = x
			continue
		}
		if k == "translation" {
			p.Translation = x
			continue
		}
		dst := &p.Weight
		if b, ok := strings.CutPrefix(k, "b."); ok {
			dst, k = &p.B, b
			if x > 1 {
				return p, fmt.Errorf("parameter %q: b must be at most 1", kv)
			}
		}
		f := slices.IndexFunc([]Field{FieldTitle, FieldKeywords, FieldSummary, FieldBody}, func(f Field) bool { return f.String() == k })
		if f < 0 {
			return p, fmt.Errorf("parameter %q: unknown name %q (k1, translation, title, keywords, summary, body, b.<field>)", kv, k)
		}
		dst[f] = x
	}
	return p, nil
}
