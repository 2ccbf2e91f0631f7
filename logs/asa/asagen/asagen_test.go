package asagen_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/asa"
	"github.com/borderwatch/borderwatch/logs/asa/asagen"
)

func TestWrite(t *testing.T) {
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	var a, b bytes.Buffer
	if err := asagen.Write(&a, 2000, 7, start); err != nil {
		t.Fatal(err)
	}
	if err := asagen.Write(&b, 2000, 7, start); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same seed, different output")
	}
	p, _ := asa.New(logs.Options{})
	lines := bytes.Split(bytes.TrimSuffix(a.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != 2000 {
		t.Fatalf("%d lines", len(lines))
	}
	events, skipped := 0, 0
	for i, l := range lines {
		err := p.Parse(&logs.Record{Data: l, Line: int64(i + 1)}, func(*borderwatch.Event) { events++ })
		switch {
		case errors.Is(err, logs.ErrSkip):
			skipped++
		case err != nil:
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
	}
	if events == 0 || skipped == 0 || events+skipped != len(lines) {
		t.Errorf("%d events, %d skipped of %d lines", events, skipped, len(lines))
	}
}
