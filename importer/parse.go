package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/csvsafe"
)

// Format is an import file format.
type Format string

// Supported formats.
const (
	JSONL Format = "jsonl"
	CSV   Format = "csv"
)

// maxLine bounds one JSON line, so that a file without newlines cannot make
// the importer hold it all in memory.
const maxLine = 4 << 20

// RowError is a problem with one input row. The import goes on without it.
type RowError struct {
	Line       int                    `json:"line"`
	ExternalID string                 `json:"external_id,omitempty"`
	Message    string                 `json:"message"`
	Fields     []kakehashi.FieldError `json:"fields,omitempty"`
}

func (e *RowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.ExternalID != "" {
		fmt.Fprintf(&b, " (%s)", e.ExternalID)
	}
	b.WriteString(": " + e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + " " + f.Message)
	}
	return b.String()
}

// rowErr wraps a domain error (usually EINVALID) as a RowError.
func rowErr(line int, ext string, err error) *RowError {
	return &RowError{Line: line, ExternalID: ext, Message: kakehashi.ErrorMessage(err), Fields: kakehashi.FieldErrors(err)}
}

// row is one parsed record: an *OrgRecord or a *ListingRecord.
type row struct {
	line int
	org  *OrgRecord
	lst  *ListingRecord
}

func (r row) externalID() string {
	if r.org != nil {
		return r.org.ExternalID
	}
	return r.lst.ExternalID
}

// parser yields rows. next returns a *RowError for a bad row (the caller
// reports it and goes on), io.EOF at the end, and any other error when the
// input cannot be read further.
type parser interface {
	next() (row, error)
}

// ParseJSONL reads JSON Lines, one record per line, each with a "record"
// key naming its kind. Unknown keys are errors: a misspelt field must not be
// dropped silently.
type jsonlParser struct {
	r    *bufio.Reader
	line int
}

func newJSONL(r io.Reader) *jsonlParser {
	return &jsonlParser{r: bufio.NewReaderSize(r, 64<<10)}
}

func (p *jsonlParser) next() (row, error) {
	for {
		text, err := p.readLine()
		if err != nil {
			return row{}, err
		}
		p.line++
		text = bytes.TrimSpace(text)
		if len(text) == 0 {
			continue
		}
		return decodeJSONRow(p.line, text)
	}
}

// readLine returns the next line without its newline, failing on lines
// longer than maxLine.
func (p *jsonlParser) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := p.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			// Skip the rest of the line and report it as bad.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = p.r.ReadSlice('\n')
			}
			p.line++
			return nil, &RowError{Line: p.line, Message: fmt.Sprintf("line longer than %d bytes", maxLine)}
		}
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return line, nil
		default:
			return nil, err
		}
	}
}

func decodeJSONRow(line int, text []byte) (row, error) {
	var head struct {
		Record string `json:"record"`
	}
	if err := json.Unmarshal(text, &head); err != nil {
		return row{}, &RowError{Line: line, Message: "malformed JSON: " + jsonProblem(err)}
	}
	var target any
	r := row{line: line}
	switch head.Record {
	case RecordOrganization:
		r.org = &OrgRecord{}
		target = r.org
	case RecordListing:
		r.lst = &ListingRecord{}
		target = r.lst
	case "":
		return row{}, &RowError{Line: line, Message: `missing "record" key (organization or listing)`}
	default:
		return row{}, &RowError{Line: line, Message: fmt.Sprintf(`unknown record %q (want organization or listing)`, head.Record)}
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return row{}, &RowError{Line: line, ExternalID: extOf(text), Message: "malformed " + head.Record + ": " + jsonProblem(err)}
	}
	if dec.More() {
		return row{}, &RowError{Line: line, Message: "more than one JSON value on the line"}
	}
	return r, nil
}

// extOf digs the external id out of a line that failed to decode, so the
// report can name the record.
func extOf(text []byte) string {
	var v struct {
		ExternalID string `json:"external_id"`
	}
	json.Unmarshal(text, &v)
	return v.ExternalID
}

// jsonProblem phrases a decoding error for a person.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) && strings.Contains(se.Error(), "after top-level value") {
		return "more than one JSON value on the line"
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return "a time is not in RFC 3339 format (e.g. 2027-03-31T23:59:59+09:00)"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// csvParser reads a CSV file of organizations or of listings; the header
// row decides which. List columns separate values with ";".
type csvParser struct {
	r      *csv.Reader
	cols   map[string]int
	record string
}

