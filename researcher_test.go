package kakehashi

import (
	"strings"
	"testing"
)

func validResearcher() *Researcher {
	r := &Researcher{Name: "Aiko Tanaka", NameJa: "田中 愛子", Position: "Assistant Professor", Career: CareerEarly,
		Keywords: []string{"perovskite", "thin films"}, Fields: []string{"2.5"}, Languages: []string{"ja", "en"},
		ORCID: "https://orcid.org/0000-0002-1825-0097", OpenAlexID: "https://openalex.org/A5023888391",
		Publications: []Publication{{Title: "A  paper", Year: 2024, DOI: "https://doi.org/10.1000/xyz123"}}}
	r.Normalize()
	return r
}

func TestORCIDCheckDigit(t *testing.T) {
	for _, id := range []string{"0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"} {
		if err := CheckORCID(id); err != nil {
			t.Errorf("CheckORCID(%s) = %v, want nil", id, err)
		}
	}
	for id, want := range map[string]string{
		"0000-0002-1825-0098": "check digit",
		"0000-0002-1694-2330": "check digit",
		"0000-0002-1825-009":  "not an ORCID iD",
		"0000000218250097":    "not an ORCID iD",
	} {
		if err := CheckORCID(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckORCID(%s) = %v, want an error about %q", id, err, want)
		}
	}
}

func TestResearcherValidate(t *testing.T) {
	r := validResearcher()
	if err := r.Validate(); err != nil {
		t.Fatalf("valid researcher: %v", err)
	}
	if r.ORCID != "0000-0002-1825-0097" || r.OpenAlexID != "A5023888391" || r.Publications[0].DOI != "10.1000/xyz123" || r.Publications[0].Title != "A paper" {
		t.Errorf("normalize: %+v", r)
	}
	bad := validResearcher()
	bad.Name = ""
	bad.ORCID = "0000-0002-1825-0098"
	bad.Career = "junior"
	bad.Fields = []string{"9.9"}
	bad.Languages = []string{"english"}
	bad.Publications = []Publication{{Title: "", Year: 1800, DOI: "xyz"}}
	bad.ListingIDs = []int64{3, 3}
	err := bad.Validate()
	if ErrorCode(err) != EINVALID {
		t.Fatalf("want invalid, got %v", err)
	}
	got := map[string]string{}
	for _, f := range FieldErrors(err) {
		got[f.Field] = f.Message
	}
	for _, f := range []string{"name", "orcid", "career_stage", "fields[0]", "languages[0]", "publications[0].title", "publications[0].year", "publications[0].doi", "listing_ids[1]"} {
		if got[f] == "" {
			t.Errorf("no problem reported for %s; got %v", f, got)
		}
	}
	if !strings.HasPrefix(got["orcid"], "check digit") {
		t.Errorf("orcid message = %q, want it to start with \"check digit\"", got["orcid"])
	}
}

func TestResearcherAccess(t *testing.T) {
	staff := &User{ID: 1, PlatformRole: PlatformCoordinator}
	admin := &User{ID: 2, OrgID: 10, OrgRole: RoleOrgAdmin}
	self := &User{ID: 3, OrgID: 10, OrgRole: RoleMember}
	other := &User{ID: 4, OrgID: 10, OrgRole: RoleMember}
	foreign := &User{ID: 5, OrgID: 20, OrgRole: RoleOrgAdmin}
	r := &Researcher{UserID: 3, OrgID: 10}
	for _, c := range []struct {
		u          *User
		create, ed bool
	}{{staff, true, true}, {admin, true, true}, {self, true, true}, {other, false, false}, {foreign, false, false}, {nil, false, false}} {
		if got := CanCreateResearcher(c.u, r); got != c.create {
			t.Errorf("CanCreateResearcher(%v) = %v", c.u, got)
		}
		if got := CanEditResearcher(c.u, r, r); got != c.ed {
			t.Errorf("CanEditResearcher(%v) = %v", c.u, got)
		}
	}
	moved := &Researcher{UserID: 3, OrgID: 20}
	if CanEditResearcher(self, r, moved) || CanEditResearcher(admin, r, moved) {
		t.Error("moving a profile to another organization needs rights there")
	}
	if !CanEditResearcher(foreign, &Researcher{OrgID: 20}, &Researcher{OrgID: 20}) {
		t.Error("org admin edits the profiles of their organization")
	}
}

func TestOpennessFilter(t *testing.T) {
	o := Openness{CrossAppointment: true}
	if !o.Has("") || !o.Has(OpenToAny) || !o.Has(OpenToCrossAppointment) || o.Has(OpenToStartup) || (Openness{}).Has(OpenToAny) {
		t.Error("Openness.Has")
	}
}
