package main

import (
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/internal/cli"
)

// commands lists every benchmark that takes flags.
var commands = [][]string{{"beir"}, {"scale"}, {"kpi"}, {"schedule"}, {"screening"}, {"load"}}

var flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// flagNames returns the flags a benchmark's -h lists.
func flagNames(t *testing.T, cmd []string) []string {
	t.Helper()
	r := runCLI(t, nil, "", append(slices.Clone(cmd), "-h")...)
	var names []string
	for _, m := range flagLine.FindAllStringSubmatch(r.stderr+r.stdout, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestEveryFlagFromEnvironment checks that every flag of every benchmark is
// read from KAKEHASHI_<FLAG> (dashes as underscores) through the one
// mechanism the server's flags use too, cli.Env.Parse: each benchmark is
// run with a cancelled context (and a flag it refuses, for load, which
// would otherwise start work before it looks at the context) and the
// variables it looks up are recorded.
func TestEveryFlagFromEnvironment(t *testing.T) {
	t.Chdir(t.TempDir()) // a benchmark that gets further writes nothing in the repository
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z]+) `).FindAllStringSubmatch(usage, -1) {
		if !slices.ContainsFunc(commands, func(c []string) bool { return c[0] == m[1] }) {
			t.Errorf("benchmark %q of the usage text is missing from this test's list", m[1])
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
			e := &Env{cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
				mu.Lock()
				defer mu.Unlock()
				looked[k] = true
				if k == "KAKEHASHI_CLIENTS" {
					return "0" // load: stop at the flag check, before generating data
				}
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
// over its variable and that a bad value names the variable (a usage error,
// exit status 2).
func TestEnvironmentPrecedence(t *testing.T) {
	r := runCLI(t, map[string]string{"KAKEHASHI_LISTINGS": "0"}, "", "scale")
	if r.err == nil || cli.ExitCode(r.err) != 2 || !strings.Contains(r.err.Error(), "--listings") {
		t.Errorf("scale with KAKEHASHI_LISTINGS=0: %v; want the usage error of --listings", r.err)
	}
	r = runCLI(t, map[string]string{"KAKEHASHI_LISTINGS": "0"}, "", "scale", "--listings", "2000", "--queries", "5")
	if r.err != nil || !strings.Contains(r.stdout, "2000") {
		t.Errorf("scale with KAKEHASHI_LISTINGS=0 and --listings 2000: %v\n%s", r.err, r.stdout)
	}
	for key, value := range map[string]string{"KAKEHASHI_CLIENTS": "many", "KAKEHASHI_DURATION": "1 minute", "KAKEHASHI_JSON": "maybe"} {
		r := runCLI(t, map[string]string{key: value}, "", "load")
		if r.err == nil || cli.ExitCode(r.err) != 2 || !strings.Contains(r.err.Error(), key) {
			t.Errorf("load with %s=%q: %v; want a usage error naming the variable", key, value, r.err)
		}
	}
}
