// Package foreign decides what a syslog-text parser answers for a line that belongs to
// another program: a refusal that names the format that recognizes it, so that a mixed
// stream (one relay, many devices) hands the line on, or logs.ErrSkip when no format does.
package foreign

import (
	"errors"
	"fmt"

	"github.com/borderwatch/borderwatch/logs"
)

// ErrOtherFormat marks a line that another registered format recognizes. The logs source
// offers refused lines to the format that detects them best.
var ErrOtherFormat = errors.New("line of another format")

// Err returns the error for a line that is not of format: ErrOtherFormat (wrapped, naming
// the other format) when a different registered format detects the line, else logs.ErrSkip
// (wrapped with reason).
func Err(format string, line []byte, reason string) error {
	if f, ok := logs.Detect(line, logs.FrameLines); ok && f.Name != format {
		return fmt.Errorf("%s: %s; the line is %s: %w", format, reason, f.Name, ErrOtherFormat)
	}
	return fmt.Errorf("%s: %s: %w", format, reason, logs.ErrSkip)
}

// Or returns ErrOtherFormat (wrapped, naming the other format) when a different registered
// format detects the line, else err unchanged: for lines that are rejected unless another
// format claims them.
func Or(format string, line []byte, err error) error {
	if f, ok := logs.Detect(line, logs.FrameLines); ok && f.Name != format {
		return fmt.Errorf("%s: %v; the line is %s: %w", format, err, f.Name, ErrOtherFormat)
	}
	return err
}
