package search

import "sort"

// DebugCompare returns the listing ids of the k best documents for text by
// the pruned search and by scoring every document, for tests.
func (e *Engine) DebugCompare(text string, k int) (pruned, exhaustive []int64) {
	wts := e.queryTerms(text, false)
	e.mu.RLock()
	defer e.mu.RUnlock()
	qts := e.resolve(e.pub, wts)
	for _, h := range e.pub.search(qts, k, nil) {
		pruned = append(pruned, e.meta[h.doc].listing)
	}
	var all []hit
	for doc := range e.meta {
		var s float64
		for _, qt := range qts {
			s += qt.weight * float64(e.pub.impactOf(qt.id, uint32(doc))) / impactScale
		}
		if s > 0 {
			all = append(all, hit{doc: uint32(doc), score: s})
		}
	}
	sort.Slice(all, func(i, j int) bool { return better(all[i], all[j]) })
	for _, h := range all[:min(k, len(all))] {
		exhaustive = append(exhaustive, e.meta[h.doc].listing)
	}
	return pruned, exhaustive
}

// HoldReadLock takes the index's read lock, as a search does, until
// release is called: tests stand in for a search that never finishes.
func (e *Engine) HoldReadLock() (release func()) {
	e.mu.RLock()
	return e.mu.RUnlock
}
