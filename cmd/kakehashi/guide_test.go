package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/internal/testwait"
)

const guidePath = "../../docs/DEPLOYMENT.md"

// guideBlock is a fenced block of the deployment guide.
type guideBlock struct {
	line     int
	info, id string
	text     string
}

// guideBlocks parses the fenced blocks of the guide.
func guideBlocks(t *testing.T, path string) []guideBlock {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []guideBlock
	var cur *guideBlock
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &guideBlock{line: i + 1, info: strings.TrimSpace(strings.TrimPrefix(line, "```"))}
			if m := regexp.MustCompile(`\bid=(\S+)`).FindStringSubmatch(cur.info); m != nil {
				cur.id = m[1]
			}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: unterminated block", path, cur.line)
	}
	return out
}

// isCommandBlock reports whether a block holds shell commands.
func isCommandBlock(info string) bool {
	lang, _, _ := strings.Cut(info, " ")
	return slices.Contains([]string{"sh", "bash", "shell", "console", "zsh", ""}, lang)
}

// guideStep is one step of a scenario: a block of the guide, or an action
// standing for what systemd would do ("@start" runs the unit, "@replica"
// runs it again with another address).
type guideStep struct {
	block string
	stdin string
	// inRepo runs the block in the repository checkout (build, install the
	// unit); other blocks run in a scratch working directory.
	inRepo bool
	// check, if set, inspects the block's standard output.
	check func(t *testing.T, g *guideRun, stdout string)
}

// guideScenarios are the orders in which the guide's blocks are run.
var guideScenarios = map[string][]guideStep{
	"sqlite": {
		{block: "build", inRepo: true}, {block: "env-sqlite"}, {block: "load-env"}, {block: "unit", inRepo: true},
		{block: "@start"}, {block: "check", check: wantOutput(`"ready":true`)},
		{block: "admin", stdin: "correct horse battery staple\n"},
		{block: "import", check: searchable},
		{block: "backup-sqlite", check: backupFiles("*.db")}, {block: "restore-sqlite"},
	},
	"postgres": {
		{block: "build", inRepo: true}, {block: "pg-setup"}, {block: "env-postgres"}, {block: "load-env"}, {block: "unit", inRepo: true},
		{block: "migrate"}, {block: "@start"}, {block: "check", check: wantOutput(`"ready":true`)},
		{block: "admin", stdin: "correct horse battery staple\n"},
		{block: "import", check: searchable},
		{block: "pg-connections", check: wantOutput("kakehashi/listen")},
		{block: "@replica"}, {block: "replica-check", check: wantOutput("\n2\n")},
		{block: "backup-postgres", check: backupFiles("*.dump")}, {block: "restore-postgres"},
	},
}

