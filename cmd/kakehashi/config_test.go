package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/internal/cli"
)

// commands lists every command (with its subcommand) that takes flags.
var commands = [][]string{{"serve"}, {"migrate"}, {"user", "add"}, {"import"}, {"export"}, {"search"}, {"match"}, {"experts"},
	{"introductions"}, {"screen", "load"}, {"screen", "check"}, {"backup"}}

var flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// flagNames returns the flags a command's -h lists.
func flagNames(t *testing.T, cmd []string) []string {
	t.Helper()
	r := runCLI(t, nil, "", append(slices.Clone(cmd), "-h")...)
	var names []string
	for _, m := range flagLine.FindAllStringSubmatch(r.stderr+r.stdout, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestEveryFlagFromEnvironment checks that every flag of every command is
// read from KAKEHASHI_<FLAG> (dashes as underscores) through the one
// mechanism, cli.Env.Parse: each command is run with a cancelled context and
// the variables it looks up are recorded.
func TestEveryFlagFromEnvironment(t *testing.T) {
	t.Chdir(t.TempDir()) // a command that gets further writes nothing in the repository
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z]+) `).FindAllStringSubmatch(usage, -1) {
		if !slices.ContainsFunc(commands, func(c []string) bool { return c[0] == m[1] }) {
			t.Errorf("command %q of the usage text is missing from this test's list", m[1])
		}
	}
	for _, cmd := range commands {
		t.Run(strings.Join(cmd, "_"), func(t *testing.T) {
			names := flagNames(t, cmd)
			if len(names) == 0 {
				t.Fatalf("%v -h lists no flags", cmd)
			}
			t.Logf("%d flags", len(names))
			var mu sync.Mutex
			looked := map[string]bool{}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			e := &Env{Env: cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
				mu.Lock()
				defer mu.Unlock()
				looked[k] = true
				return ""
			}}}
			done := make(chan struct{})
			go func() {
				defer close(done)
				e.Run(ctx, cmd)
			}()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatalf("%v did not stop with a cancelled context", cmd)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, n := range names {
				key := "KAKEHASHI_" + strings.ToUpper(strings.ReplaceAll(n, "-", "_"))
				if !looked[key] {
					t.Errorf("%v: flag --%s is not read from %s", cmd, n, key)
				}
			}
		})
	}
}

// TestEnvironmentPrecedence checks that a flag on the command line wins
// over its variable, that a variable applies when the flag is absent, and
// that a bad value names the variable (a usage error, exit status 2).
func TestEnvironmentPrecedence(t *testing.T) {
	dir := t.TempDir()
	fromEnv, fromFlag := filepath.Join(dir, "env.db"), filepath.Join(dir, "flag.db")
	r := runCLI(t, map[string]string{"KAKEHASHI_DB": fromEnv}, "", "migrate")
	if r.err != nil || !strings.Contains(r.stderr, fromEnv) {
		t.Fatalf("migrate with KAKEHASHI_DB: %v\n%s", r.err, r.stderr)
	}
	r = runCLI(t, map[string]string{"KAKEHASHI_DB": fromEnv}, "", "migrate", "--db", fromFlag)
	if r.err != nil || !strings.Contains(r.stderr, fromFlag) {
		t.Fatalf("migrate with KAKEHASHI_DB and --db: %v\n%s", r.err, r.stderr)
	}
	for _, p := range []string{fromEnv, fromFlag} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for key, value := range map[string]string{"KAKEHASHI_MAX_CONNS": "many", "KAKEHASHI_CONN_MAX_LIFETIME": "1 hour", "KAKEHASHI_DEMO": "maybe", "KAKEHASHI_TRUSTED_PROXIES": "proxy.example"} {
		r := runCLI(t, map[string]string{key: value, "KAKEHASHI_DB": fromEnv}, "", "serve")
		if r.err == nil || cli.ExitCode(r.err) != 2 || !strings.Contains(r.err.Error(), key) {
			t.Errorf("serve with %s=%q: %v; want a usage error naming the variable", key, value, r.err)
		}
	}
	if r := runCLI(t, nil, "", "serve", "--db", fromEnv, "--max-idle-conns", "-1"); r.err == nil || cli.ExitCode(r.err) != 2 {
		t.Errorf("negative --max-idle-conns: %v; want a usage error", r.err)
	}
}
