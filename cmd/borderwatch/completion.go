package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: `Prints a script that completes borderwatch's commands and flags. Install it with, e.g.:
   borderwatch completion bash > /etc/bash_completion.d/borderwatch
   borderwatch completion zsh > "${fpath[1]}/_borderwatch"
   borderwatch completion fish > ~/.config/fish/completions/borderwatch.fish`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErrorf("completion: name one shell: bash, zsh or fish")
			}
			return runCompletion(c.App, c.App.Writer, c.Args().First())
		},
	}
}

// runCompletion writes the completion script for shell to w.
func runCompletion(app *cli.App, w io.Writer, shell string) error {
	var script string
	switch shell {
	case "bash":
		script = bashCompletion
	case "zsh":
		script = zshCompletion
	case "fish":
		s, err := app.ToFishCompletion()
		if err != nil {
			return fmt.Errorf("completion: fish: %w", err)
		}
		script = s
	default:
		return usageErrorf("completion: shell %q is not supported: use bash, zsh or fish", shell)
	}
	_, err := io.WriteString(w, script)
	return err
}

func manCommand() *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print the manual page (roff) covering every command and flag",
		Description: `Prints borderwatch(1). View it with: borderwatch man | man -l -
Release archives ship it as borderwatch.1.`,
		Action: func(c *cli.Context) error {
			return runMan(c.App, c.App.Writer)
		},
	}
}

// runMan writes the manual page for app to w.
func runMan(app *cli.App, w io.Writer) error {
	page, err := app.ToManWithSection(1)
	if err != nil {
		return fmt.Errorf("man: %w", err)
	}
	_, err = io.WriteString(w, page)
	return err
}

// These follow urfave/cli's autocomplete scripts: the shell asks borderwatch itself for
// candidates with --generate-bash-completion.
const bashCompletion = `# bash completion for borderwatch
_borderwatch_complete() {
  local cur words cword
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  words=("${COMP_WORDS[@]:0:$COMP_CWORD}")
  local request
  if [[ "$cur" == "-"* ]]; then
    request="${words[*]} ${cur} --generate-bash-completion"
  else
    request="${words[*]} --generate-bash-completion"
  fi
  local opts
  opts=$(eval "${request}" 2>/dev/null)
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
  return 0
}
complete -o bashdefault -o default -o nospace -F _borderwatch_complete borderwatch
`

const zshCompletion = `#compdef borderwatch

_borderwatch() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}

compdef _borderwatch borderwatch
`
