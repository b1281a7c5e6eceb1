package kakehashi

import (
	"slices"
	"testing"
)

func TestValidCountry(t *testing.T) {
	if len(countryCodes) != 250 || !slices.IsSorted(countryCodes) {
		t.Fatalf("country table: %d codes, sorted %v", len(countryCodes), slices.IsSorted(countryCodes))
	}
	for _, c := range []string{"JP", "US", "GB", "DE", "AD", "ZW", "XK"} {
		if !ValidCountry(c) {
			t.Errorf("%s rejected", c)
		}
	}
	for _, c := range []string{"UK", "EU", "jp", "J", "JPN", "", "ZZ", "UN", "SU", " JP"} {
		if ValidCountry(c) {
			t.Errorf("%q accepted", c)
		}
	}
}

func TestValidRegionAndLanguage(t *testing.T) {
	for _, c := range []struct {
		region, country string
		ok              bool
	}{{"JP-13", "JP", true}, {"US-MA", "US", true}, {"GB-ENG", "GB", true}, {"JP-13", "US", false}, {"JP13", "JP", false}, {"JP-1234", "JP", false}} {
		if ValidRegion(c.region, c.country) != c.ok {
			t.Errorf("ValidRegion(%q, %q) != %v", c.region, c.country, c.ok)
		}
	}
	for _, c := range []struct {
		lang string
		ok   bool
	}{{"en", true}, {"ja", true}, {"zh", true}, {"EN", false}, {"eng", false}, {"xx", false}, {"", false}} {
		if ValidLanguage(c.lang) != c.ok {
			t.Errorf("ValidLanguage(%q) != %v", c.lang, c.ok)
		}
	}
}
