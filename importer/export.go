package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/csvsafe"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// What selects the records to export.
type What string

// Export selections. CSV holds one kind of record per file, so it needs
// Organizations or Listings; JSON Lines can hold All.
const (
	All           What = "all"
	Organizations What = "organizations"
	Listings      What = "listings"
)

// Export writes the store's records to w in a form Import reads back:
// organizations first, then listings, each in id order. Every listing is
// exported, drafts and confidential ones included: export is an operator's
// tool run against the database, not an API.
func Export(ctx context.Context, db *sqlstore.DB, w io.Writer, f Format, what What) error {
	if f == CSV && what == All {
		return fmt.Errorf("CSV export needs --what organizations or --what listings")
	}
	var enc recordWriter
	switch f {
	case JSONL:
		enc = &jsonWriter{enc: json.NewEncoder(w)}
	case CSV:
		// Cells a spreadsheet would run as formulas get an apostrophe in
		// front, which the CSV import removes again; JSON Lines stays exact.
		cw := csvsafe.NewWriter(w)
		defer cw.Flush()
		enc = &csvWriter{w: cw}
	default:
		return fmt.Errorf("unknown format %q (want jsonl or csv)", f)
	}
	orgExt := map[int64]string{}
	staff := &kakehashi.User{PlatformRole: kakehashi.PlatformAdmin}
	for after := int64(0); ; {
		orgs, err := db.Organizations(ctx, kakehashi.OrganizationFilter{After: after, Limit: 1000})
		if err != nil {
			return err
		}
		if len(orgs) == 0 {
			break
		}
		for _, o := range orgs {
			rec := orgRecordOf(o)
			orgExt[o.ID] = rec.ExternalID
			if what != Listings {
				if err := enc.org(rec); err != nil {
					return err
				}
			}
		}
		after = orgs[len(orgs)-1].ID
	}
	if what == Organizations {
		return enc.flush()
	}
	for after := int64(0); ; {
		ls, err := db.Listings(ctx, kakehashi.ListingFilter{After: after, Limit: 1000}, staff)
		if err != nil {
			return err
		}
		if len(ls) == 0 {
			break
		}
		for _, l := range ls {
			if err := enc.listing(listingRecordOf(l, orgExt[l.OrgID])); err != nil {
				return err
			}
		}
		after = ls[len(ls)-1].ID
	}
	return enc.flush()
}

type recordWriter interface {
	org(*OrgRecord) error
	listing(*ListingRecord) error
	flush() error
}

type jsonWriter struct{ enc *json.Encoder }

func (j *jsonWriter) org(r *OrgRecord) error         { return j.enc.Encode(r) }
func (j *jsonWriter) listing(r *ListingRecord) error { return j.enc.Encode(r) }
func (j *jsonWriter) flush() error                   { return nil }

type csvWriter struct {
	w      *csvsafe.Writer
	header bool
}

func (c *csvWriter) writeHeader(cols []string) error {
	if c.header {
		return nil
	}
	c.header = true
	return c.w.Write(cols)
}

func (c *csvWriter) org(r *OrgRecord) error {
	if err := c.writeHeader(orgColumns); err != nil {
		return err
	}
	return c.w.Write([]string{r.ExternalID, r.Name, r.LocalName, joinList(r.Aliases), string(r.Kind), r.Country, r.Region,
		joinList(r.Sectors), r.Website, r.Description, r.ROR, r.CorporateNumber})
}

func (c *csvWriter) listing(r *ListingRecord) error {
	if err := c.writeHeader(listingColumns); err != nil {
		return err
	}
	var partners []string
	for _, p := range r.PartnershipTypes {
		partners = append(partners, string(p))
	}
	deadline := ""
	if r.Deadline != nil {
		deadline = r.Deadline.UTC().Format(time.RFC3339)
	}
	return c.w.Write([]string{r.ExternalID, r.Org, string(r.Side), string(r.Kind), r.Title, r.Summary, r.Body, r.Language,
		joinList(r.Keywords), joinList(r.Fields), joinList(r.Sectors), strconv.Itoa(r.TRL), joinList(r.IP.Patents),
		string(r.IP.Status), joinList(r.IP.Jurisdictions), joinList(partners), joinList(r.TargetCountries),
		strconv.FormatBool(r.Controlled), string(r.Visibility), string(r.Status), deadline})
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

func joinList(v []string) string { return strings.Join(v, ";") }
