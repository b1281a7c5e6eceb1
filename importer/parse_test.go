package importer

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// drain reads every row of p, checking the parser contract: it ends with
// io.EOF or a read error, bad rows are *RowError with increasing line
// numbers, and good rows carry exactly one record.
func drain(t *testing.T, p parser) (rows []row, bad []*RowError) {
	t.Helper()
	lastLine := 0
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("parser does not terminate")
		}
		r, err := p.next()
		var re *RowError
		switch {
		case errors.Is(err, io.EOF):
			return rows, bad
		case errors.As(err, &re):
			if re.Line < lastLine {
				t.Fatalf("row error line %d after line %d", re.Line, lastLine)
			}
			lastLine = re.Line
			if re.Message == "" {
				t.Fatal("row error without message")
			}
			bad = append(bad, re)
		case err != nil:
			return rows, bad // the input itself failed (e.g. a CSV header); fine for fuzzing
		default:
			if (r.org == nil) == (r.lst == nil) {
				t.Fatalf("row %+v must hold exactly one record", r)
			}
			if r.line < lastLine {
				t.Fatalf("row line %d after line %d", r.line, lastLine)
			}
			lastLine = r.line
			rows = append(rows, r)
		}
	}
}

func TestJSONLRowsAndErrors(t *testing.T) {
	in := strings.Join([]string{
		`{"record":"organization","external_id":"o1","name":"Org","kind":"university","country":"JP"}`,
		``,
		`{"record":"listing","external_id":"l1","org":"o1","side":"seed","kind":"technology","title":"T","summary":"S","language":"en","trl":3}`,
		`{"record":"listing", "external_id":"l2", "titel":"typo"}`,
		`not json`,
		`{"record":"person"}`,
		`{"external_id":"x"}`,
		`{"record":"listing","external_id":"l3","trl":"three"}`,
		`{"record":"listing","external_id":"l4","deadline":"31/03/2027"}`,
		`{"record":"organization","external_id":"o2"} {"record":"organization"}`,
	}, "\n")
	rows, bad := drain(t, newJSONL(strings.NewReader(in)))
	if len(rows) != 2 || rows[0].org == nil || rows[1].lst == nil || rows[1].line != 3 {
		t.Fatalf("good rows: %+v", rows)
	}
	want := []struct {
		line int
		text string
	}{
		{4, `unknown field "titel"`},
		{5, "malformed JSON"},
		{6, `unknown record "person"`},
		{7, `missing "record"`},
		{8, "field trl: expected int"},
		{9, "RFC 3339"},
		{10, "more than one JSON value"},
	}
	if len(bad) != len(want) {
		t.Fatalf("got %d bad rows, want %d: %v", len(bad), len(want), bad)
	}
	for i, w := range want {
		if bad[i].Line != w.line || !strings.Contains(bad[i].Error(), w.text) {
			t.Errorf("bad row %d = %q, want line %d containing %q", i, bad[i].Error(), w.line, w.text)
		}
	}
	if bad[0].ExternalID != "l2" {
		t.Errorf("external id of a bad row not reported: %+v", bad[0])
	}
}

func TestJSONLLongLine(t *testing.T) {
	long := `{"record":"organization","name":"` + strings.Repeat("x", maxLine) + `"}`
	in := long + "\n" + `{"record":"organization","external_id":"o1","name":"Org","kind":"sme","country":"JP"}` + "\n"
	rows, bad := drain(t, newJSONL(strings.NewReader(in)))
	if len(bad) != 1 || bad[0].Line != 1 || len(rows) != 1 || rows[0].line != 2 {
		t.Fatalf("rows %v, bad %v: a too-long line must be skipped and reported, and the next line read", rows, bad)
	}
}

func TestCSVRowsAndErrors(t *testing.T) {
	in := "\ufeffexternal_id,org,side,kind,title,summary,language,trl,keywords,controlled,deadline\n" +
		"l1,o1,seed,technology,T,S,ja,4,電池;固体電解質,yes,2027-03-31\n" +
		"l2,o1,seed,technology,T,S,en,four,,no,\n" +
		"l3,o1,seed,technology,T,S,en,4,,maybe,2027/03/31\n" +
		"l4,o1,seed\n" +
		"\"l5,o1\n"
	p, err := newCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	rows, bad := drain(t, p)
	if len(rows) != 1 {
		t.Fatalf("good rows: %d, bad: %v", len(rows), bad)
	}
	l := rows[0].lst
	if l.TRL != 4 || !l.Controlled || len(l.Keywords) != 2 || l.Keywords[1] != "固体電解質" || l.Deadline == nil || l.Deadline.Format("2006-01-02T15:04:05Z07:00") != "2027-03-31T23:59:59Z" {
		t.Fatalf("parsed listing wrong: %+v", l)
	}
	wantLines := []int{3, 4, 5, 6}
	if len(bad) != len(wantLines) {
		t.Fatalf("bad rows %v, want lines %v", bad, wantLines)
	}
	for i, line := range wantLines {
		if bad[i].Line != line {
			t.Errorf("bad row %d on line %d, want %d (%v)", i, bad[i].Line, line, bad[i])
		}
	}
	if !strings.Contains(bad[1].Error(), "controlled") || !strings.Contains(bad[1].Error(), "deadline") {
		t.Errorf("both problems of line 4 must be named: %v", bad[1])
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "empty",
		"external_id,name,kind,country,fax\n": `unknown column "fax"`,
		"external_id,name,kind\n":             `missing required column "country"`,
		"external_id,side,title,title\n":      "appears twice",
		"external_id,side,kind,title\n":       `missing required column "org"`,
	} {
		_, err := newCSV(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("header %q: error %v, want %q", in, err, want)
		}
	}
}

func FuzzJSONL(f *testing.F) {
	f.Add([]byte(`{"record":"organization","external_id":"o1","name":"Org","kind":"university","country":"JP"}`))
	f.Add([]byte("{\"record\":\"listing\",\"external_id\":\"l\",\"org\":\"o\",\"side\":\"seed\",\"kind\":\"patent\",\"title\":\"全固体電池\",\"summary\":\"s\",\"language\":\"ja\",\"trl\":4,\"ip\":{\"patents\":[\"JP7123456B2\"],\"status\":\"granted\",\"jurisdictions\":[\"JP\"]},\"deadline\":\"2027-03-31T23:59:59+09:00\"}\n\n{}"))
	f.Add([]byte("{\"record\":\"listing\"}\r\n{\"record\":1}\n[1,2]\nnull\n\"x\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, _ := drain(t, newJSONL(bytes.NewReader(data)))
		for _, r := range rows {
			// A good row validates without panicking, whatever it holds.
			_ = precheck(r)
		}
	})
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("external_id,name,kind,country\no1,Org,university,JP\n"))
	f.Add([]byte("external_id,org,side,kind,title,summary,language,trl,deadline,partnership_types,ip_patents,ip_status\nl1,o1,seed,patent,T,S,ja,4,2027-03-31,license;joint_research,JP7123456B2,granted\n"))
	f.Add([]byte("external_id,org,side,kind,title,summary,language,trl\n\"unterminated,o1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := newCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		rows, bad := drain(t, p)
		for _, r := range rows {
			_ = precheck(r)
		}
		for _, b := range bad {
			if !utf8.ValidString(b.Error()) && utf8.Valid(data) {
				t.Fatalf("error message of valid UTF-8 input is not UTF-8: %q", b.Error())
			}
		}
	})
}
