// Package demo holds Kakehashi's demonstration dataset, written for the
// project: fictional organizations in Japan, the US, the UK and elsewhere,
// their seeds and needs in English and Japanese, and one account per role.
package demo

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/importer"
	"github.com/kakehashi/kakehashi/sqlstore"
)

//go:embed data/organizations.jsonl data/listings.jsonl data/researchers.jsonl
var data embed.FS

// Password is the password of every demo account. The demo is for trying
// the platform out; never load it into a production database.
const Password = "kakehashi-demo"

// Account is a demo user.
type Account struct {
	Email, Name string
	// Org is the external id of the user's organization, "" for none.
	Org          string
	OrgRole      kakehashi.OrgRole
	PlatformRole kakehashi.PlatformRole
}

// Accounts lists the demo users: one per role, on both sides of the market.
func Accounts() []Account {
	return []Account{
		{"admin@kakehashi.example", "Platform Admin", "", "", kakehashi.PlatformAdmin},
		{"coordinator@kakehashi.example", "佐藤 美咲 (Coordinator)", "demo:org:jp-invest-agency", kakehashi.RoleMember, kakehashi.PlatformCoordinator},
		{"tlo@kansai-tech.example", "田中 健一", "demo:org:kansai-tech-tlo", kakehashi.RoleOrgAdmin, ""},
		{"researcher@kansai-tech.example", "山本 彩", "demo:org:kansai-tech-univ", kakehashi.RoleMember, ""},
		{"rd@hoshizora-motors.example", "鈴木 翔太", "demo:org:hoshizora-motors", kakehashi.RoleOrgAdmin, ""},
		{"engineer@minato-seiki.example", "高橋 誠", "demo:org:minato-seiki", kakehashi.RoleMember, ""},
		{"founder@boston-bioventures.example", "Emily Carter", "demo:org:boston-bioventures", kakehashi.RoleOrgAdmin, ""},
		{"cto@cambridge-materials.example", "Oliver Hughes", "demo:org:cambridge-materials", kakehashi.RoleOrgAdmin, ""},
	}
}

// metaKey marks a database the demo was loaded into.
const metaKey = "demo_loaded"

// Result says what Load did.
type Result struct {
	// Loaded is false when the database already had data and was left alone.
	Loaded        bool
	Organizations int
	Listings      int
	Users         int
	Researchers   int
	Consortia     int
	FundingCalls  int
}

// Load fills an empty database with the demo dataset. On a database that
// already holds the demo, or any organization at all, it does nothing: the
// demo must never mix into real data.
func Load(ctx context.Context, db *sqlstore.DB, params auth.Params) (Result, error) {
	if v, err := db.GetMeta(ctx, metaKey); err != nil {
		return Result{}, err
	} else if v != "" {
		return Result{}, nil
	}
	if n, err := db.CountOrganizations(ctx); err != nil {
		return Result{}, err
	} else if n > 0 {
		// Resume a load that was interrupted (the upserts below are
		// idempotent), but never mix the demo into other data.
		if _, err := db.OrganizationByExternalID(ctx, Accounts()[2].Org); err != nil {
			return Result{}, nil
		}
	}
	im := &importer.Importer{DB: db, Actor: kakehashi.SystemActor("demo")}
	var res Result
	for _, name := range []string{"data/organizations.jsonl", "data/listings.jsonl"} {
		b, err := data.ReadFile(name)
		if err != nil {
			return res, err
		}
		if b, err = shiftDeadlines(b, daysSinceWritten(db.Now())); err != nil {
			return res, fmt.Errorf("demo %s: %w", name, err)
		}
		rep, err := im.Import(ctx, bytes.NewReader(b), importer.JSONL)
		if err != nil {
			return res, fmt.Errorf("demo %s: %w", name, err)
		}
		if len(rep.Problems) > 0 {
			return res, fmt.Errorf("demo %s: %v", name, rep.Problems[0])
		}
		res.Organizations += rep.Created[importer.RecordOrganization] + rep.Unchanged[importer.RecordOrganization]
		res.Listings += rep.Created[importer.RecordListing] + rep.Unchanged[importer.RecordListing]
	}
	hash, err := auth.HashPassword(Password, params)
	if err != nil {
		return res, err
	}
	for _, a := range Accounts() {
		if _, err := db.UserByEmail(ctx, a.Email); err == nil {
			continue
		}
		u := &kakehashi.User{Email: a.Email, Name: a.Name, OrgRole: a.OrgRole, PlatformRole: a.PlatformRole, PasswordHash: hash}
		if a.Org != "" {
			o, err := db.OrganizationByExternalID(ctx, a.Org)
			if err != nil {
				return res, fmt.Errorf("demo account %s: %w", a.Email, err)
			}
			u.OrgID = o.ID
		}
		if err := db.CreateUser(ctx, u, kakehashi.SystemActor("demo")); err != nil {
			return res, fmt.Errorf("demo account %s: %w", a.Email, err)
		}
		res.Users++
	}
	if res.Researchers, err = loadResearchers(ctx, db); err != nil {
		return res, err
	}
	if err := loadConsortia(ctx, db, &res); err != nil {
		return res, err
	}
	res.Loaded = true
	return res, db.SetMeta(ctx, metaKey, "1")
}

// written is the day the demo's listings were written: their deadlines are
// as far from the day the demo is loaded as they were from this day, so
// that a demo loaded next year still has open calls for partners.
var written = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// daysSinceWritten counts whole days from written to now (negative before).
func daysSinceWritten(now time.Time) int {
	return int(now.Sub(written).Hours() / 24)
}

// shiftDeadlines moves the deadline of every record in JSON Lines b by days,
// keeping its time of day and its time zone offset.
func shiftDeadlines(b []byte, days int) ([]byte, error) {
	if days == 0 {
		return b, nil
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		var rec map[string]json.RawMessage
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &rec) != nil || rec["deadline"] == nil {
			out.Write(line)
			out.WriteByte('\n')
			continue
		}
		var d string
		if err := json.Unmarshal(rec["deadline"], &d); err != nil || d == "" {
			out.Write(line)
			out.WriteByte('\n')
			continue
		}
		t, err := time.Parse(time.RFC3339, d)
		if err != nil {
			return nil, fmt.Errorf("line %d: deadline %q: %w", n, d, err)
		}
		rec["deadline"], _ = json.Marshal(t.AddDate(0, 0, days).Format(time.RFC3339))
		enc, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out.Write(enc)
		out.WriteByte('\n')
	}
	return out.Bytes(), sc.Err()
}
