package logs

import (
	"context"
	"errors"

	"github.com/borderwatch/borderwatch"
)

func (s *Source) follow(ctx context.Context, out borderwatch.Emitter) error {
	return errors.New("follow mode: not built yet")
}
