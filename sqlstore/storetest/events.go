package storetest

import "testing"

// eventTests are the conformance tests of business-matching events.
var eventTests []struct {
	name string
	fn   func(*testing.T, NewDSN)
}
