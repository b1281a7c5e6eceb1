package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/sqlstore"
)

func TestExpertsCommand(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := sqlstore.Open(ctx, path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, db, auth.Params{Memory: 64, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	var need int64
	if err := db.SQL().QueryRow(`SELECT id FROM listings WHERE external_id = 'demo:need:0002'`).Scan(&need); err != nil {
		t.Fatal(err)
	}
	db.Close()
	id := strconv.FormatInt(need, 10)

	r := runCLI(t, nil, "", "experts", "--db", path, "--listing", id)
	if r.err != nil || !strings.Contains(r.stdout, "Who could work on need "+id) || !strings.Contains(r.stdout, "1   ") ||
		!strings.Contains(r.stdout, "Maria Gonzalez") || !strings.Contains(r.stdout, "Pacific Coast State University") {
		t.Fatalf("experts table: %v\n%s", r.err, r.stdout)
	}
	r = runCLI(t, nil, "", "experts", "--db", path, "--listing", id, "--country", "gb", "--json")
	var res struct {
		Experts []struct {
			Researcher   struct{ Name string }
			Organization struct{ Country string }
			Explanation  struct{ Terms []json.RawMessage }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Experts) == 0 {
		t.Fatalf("experts --json: %v %v %s", r.err, err, r.stdout)
	}
	for _, x := range res.Experts {
		if x.Organization.Country != "GB" {
			t.Errorf("--country gb let %s (%s) through", x.Researcher.Name, x.Organization.Country)
		}
	}
	for _, args := range [][]string{
		{"experts", "--db", path},
		{"experts", "--db", path, "--listing", id, "--career-stage", "junior"},
		{"experts", "--db", path, "--listing", id, "--open-to", "everything"},
		{"experts", "--db", path, "--listing", id, "extra"},
	} {
		if r := runCLI(t, nil, "", args...); r.err == nil || cli.ExitCode(r.err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, r.err)
		}
	}
	if r := runCLI(t, nil, "", "experts", "--db", path, "--listing", "99999"); r.err == nil || !strings.Contains(r.err.Error(), "not found") {
		t.Errorf("missing listing: %v", r.err)
	}
}
