package web

import "testing"

// testCatalog is the catalogue New loads, for tests that draw a view
// without a Handler.
func testCatalog(t testing.TB) *catalog {
	t.Helper()
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