func wantOutput(s string) func(*testing.T, *guideRun, string) {
	return func(t *testing.T, _ *guideRun, out string) {
		t.Helper()
		if !strings.Contains("\n"+out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// searchable checks that the imported listings reached the running
// server's search index.
func searchable(t *testing.T, g *guideRun, _ string) {
	t.Helper()
	if !testwait.Until(10*time.Second, func() bool {
		ids, err := searchIDs(g.servers[0].url, "solid electrolyte")
		return err == nil && len(ids) > 0
	}) {
		t.Error("the imported listings are not searchable on the running server")
	}
}

func backupFiles(pattern string) func(*testing.T, *guideRun, string) {
	return func(t *testing.T, g *guideRun, _ string) {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(g.root, "var", "backups", "kakehashi", pattern))
		if len(files) != 1 {
			t.Errorf("backups %v; want one %s", files, pattern)
		}
	}
}

// guideRun is one scenario's scratch machine.
type guideRun struct {
	root, work, repo string
	env              []string
	replace          *strings.Replacer
	prelude          string
	servers          []*replica
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestDeploymentGuide runs every command block of docs/DEPLOYMENT.md, on
// SQLite and on a throwaway PostgreSQL cluster, and fails when a command
// block is not run by a scenario or names an unknown KAKEHASHI_* variable.
func TestDeploymentGuide(t *testing.T) {
	byID, problems := guideCoverage(guidePath, guideBlocks(t, guidePath), guideScenarios)
	for _, p := range problems {
		t.Error(p)
	}
	checkGuideVariables(t)
	if t.Failed() {
		return
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { runGuideScenario(t, name, byID) })
	}
}

// guideCoverage returns the guide's tested command blocks by id, and the
// problems: a command block not marked as tested, an id used twice, a
// tested block no scenario runs, a scenario step the guide lacks.
func guideCoverage(path string, blocks []guideBlock, scenarios map[string][]guideStep) (map[string]guideBlock, []string) {
	var problems []string
	byID := map[string]guideBlock{}
	for _, b := range blocks {
		if !isCommandBlock(b.info) {
			continue
		}
		if !slices.Contains(strings.Fields(b.info), "tested") || b.id == "" {
			problems = append(problems, fmt.Sprintf("%s:%d: command block %q is not marked `sh tested id=NAME`, so no test runs it", path, b.line, b.info))
			continue
		}
		if _, dup := byID[b.id]; dup {
			problems = append(problems, fmt.Sprintf("%s:%d: block id %s used twice", path, b.line, b.id))
		}
		byID[b.id] = b
	}
	used := map[string]bool{}
	for name, steps := range scenarios {
		for _, s := range steps {
			if strings.HasPrefix(s.block, "@") {
				continue
			}
			if _, ok := byID[s.block]; !ok {
				problems = append(problems, fmt.Sprintf("scenario %s runs block %s, which the guide lacks", name, s.block))
			}
			used[s.block] = true
		}
	}
	for id, b := range byID {
		if !used[id] {
			problems = append(problems, fmt.Sprintf("%s:%d: tested block %s is run by no scenario", path, b.line, id))
		}
	}
	slices.Sort(problems)
	return byID, problems
}

// TestGuideCoverageCheck feeds the coverage check a guide with an unmarked
// command block, an untested block and a missing one.
func TestGuideCoverageCheck(t *testing.T) {
	doc := writeFile(t, "guide.md", "# Guide\n\n```sh\nkakehashi serve\n```\n\n```sh tested id=a\ntrue\n```\n\n```sh tested id=b\ntrue\n```\n\n```nginx\nserver {}\n```\n")
	_, problems := guideCoverage(doc, guideBlocks(t, doc), map[string][]guideStep{"x": {{block: "a"}, {block: "@start"}, {block: "c"}}})
	want := []string{"not marked", "block b is run by no scenario", "runs block c, which the guide lacks"}
	if len(problems) != len(want) {
		t.Fatalf("problems %q; want %d", problems, len(want))
	}
	for _, w := range want {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, w) }) {
			t.Errorf("problems %q lack %q", problems, w)
		}
	}
}

// checkGuideVariables checks that every KAKEHASHI_* variable the guide or
// the unit names is read by some flag (or is one of the few secrets read
// from the environment only).
func checkGuideVariables(t *testing.T) {
	t.Helper()
	known := map[string]bool{"KAKEHASHI_SMTP_PASSWORD": true, "KAKEHASHI_PASSWORD": true}
	for _, cmd := range commands {
		for _, n := range flagNames(t, cmd) {
			known["KAKEHASHI_"+strings.ToUpper(strings.ReplaceAll(n, "-", "_"))] = true
		}
	}
	for _, file := range []string{guidePath, "../../deploy/kakehashi.service"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range regexp.MustCompile(`KAKEHASHI_[A-Z0-9_]*[A-Z0-9]`).FindAllString(string(b), -1) {
			if !known[v] {
				t.Errorf("%s names %s, which no flag reads", file, v)
			}
		}
	}
}

