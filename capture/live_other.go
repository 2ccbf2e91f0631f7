//go:build !linux

package capture

import (
	"context"
	"errors"

	"github.com/borderwatch/borderwatch"
)

// Run implements borderwatch.Source; live capture needs Linux AF_PACKET.
func (s *LiveSource) Run(ctx context.Context, out borderwatch.Emitter) error {
	return errors.New("capture: live capture needs Linux (AF_PACKET); read files with --read instead")
}
