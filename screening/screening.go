// Package screening checks names of prospective partners against
// restricted-party lists (the US Consolidated Screening List or a generic CSV)
// with normalization, a blocking index and explained fuzzy scores. The
// entries it matches against are kakehashi.ScreeningEntry values, which the
// store keeps.
package screening

import "github.com/kakehashi/kakehashi"

// Feature is one component of a hit's score, kept so a reviewer can see why
// a name was flagged.
type Feature struct {
	Name         string  `json:"name"`
	Value        float64 `json:"value"`
	Contribution float64 `json:"contribution"`
	Detail       string  `json:"detail"`
}

// Hit is one entry that scored at or above the threshold for a query.
type Hit struct {
	Entry    *kakehashi.ScreeningEntry `json:"entry"`
	Score    float64                   `json:"score"`
	Matched  string                    `json:"matched"` // the name or alias of the entry that scored best
	Features []Feature                 `json:"features"`
}

// Query is a name to screen, with the party's country (ISO alpha-2) if known.
type Query struct {
	Name    string
	Country string
}
