package screening

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
)

func TestParseCSV(t *testing.T) {
	in := "id,name,aliases,country,source,programs\n" +
		"a1,Acme Ltd,Acme; ACME Limited ,jp,test,EAR;ITAR\n" +
		"a2,\"Foo, Inc.\",,,test,\n"
	es, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []kakehashi.ScreeningEntry{
		{ID: "a1", Name: "Acme Ltd", Aliases: []string{"Acme", "ACME Limited"}, Country: "JP", Source: "test", Programs: []string{"EAR", "ITAR"}},
		{ID: "a2", Name: "Foo, Inc.", Source: "test"},
	}
	if !reflect.DeepEqual(es, want) {
		t.Errorf("got %+v\nwant %+v", es, want)
	}
}

func TestParseCSVErrorsNameTheLine(t *testing.T) {
	for in, want := range map[string]string{
		"id,name,aliases,country,source,programs\na,b,,,,\n,x,,,,\n": "line 3: empty id",
		"id,name,aliases,country,source,programs\na,,,,,\n":          "line 2: empty name",
		"id,name,aliases,country,source,programs\na,b,,Japan,,\n":    "line 2: country",
		"id,name,aliases,country,source,programs\na,b,,,\n":          "line 2",
		"id,name,country\na,b,JP\n":                                  "lacks column",
	} {
		if _, err := ParseCSV(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCSV(%q) error = %v, want it to mention %q", in, err, want)
		}
	}
}

func TestParseCSLSmall(t *testing.T) {
	in := `_id,source,entity_number,type,programs,name,title,addresses,alt_names,nationalities,citizenships
"x1","Entity List (EL) - Bureau of Industry and Security","","","","Acme Co., Ltd.","","1 Road, Beijing, CN; 2 Street, Hong Kong","Acme; Acme Corp","",""
"x2","Specially Designated Nationals (SDN) - Treasury Department","9","Individual","SDGT","DOE, John","","Somewhere, FR","","EG",""
`
	es, err := ParseCSL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Country != "CN" || len(es[0].Aliases) != 2 || len(es[0].Addresses) != 2 || es[1].Country != "EG" || es[1].Programs[0] != "SDGT" {
		t.Errorf("got %+v", es)
	}
	if _, err := ParseCSL(strings.NewReader("id,name\n")); err == nil {
		t.Error("a header without _id should fail")
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add("id,name,aliases,country,source,programs\na1,Acme Ltd,Acme;ACME,JP,test,EAR\n")
	f.Add("id,name,aliases,country,source,programs\n\"a\"\"1\",\"Foo,\nBar\",,,,\n")
	f.Add("programs,source,country,aliases,name,id\nx,y,,,n,i\n")
	f.Add("id,name,aliases,country,source,programs\n,,,,,\n")
	f.Add("\ufeffid,name,aliases,country,source,programs\nx,株式会社テスト,,jp,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ParseCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, e := range es {
			if e.ID == "" || e.Name == "" || e.Country != "" && !isAlpha2(e.Country) {
				t.Fatalf("accepted a bad entry %+v", e)
			}
		}
		ix := NewIndex(es)
		for _, e := range es {
			ix.Check(Query{Name: e.Name}, 0, 3)
		}
	})
}
