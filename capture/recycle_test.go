package capture

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/all"
	"github.com/borderwatch/borderwatch/sink/ndjson"
)

// keepingSink is an NDJSON sink that does not say it copies events, so the pipeline gives
// none back: the output as it is without recycling.
type keepingSink struct{ *ndjson.Sink }

func (keepingSink) CopiesEvents() bool { return false }

// Event blocks are given back once written and reused for later flows, and a test binary
// poisons them on return. Alerts (also the suppression summaries built at the end from the
// first alert of a window) and everything else written must be the same as when nothing is
// given back.
func TestRecycledEventsKeepTheirOutput(t *testing.T) {
	if !poisonReturned {
		t.Fatal("test binaries poison the blocks they get back")
	}
	pkts := synth.Mixed()
	g := synth.New(time.Millisecond)
	for i := range 40 { // the same remote-access tool, again and again: one alert, repeats folded
		g.SetTime(synth.Base.Add(time.Hour + time.Duration(i)*time.Minute))
		c := g.TCP(netip.MustParseAddrPort(fmt.Sprintf("10.1.0.14:%d", 40000+i)), netip.MustParseAddrPort("203.0.113.81:5938"), nil)
		c.Handshake().Client(synth.TeamViewerHello()).Server(synth.TeamViewerHello()).Close()
	}
	path := writeFixture(t, "recycle.pcap", append(pkts, g.Packets...), false)

	run := func(copying bool) string {
		var out bytes.Buffer
		var sink borderwatch.Sink = ndjson.New(&out, ndjson.Options{})
		if !copying {
			sink = keepingSink{sink.(*ndjson.Sink)}
		}
		en, err := enrich.New(enrich.DefaultConfig(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer en.Close()
		eng, err := rules.New(rules.DefaultConfig(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		src := &FileSource{Paths: []string{path}, Config: DefaultConfig(), Observer: borderwatch.Observer{Name: "sensor-1"}, Logger: slog.New(slog.DiscardHandler)}
		p := &borderwatch.Pipeline{Sources: []borderwatch.Source{src}, Enrichers: []borderwatch.Enricher{en},
			Rules: []borderwatch.Rule{eng}, Sinks: []borderwatch.Sink{sink}, Logger: slog.New(slog.DiscardHandler),
			QueueSize: 4, BatchSize: 2} // small batches: blocks come back while the file is read
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for blocks.Get().(*eventBlock).text[0] == 0xff { // drain what earlier tests gave back
	}
	kept := run(false)
	if blocks.Get().(*eventBlock).text[0] == 0xff {
		t.Fatal("a block came back although the sink keeps events")
	}
	recycled := run(true)
	if blocks.Get().(*eventBlock).text[0] != 0xff {
		t.Fatal("no block came back through a sink that copies events")
	}
	if !strings.Contains(kept, "suppression_summary") || strings.Count(kept, `"kind":"alert"`) < 3 {
		t.Fatalf("the fixture should raise alerts and fold repeats into a summary:\n%.2000s", kept)
	}
	if recycled != kept {
		gl, kl := strings.Split(recycled, "\n"), strings.Split(kept, "\n")
		for i := range min(len(gl), len(kl)) {
			if gl[i] != kl[i] {
				t.Fatalf("line %d differs with recycling:\ngot  %s\nwant %s", i+1, gl[i], kl[i])
			}
		}
		t.Fatalf("%d lines with recycling, %d without", len(gl), len(kl))
	}
}
