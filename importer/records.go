// Package importer moves organizations and listings in and out of a store as
// JSON Lines or CSV: streaming, in atomic batches, upserting on external id so
// that importing the same file twice changes nothing, and reporting every bad
// row with its line number.
package importer

import (
	"time"

	"github.com/kakehashi/kakehashi"
)

// Record kinds, the value of the "record" key of a JSON line.
const (
	RecordOrganization = "organization"
	RecordListing      = "listing"
)

// OrgRecord is an organization as imported and exported.
type OrgRecord struct {
	Record          string            `json:"record"`
	ExternalID      string            `json:"external_id"`
	Name            string            `json:"name"`
	LocalName       string            `json:"local_name"`
	Aliases         []string          `json:"aliases"`
	Kind            kakehashi.OrgKind `json:"kind"`
	Country         string            `json:"country"`
	Region          string            `json:"region"`
	Sectors         []string          `json:"sectors"`
	Website         string            `json:"website"`
	Description     string            `json:"description"`
	ROR             string            `json:"ror"`
	CorporateNumber string            `json:"corporate_number"`
}

// ListingRecord is a listing as imported and exported. Org is the external
// id of the owning organization, which must be imported before (or in the
// same file above) the listing.
type ListingRecord struct {
	Record           string                      `json:"record"`
	ExternalID       string                      `json:"external_id"`
	Org              string                      `json:"org"`
	Side             kakehashi.Side              `json:"side"`
	Kind             kakehashi.ListingKind       `json:"kind"`
	Title            string                      `json:"title"`
	Summary          string                      `json:"summary"`
	Body             string                      `json:"body"`
	Language         string                      `json:"language"`
	Keywords         []string                    `json:"keywords"`
	Fields           []string                    `json:"fields"`
	Sectors          []string                    `json:"sectors"`
	TRL              int                         `json:"trl"`
	IP               kakehashi.IP                `json:"ip"`
	PartnershipTypes []kakehashi.PartnershipType `json:"partnership_types"`
	TargetCountries  []string                    `json:"target_countries"`
	Controlled       bool                        `json:"controlled"`
	Visibility       kakehashi.Visibility        `json:"visibility"`
	Status           kakehashi.Status            `json:"status"`
	Deadline         *time.Time                  `json:"deadline"`
}

// Organization converts r to a domain organization.
func (r *OrgRecord) Organization() *kakehashi.Organization {
	return &kakehashi.Organization{
		ExternalID: r.ExternalID, Name: r.Name, LocalName: r.LocalName, Aliases: r.Aliases, Kind: r.Kind,
		Country: r.Country, Region: r.Region, Sectors: r.Sectors, Website: r.Website, Description: r.Description,
		ROR: r.ROR, CorporateNumber: r.CorporateNumber,
	}
}

// Listing converts r to a domain listing owned by orgID.
func (r *ListingRecord) Listing(orgID int64) *kakehashi.Listing {
	l := &kakehashi.Listing{
		ExternalID: r.ExternalID, OrgID: orgID, Side: r.Side, Kind: r.Kind, Title: r.Title, Summary: r.Summary,
		Body: r.Body, Language: r.Language, Keywords: r.Keywords, Fields: r.Fields, Sectors: r.Sectors, TRL: r.TRL,
		IP: r.IP, PartnershipTypes: r.PartnershipTypes, TargetCountries: r.TargetCountries, Controlled: r.Controlled,
		Visibility: r.Visibility, Status: r.Status, Deadline: r.Deadline,
	}
	if l.Visibility == "" {
		l.Visibility = kakehashi.VisibilityPublic
	}
	if l.Status == "" {
		l.Status = kakehashi.StatusOpen
	}
	return l
}

// orgRecordOf converts a stored organization for export.
func orgRecordOf(o *kakehashi.Organization) *OrgRecord {
	return &OrgRecord{
		Record: RecordOrganization, ExternalID: exportID("org", o.ExternalID, o.ID), Name: o.Name, LocalName: o.LocalName,
		Aliases: o.Aliases, Kind: o.Kind, Country: o.Country, Region: o.Region, Sectors: o.Sectors, Website: o.Website,
		Description: o.Description, ROR: o.ROR, CorporateNumber: o.CorporateNumber,
	}
}

// listingRecordOf converts a stored listing for export; orgExt is the
// exported external id of its organization.
func listingRecordOf(l *kakehashi.Listing, orgExt string) *ListingRecord {
	return &ListingRecord{
		Record: RecordListing, ExternalID: exportID("listing", l.ExternalID, l.ID), Org: orgExt, Side: l.Side, Kind: l.Kind,
		Title: l.Title, Summary: l.Summary, Body: l.Body, Language: l.Language, Keywords: l.Keywords, Fields: l.Fields,
		Sectors: l.Sectors, TRL: l.TRL, IP: l.IP, PartnershipTypes: l.PartnershipTypes, TargetCountries: l.TargetCountries,
		Controlled: l.Controlled, Visibility: l.Visibility, Status: l.Status, Deadline: l.Deadline,
	}
}

// exportID gives records created through the API (which have no external
// id) a stable one, so that an export can be imported elsewhere.
func exportID(kind, ext string, id int64) string {
	if ext != "" {
		return ext
	}
	return "kakehashi:" + kind + ":" + itoa(id)
}
