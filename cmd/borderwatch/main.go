// Command borderwatch finds remote workers who hide where they are: it reads VPN and SSO logs
// and packet captures, enriches every event with GeoIP and IP-range knowledge, evaluates
// detection rules and writes ECS documents to the terminal, NDJSON files or Elasticsearch.
//
// Exit codes: 0 success; 1 runtime error; 2 usage or configuration error; 3 alerts at or above
// --fail-on were found (audit); 4 the run finished but some input was rejected.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = "unknown"
)

// Exit codes, documented in the README and in `borderwatch --help`.
const (
	exitOK       = 0
	exitRuntime  = 1
	exitUsage    = 2
	exitAlerts   = 3
	exitBadInput = 4
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args, os.Stdout, os.Stderr))
}

// run executes the CLI with the given streams and maps the outcome to an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp()
	app.Writer, app.ErrWriter = stdout, stderr
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(app.ErrWriter, "borderwatch:", msg)
		}
		return ee.ExitCode()
	}
	fmt.Fprintln(app.ErrWriter, "borderwatch:", err)
	// urfave/cli reports unknown flags and commands as plain errors.
	if isUsageError(err) {
		return exitUsage
	}
	return exitRuntime
}

// exitError carries an exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }
func usageError(err error) error   { return &exitError{code: exitUsage, err: err} }
func usageErrorf(format string, a ...any) error {
	return usageError(fmt.Errorf(format, a...))
}

func newApp() *cli.App {
	app := &cli.App{
		Name:  "borderwatch",
		Usage: "find remote workers who hide where they are, in VPN/SSO logs and network traffic",
		Description: `borderwatch reads authentication logs (Okta, Entra ID, Google Workspace, M365, CloudTrail,
Duo, Cisco ASA/AnyConnect, GlobalProtect, FortiGate, Ivanti/Pulse, OpenSSH, OpenVPN, generic
JSON/CSV) and packet captures, enriches each event with GeoIP city/ASN and VPN/proxy/hosting/Tor
ranges, and raises alerts: logins and egress to watched countries (CN, RU, KP by default),
impossible travel, anonymizer logins, many accounts behind one address, remote-access tools.

Output is a terminal summary of alerts (--output pretty, the default), ECS documents as NDJSON
(--output ndjson) for any SIEM, or Elasticsearch.

Exit codes: 0 ok; 1 runtime error; 2 usage or configuration error; 3 alerts at or above
--fail-on found; 4 finished, but some input was rejected (see the dead-letter file).`,
		Version:              version + " (" + commit + ")",
		EnableBashCompletion: true,
		Flags:                globalFlags(),
		Commands:             commands(),
		ExitErrHandler:       func(*cli.Context, error) {}, // run maps errors to exit codes
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError(err)
		},
	}
	return app
}

// commands lists every subcommand; each lives in its own file.
func commands() []*cli.Command {
	return []*cli.Command{
		logsCommand(),
		captureCommand(),
		auditCommand(),
		lookupCommand(),
		rangesCommand(),
		rulesCommand(),
		stateCommand(),
		esCommand(),
		configCommand(),
		completionCommand(),
		manCommand(),
		versionCommand(),
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print version and commit",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "borderwatch %s (commit %s)\n", version, commit)
			return nil
		},
	}
}

// signalContext returns a context cancelled by the first SIGINT or SIGTERM, so that the
// pipeline drains and flushes; a second signal exits at once with status 130.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-ch
		if !ok {
			return
		}
		fmt.Fprintf(os.Stderr, "borderwatch: %s: draining and flushing (send again to exit at once)\n", sig)
		cancel()
		if _, ok := <-ch; ok {
			fmt.Fprintln(os.Stderr, "borderwatch: exiting at once")
			os.Exit(130)
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}
