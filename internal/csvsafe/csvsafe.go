// Package csvsafe writes CSV that spreadsheets open as text: a cell that
// starts with = + - @, a tab or a carriage return would be run as a formula
// by Excel, LibreOffice or Google Sheets (CSV injection: =HYPERLINK to
// exfiltrate, DDE to run commands), so it is written behind an apostrophe,
// which spreadsheets read as "this is text" and do not show.
//
// The prefix is reversible: Unescape removes it exactly where Escape added
// it, so that a file written here and read back with Unescape gives the
// original text, even text that itself began with apostrophes.
package csvsafe

import (
	"encoding/csv"
	"io"
	"strings"
)

// triggers are the first characters that make a spreadsheet evaluate a
// cell (OWASP's list).
const triggers = "=+-@\t\r"

// risky reports whether s, past any leading apostrophes, starts with a
// trigger.
func risky(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.IndexByte(triggers, s[0]) >= 0
}

// Escape returns s with an apostrophe in front if a spreadsheet would run
// it as a formula — or if it is apostrophes followed by such a start, so
// that Unescape can tell the added apostrophe from the text's own.
func Escape(s string) string {
	if risky(s) {
		return "'" + s
	}
	return s
}

// Unescape undoes Escape: it drops one leading apostrophe from a cell that
// is one or more apostrophes followed by a trigger, and returns any other
// cell as it is. Unescape(Escape(s)) == s for every s.
func Unescape(s string) string {
	if strings.HasPrefix(s, "'") && risky(s) {
		return s[1:]
	}
	return s
}

// Writer is a csv.Writer whose cells are escaped.
type Writer struct {
	w *csv.Writer
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell escaped.
func (w *Writer) Write(record []string) error {
	out := make([]string, len(record))
	for i, c := range record {
		out[i] = Escape(c)
	}
	return w.w.Write(out)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error from a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
