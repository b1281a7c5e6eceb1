package search

import (
	"fmt"
	"testing"
)

// TestIDFAfterManyEdits checks that replaced versions of a document do not
// turn a term's weight upside down: a listing edited hundreds of times must
// not make a rare word it holds weigh less than a common one, or below zero.
func TestIDFAfterManyEdits(t *testing.T) {
	doc := func(words ...string) *docText {
		d := &docText{}
		for _, w := range words {
			var tf [numFields]uint16
			tf[0] = 1
			d.terms = append(d.terms, termFreq{term: w, tf: tf})
			d.length[0]++
		}
		return d
	}
	ix := newIndex(DefaultParams(), [numFields]float64{2})
	for i := range 10 {
		ix.add(doc("battery", fmt.Sprintf("w%d", i)))
	}
	for i := range 90 {
		ix.add(doc("sensor", fmt.Sprintf("v%d", i)))
	}
	battery, sensor := ix.termIDs["battery"], ix.termIDs["sensor"]
	before := ix.idf(battery)
	last := uint32(0)
	for i := range 500 {
		ix.remove(last)
		last = ix.add(doc("battery", "w0"))
		b, s := ix.idf(battery), ix.idf(sensor)
		if b <= 0 || s <= 0 || b <= s {
			t.Fatalf("after %d edits: idf battery %.3f, sensor %.3f; want both > 0 and battery (10 of 100 documents) above sensor (90 of 100)", i+1, b, s)
		}
	}
	if ix.live != 100 {
		t.Fatalf("live = %d, want 100", ix.live)
	}
	if n := len(ix.lists[battery].docs); n > 10+100/8 {
		t.Errorf("battery's list holds %d documents after 500 edits, want at most %d (10 live + an eighth of 100 dead)", n, 10+100/8)
	}
	ix.compact()
	if got := ix.idf(battery); got != before {
		t.Errorf("idf of battery after compaction = %v, want %v as before the edits", got, before)
	}
	// Search still finds the current version only.
	for _, d := range ix.lists[battery].docs {
		if ix.deleted[d] {
			t.Fatalf("compacted list holds deleted document %d", d)
		}
	}
}