var (
	orgColumns = []string{"external_id", "name", "local_name", "aliases", "kind", "country", "region", "sectors",
		"website", "description", "ror", "corporate_number"}
	listingColumns = []string{"external_id", "org", "side", "kind", "title", "summary", "body", "language", "keywords",
		"fields", "sectors", "trl", "ip_patents", "ip_status", "ip_jurisdictions", "partnership_types", "target_countries",
		"controlled", "visibility", "status", "deadline"}
	orgRequired     = []string{"external_id", "name", "kind", "country"}
	listingRequired = []string{"external_id", "org", "side", "kind", "title", "summary", "language", "trl"}
)

func newCSV(r io.Reader) (*csvParser, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("CSV file is empty: it needs a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	p := &csvParser{r: cr, cols: map[string]int{}}
	known, required := orgColumns, orgRequired
	p.record = RecordOrganization
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := p.cols[h]; dup {
			return nil, fmt.Errorf("CSV header: column %q appears twice", h)
		}
		p.cols[h] = i
	}
	if _, ok := p.cols["side"]; ok {
		known, required, p.record = listingColumns, listingRequired, RecordListing
	}
	for h := range p.cols {
		if !slices.Contains(known, h) {
			return nil, fmt.Errorf("CSV header: unknown column %q for %s rows (known: %s)", h, p.record, strings.Join(known, ", "))
		}
	}
	for _, h := range required {
		if _, ok := p.cols[h]; !ok {
			return nil, fmt.Errorf("CSV header: missing required column %q for %s rows", h, p.record)
		}
	}
	return p, nil
}

func (p *csvParser) next() (row, error) {
	rec, err := p.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return row{}, &RowError{Line: pe.Line, Message: "malformed CSV: " + pe.Err.Error()}
		}
		return row{}, err
	}
	line, _ := p.r.FieldPos(0)
	if len(rec) != len(p.cols) {
		return row{}, &RowError{Line: line, Message: fmt.Sprintf("has %d columns, the header has %d", len(rec), len(p.cols))}
	}
	// A cell the export neutralised against spreadsheet formulas
	// ('=..., '+..., see csvsafe) is read back without the apostrophe.
	get := func(name string) string {
		if i, ok := p.cols[name]; ok {
			return csvsafe.Unescape(strings.TrimSpace(rec[i]))
		}
		return ""
	}
	list := func(name string) []string {
		v := get(name)
		if v == "" {
			return []string{}
		}
		return strings.Split(v, ";")
	}
	var probs kakehashi.Problems
	if p.record == RecordOrganization {
		return row{line: line, org: &OrgRecord{
			Record: RecordOrganization, ExternalID: get("external_id"), Name: get("name"), LocalName: get("local_name"),
			Aliases: list("aliases"), Kind: kakehashi.OrgKind(get("kind")), Country: get("country"), Region: get("region"),
			Sectors: list("sectors"), Website: get("website"), Description: get("description"), ROR: get("ror"),
			CorporateNumber: get("corporate_number"),
		}}, nil
	}
	l := &ListingRecord{
		Record: RecordListing, ExternalID: get("external_id"), Org: get("org"), Side: kakehashi.Side(get("side")),
		Kind: kakehashi.ListingKind(get("kind")), Title: get("title"), Summary: get("summary"), Body: get("body"),
		Language: get("language"), Keywords: list("keywords"), Fields: list("fields"), Sectors: list("sectors"),
		IP:              kakehashi.IP{Patents: list("ip_patents"), Status: kakehashi.IPStatus(get("ip_status")), Jurisdictions: list("ip_jurisdictions")},
		TargetCountries: list("target_countries"), Visibility: kakehashi.Visibility(get("visibility")), Status: kakehashi.Status(get("status")),
	}
	for _, t := range list("partnership_types") {
		l.PartnershipTypes = append(l.PartnershipTypes, kakehashi.PartnershipType(t))
	}
	if v := get("trl"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			probs.Add("trl", "%q is not a whole number", v)
		}
		l.TRL = n
	}
	switch v := strings.ToLower(get("controlled")); v {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		l.Controlled = true
	default:
		probs.Add("controlled", "%q is not true or false", v)
	}
	if v := get("deadline"); v != "" {
		if d, err := parseDeadline(v); err != nil {
			probs.Add("deadline", "%q is not a date (2027-03-31) or an RFC 3339 time", v)
		} else {
			l.Deadline = &d
		}
	}
	if err := probs.Err("listing"); err != nil {
		return row{}, rowErr(line, l.ExternalID, err)
	}
	return row{line: line, lst: l}, nil
}

// parseDeadline accepts an RFC 3339 time or a date, which means the end of
// that day in UTC.
func parseDeadline(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, err
	}
	return d.Add(24*time.Hour - time.Second), nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
