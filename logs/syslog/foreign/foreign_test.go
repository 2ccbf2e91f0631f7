package foreign_test

import (
	"errors"
	"testing"

	"github.com/borderwatch/borderwatch/logs"
	_ "github.com/borderwatch/borderwatch/logs/asa"
	_ "github.com/borderwatch/borderwatch/logs/openssh"
	"github.com/borderwatch/borderwatch/logs/syslog/foreign"
)

func TestErr(t *testing.T) {
	sshd := []byte("Nov 22 08:02:11 h sshd[1]: Accepted password for a from 192.0.2.1 port 1 ssh2")
	cron := []byte("Nov 22 08:02:11 h cron[1]: job")
	if err := foreign.Err("asa", sshd, "not ASA"); !errors.Is(err, foreign.ErrOtherFormat) || errors.Is(err, logs.ErrSkip) {
		t.Errorf("sshd line: %v", err)
	}
	if err := foreign.Err("asa", cron, "not ASA"); !errors.Is(err, logs.ErrSkip) {
		t.Errorf("cron line: %v", err)
	}
	// A format never hands a line to itself.
	if err := foreign.Err("openssh", sshd, "x"); !errors.Is(err, logs.ErrSkip) {
		t.Errorf("own line: %v", err)
	}
	base := errors.New("bad")
	if err := foreign.Or("asa", cron, base); err != base {
		t.Errorf("Or kept %v", err)
	}
	if err := foreign.Or("asa", sshd, base); !errors.Is(err, foreign.ErrOtherFormat) {
		t.Errorf("Or: %v", err)
	}
}