func runGuideScenario(t *testing.T, name string, blocks map[string]guideBlock) {
	root := t.TempDir()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	g := &guideRun{root: root, work: filepath.Join(root, "work"), repo: repo}
	for _, d := range []string{g.work, filepath.Join(root, "usr/local/bin"), filepath.Join(root, "etc/systemd/system"), filepath.Join(root, "var/lib"), filepath.Join(root, "unit")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The guide's import reads organizations.jsonl and listings.jsonl from
	// the working directory: the project's own demo data stands in.
	for _, f := range []string{"organizations.jsonl", "listings.jsonl"} {
		copyFile(t, filepath.Join(repo, "demo", "data", f), filepath.Join(g.work, f))
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAKEHASHI_") && !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "PATH=") {
			g.env = append(g.env, kv)
		}
	}
	g.env = append(g.env, "PATH="+filepath.Join(root, "usr/local/bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	pairs := []string{
		"127.0.0.1:8080", freeAddr(t), "127.0.0.1:8081", freeAddr(t),
		"/usr/local/bin/", filepath.Join(root, "usr/local/bin") + "/",
		"/etc/systemd/system/", filepath.Join(root, "etc/systemd/system") + "/",
		"/etc/kakehashi", filepath.Join(root, "etc/kakehashi"),
		"/var/", filepath.Join(root, "var") + "/",
		"deploy/kakehashi.service", filepath.Join(root, "unit", "kakehashi.service"),
	}
	if name == "postgres" {
		u, err := url.Parse(startCluster(t).AdminURL())
		if err != nil {
			t.Fatal(err)
		}
		g.env = append(g.env, "PGHOST="+u.Hostname(), "PGPORT="+u.Port(), "PGUSER=postgres", "PGDATABASE=postgres")
		pairs = append(pairs, "db.internal:5432", u.Host, "sudo -u postgres ", "")
	}
	g.replace = strings.NewReplacer(pairs...)
	// The unit as it would be on the machine, with its paths mapped.
	unit, err := os.ReadFile(filepath.Join(repo, "deploy", "kakehashi.service"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "unit", "kakehashi.service"), []byte(g.replace.Replace(string(unit))), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range g.servers {
			if s.cmd.ProcessState == nil {
				s.stop(t)
				if !strings.Contains(s.logs.String(), "draining") {
					t.Errorf("%s did not drain on SIGTERM", s.name)
				}
			}
		}
	})
	for _, step := range guideScenarios[name] {
		switch step.block {
		case "@start":
			g.startUnit(t, "kakehashi.service", nil)
			continue
		case "@replica":
			g.startUnit(t, "kakehashi.service (second replica)", []string{"KAKEHASHI_ADDR=" + g.replace.Replace("127.0.0.1:8081")})
			continue
		}
		b := blocks[step.block]
		script := g.replace.Replace(b.text)
		dir := g.work
		if step.inRepo {
			dir = repo
		}
		cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+g.prelude+script)
		cmd.Dir = dir
		cmd.Env = g.env
		cmd.Stdin = strings.NewReader(step.stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s:%d: block %s failed: %v\n--- script\n%s--- stdout\n%s--- stderr\n%s", guidePath, b.line, step.block, err, script, stdout.String(), stderr.String())
		}
		t.Logf("block %s ran in %v", step.block, time.Since(start).Round(time.Millisecond))
		if step.block == "load-env" {
			g.prelude = script
			g.checkShellReadsEnvFile(t)
		}
		if step.check != nil {
			step.check(t, g, stdout.String())
		}
	}
}

// startUnit does what systemd does with the installed unit: create its
// state directory, read its environment file, and run its ExecStart in its
// working directory, with extra variables (as a drop-in would).
func (g *guideRun) startUnit(t *testing.T, name string, extra []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(g.root, "etc/systemd/system/kakehashi.service"))
	if err != nil {
		t.Fatalf("the unit is not installed: %v", err)
	}
	defer f.Close()
	state := filepath.Join(g.root, "var/lib")
	keys := map[string]string{}
	sc := bufio.NewScanner(f)
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && section == "[Service]" && !strings.HasPrefix(line, "#") {
			keys[k] = strings.ReplaceAll(v, "%S", state)
		}
	}
	for _, k := range []string{"ExecStart", "EnvironmentFile", "WorkingDirectory", "StateDirectory"} {
		if keys[k] == "" {
			t.Fatalf("the unit has no %s", k)
		}
	}
	if err := os.MkdirAll(filepath.Join(state, keys["StateDirectory"]), 0o750); err != nil {
		t.Fatal(err)
	}
	envFile, err := os.ReadFile(keys["EnvironmentFile"])
	if err != nil {
		t.Fatalf("EnvironmentFile: %v", err)
	}
	env := slices.Clone(g.env)
	for _, line := range strings.Split(string(envFile), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.ContainsAny(v, `"'`) {
			t.Fatalf("EnvironmentFile line %q: want KEY=value without quotes", line)
		}
		env = append(env, k+"="+v)
	}
	env = append(env, extra...)
	argv := strings.Fields(keys["ExecStart"])
	r := &replica{name: name, logs: &syncBuffer{}}
	r.cmd = exec.Command(argv[0], argv[1:]...)
	r.cmd.Dir = keys["WorkingDirectory"]
	r.cmd.Env = env
	r.cmd.Stderr = r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("ExecStart %v: %v", argv, err)
	}
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			r.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", r.name, r.logs.String())
		}
	})
	r.waitServing(t, 60*time.Second)
	g.servers = append(g.servers, r)
	t.Logf("started %s: %s", name, fmt.Sprint(argv))
}

// checkShellReadsEnvFile checks that the shell, loading the environment file
// as the guide says, sees the same values as systemd (which does not
// interpret & or $, for example).
func (g *guideRun) checkShellReadsEnvFile(t *testing.T) {
	t.Helper()
	file, err := os.ReadFile(filepath.Join(g.root, "etc/kakehashi/kakehashi.env"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+g.prelude+"env")
	cmd.Env = g.env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("load the environment file: %v", err)
	}
	seen := strings.Split(string(out), "\n")
	for _, line := range strings.Split(string(file), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") && !slices.Contains(seen, line) {
			t.Errorf("the shell does not read %q from the environment file as systemd does", line)
		}
	}
}
