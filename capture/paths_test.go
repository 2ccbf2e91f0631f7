package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

// pcapData returns pkts as a pcap or pcapng file.
func pcapData(t testing.TB, pkts []synth.Packet, ng bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if ng {
		err = synth.WritePcapNG(&buf, pkts)
	} else {
		err = synth.WritePcap(&buf, pkts, false)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// captureDir lays out a directory as a sensor's rotation leaves it, with a note and a file
// of a link type borderwatch does not read among the captures. It returns the directory and
// the path of that file.
func captureDir(t *testing.T) (dir, unreadable string) {
	t.Helper()
	pkts := synth.Mixed()
	a, b := synth.Alternate(pkts)
	day := synth.Shifted(pkts, 24*time.Hour)
	hdr := make([]byte, 24) // a pcap header of link type 147 (USER0)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 147)
	dir = t.TempDir()
	unreadable = filepath.Join(dir, "2026-01-15", "radio.pcap")
	files := map[string][]byte{
		"2026-01-15/eth1-a.pcap":      pcapData(t, a, false),
		"2026-01-15/eth1-b.pcapng":    pcapData(t, b, true),
		"2026-01-15/radio.pcap":       hdr,
		"2026-01-16/eth1.pcap.gz":     gzipped(pcapData(t, day, false)),
		"2026-01-16/README.txt":       []byte("rotated hourly by tcpdump -G 3600\n"),
		"2026-01-16/eth1.pcap.gz.md5": []byte("d41d8cd98f00b204e9800998ecf8427e\n"),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, unreadable
}

func TestExpandPaths(t *testing.T) {
	dir, _ := captureDir(t)
	rel := func(files []readPath) []string {
		var out []string
		for _, f := range files {
			r, _ := filepath.Rel(dir, f.path)
			if !f.found {
				r += " (named)"
			}
			out = append(out, r)
		}
		return out
	}
	tests := []struct {
		name    string
		args    []string
		files   []string
		skipped int
		err     string
	}{
		{name: "directory", args: []string{dir},
			files:   []string{"2026-01-15/eth1-a.pcap", "2026-01-15/eth1-b.pcapng", "2026-01-15/radio.pcap", "2026-01-16/eth1.pcap.gz"},
			skipped: 2},
		{name: "pattern", args: []string{filepath.Join(dir, "*", "eth1*")},
			files:   []string{"2026-01-15/eth1-a.pcap", "2026-01-15/eth1-b.pcapng", "2026-01-16/eth1.pcap.gz"},
			skipped: 1},
		{name: "named file and stdin", args: []string{filepath.Join(dir, "2026-01-16/README.txt"), "-"},
			files: []string{"2026-01-16/README.txt (named)", " (named)"}},
		{name: "no match", args: []string{filepath.Join(dir, "*.pcapng")}, err: "no file matches"},
		{name: "no captures", args: []string{filepath.Join(dir, "empty")}, err: "no capture files in this directory"},
		{name: "missing", args: []string{filepath.Join(dir, "nope.pcap")}, err: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, skipped, err := expandPaths(tt.args)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rel(files); !slices.Equal(got, tt.files) {
				t.Errorf("files %q, want %q", got, tt.files)
			}
			if len(skipped) != tt.skipped {
				t.Errorf("skipped %q, want %d", skipped, tt.skipped)
			}
		})
	}
}

// TestReadDirectory reads a directory of captures: the sessions of the two halves of the
// fixture (merged in time order into the same flows as the whole file gives), those of the
// next day's gzip file, and one rejected record for the file of an unknown link type, which
// does not stop the others.
func TestReadDirectory(t *testing.T) {
	dir, unreadable := captureDir(t)
	whole, _, err := runFiles(t, DefaultConfig(), writeFixture(t, "mixed.pcap", synth.Mixed(), false))
	if err != nil {
		t.Fatal(err)
	}
	dead := &memDead{}
	sink := &memSink{}
	src := &FileSource{Paths: []string{dir}, Config: DefaultConfig(), Logger: slog.New(slog.DiscardHandler)}
	p := &borderwatch.Pipeline{Sources: []borderwatch.Source{src}, Sinks: []borderwatch.Sink{sink}, DeadLetter: dead, Logger: slog.New(slog.DiscardHandler)}
	if err := p.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(dead.recs) != 1 || dead.recs[0].Where != unreadable || !strings.Contains(dead.recs[0].Err.Error(), "147") {
		t.Fatalf("dead letters %+v, want one for %s naming link type 147", dead.recs, unreadable)
	}
	ids := func(evs []*borderwatch.Event, shift time.Duration) []string {
		var out []string
		for _, ev := range evs {
			out = append(out, ev.Network.CommunityID+" "+ev.Event.Start.Add(shift).Format(time.RFC3339Nano)+" "+
				ev.Destination.Domain+" "+strconv.FormatUint(ev.Network.Packets, 10))
		}
		slices.Sort(out)
		return out
	}
	var first, second []*borderwatch.Event
	for _, ev := range sink.evs {
		if ev.Event.Start.Before(whole[0].Event.Start.Add(12 * time.Hour)) {
			first = append(first, ev)
		} else {
			second = append(second, ev)
		}
	}
	want := ids(whole, 0)
	if got := ids(first, 0); !slices.Equal(got, want) {
		t.Errorf("first day's sessions differ from the whole file's:\n got %q\nwant %q", got, want)
	}
	if got := ids(second, -24*time.Hour); !slices.Equal(got, want) {
		t.Errorf("second day's sessions differ from the whole file's:\n got %q\nwant %q", got, want)
	}
}
