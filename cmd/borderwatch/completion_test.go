package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestHelpCoversEveryFlag checks that every command and flag has a usage text, and that the
// manual page mentions each of them.
func TestHelpCoversEveryFlag(t *testing.T) {
	code, man, stderr := runCLI(t, "man")
	if code != exitOK {
		t.Fatalf("man: exit %d: %s", code, stderr)
	}
	app := newApp()
	checkFlags := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			name := f.Names()[0]
			if name == "help" {
				continue
			}
			df, ok := f.(cli.DocGenerationFlag)
			if !ok || strings.TrimSpace(df.GetUsage()) == "" {
				t.Errorf("%s: flag --%s has no usage text", where, name)
			}
			if !strings.Contains(man, `\-\-`+strings.ReplaceAll(name, "-", `\-`)) && !strings.Contains(man, "--"+name) {
				t.Errorf("%s: flag --%s is not in the manual page", where, name)
			}
		}
	}
	checkFlags("borderwatch", app.Flags)
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			where := path + " " + c.Name
			if c.Usage == "" {
				t.Errorf("%s: command has no usage text", where)
			}
			if !strings.Contains(man, c.Name) {
				t.Errorf("%s: command is not in the manual page", where)
			}
			checkFlags(where, c.Flags)
			walk(where, c.Subcommands)
		}
	}
	walk("borderwatch", app.Commands)
	if !strings.Contains(man, ".TH borderwatch 1") {
		t.Errorf("manual page lacks its .TH header:\n%.300s", man)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, tc := range []struct {
		shell, want string
		code        int
	}{
		{"bash", "complete -o bashdefault", exitOK},
		{"zsh", "#compdef borderwatch", exitOK},
		{"fish", "complete -c borderwatch", exitOK},
		{"tcsh", "", exitUsage},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			code, out, stderr := runCLI(t, "completion", tc.shell)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d (want %d), stdout %.200q, stderr %q", code, tc.code, out, stderr)
			}
		})
	}
}

// TestBashCompletionScriptRuns sources the bash script in a real bash and completes a
// command name through a borderwatch binary built from this package.
func TestBashCompletionScriptRuns(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "borderwatch")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	script := filepath.Join(dir, "borderwatch.bash")
	if err := os.WriteFile(script, []byte(bashCompletion), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c",
		`source "$1"; COMP_WORDS=(borderwatch compl); COMP_CWORD=1; _borderwatch_complete; echo "${COMPREPLY[@]}"`, "bash", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != "completion" {
		t.Errorf("completing \"compl\" gave %q, want \"completion\"", out)
	}
}
