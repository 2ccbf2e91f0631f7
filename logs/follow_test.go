package logs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/logstest"
	"github.com/borderwatch/borderwatch/logs/syslog"
)

// seqFormat is a line format used only by these tests: "seq=<n> <text>".
func init() {
	logs.Register(logs.Format{
		Name:    "seqtest",
		Framing: logs.FrameLines,
		New:     func(logs.Options) (logs.Parser, error) { return seqParser{}, nil },
		Detect: func(rec []byte) int {
			if bytes.HasPrefix(rec, []byte("seq=")) || bytes.Contains(rec, []byte(" seq=")) {
				return 100
			}
			return 0
		},
	})
}

// seqjson is the JSON counterpart: {"seq":<n>,...}.
func init() {
	logs.Register(logs.Format{
		Name:    "seqjson",
		Framing: logs.FrameJSON,
		New:     func(logs.Options) (logs.Parser, error) { return &seqJSON{}, nil },
		Detect: func(rec []byte) int {
			if bytes.HasPrefix(rec, []byte(`{"seq":`)) {
				return 100
			}
			return 0
		},
	})
}

type seqJSON struct{ p fastjson.Parser }

func (s *seqJSON) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	v, err := s.p.ParseBytes(rec.Data)
	if err != nil {
		return err
	}
	n := v.GetInt("seq")
	if n <= 0 {
		return fmt.Errorf("no seq")
	}
	ev := &borderwatch.Event{Timestamp: time.Unix(int64(n), 0).UTC()}
	ev.Event.ID = strconv.Itoa(n)
	emit(ev)
	return nil
}

type seqParser struct{}

func (seqParser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	data := rec.Data
	if len(data) > 0 && data[0] == '<' {
		var hp syslog.Parser
		h, err := hp.Parse(data, rec.Received)
		if err != nil {
			return err
		}
		data = h.Message
	}
	f := bytes.Fields(data)
	if len(f) == 0 || !bytes.HasPrefix(f[0], []byte("seq=")) {
		return fmt.Errorf("not a seq line")
	}
	n, err := strconv.Atoi(string(f[0][4:]))
	if err != nil {
		return err
	}
	ev := &borderwatch.Event{Timestamp: time.Unix(int64(n), 0).UTC()}
	ev.Event.ID = strconv.Itoa(n)
	emit(ev)
	return nil
}

// follower runs a follow-mode source until stopped.
type follower struct {
	cancel context.CancelFunc
	done   chan error
	c      *logstest.Collector
}

func startFollow(t *testing.T, c *logstest.Collector, stateDir string, paths ...string) *follower {
	t.Helper()
	return startFollowEvery(t, c, 20*time.Millisecond, stateDir, paths...)
}

func startFollowEvery(t *testing.T, c *logstest.Collector, poll time.Duration, stateDir string, paths ...string) *follower {
	t.Helper()
	src, err := logs.NewSource(logs.SourceConfig{
		Paths: paths, Follow: true, StateDir: stateDir, PollInterval: poll,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{cancel: cancel, done: make(chan error, 1), c: c}
	go func() { f.done <- src.Run(ctx, c) }()
	return f
}

func (f *follower) stop(t *testing.T) {
	t.Helper()
	f.cancel()
	select {
	case err := <-f.done:
		if err != nil {
			t.Fatalf("follow: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("follow did not stop")
	}
}

// waitFor waits until the collector holds n events.
func waitFor(t *testing.T, c *logstest.Collector, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs, rej := c.Snapshot()
		if len(rej) > 0 {
			t.Fatalf("rejected: %v", rej[0].Error())
		}
		if len(evs) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("saw %d events, want %d", len(evs), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type writer struct {
	t    *testing.T
	path string
	f    *os.File
	next int
}

func (w *writer) open() {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	w.f = f
}

// lines appends n lines; every 7th is written in two parts to exercise partial lines.
func (w *writer) lines(n int) {
	for i := 0; i < n; i++ {
		w.next++
		line := fmt.Sprintf("seq=%d some text for line %d\n", w.next, w.next)
		if w.next%7 == 0 {
			half := len(line) / 2
			w.f.WriteString(line[:half])
			time.Sleep(time.Millisecond)
			w.f.WriteString(line[half:])
			continue
		}
		if _, err := w.f.WriteString(line); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *writer) rotateRename(to string) {
	if err := os.Rename(w.path, to); err != nil {
		w.t.Fatal(err)
	}
	// The application keeps writing to the renamed file for a moment, then reopens.
	w.lines(5)
	w.f.Close()
	w.open()
}

func (w *writer) copyTruncate(to string) {
	src, err := os.Open(w.path)
	if err != nil {
		w.t.Fatal(err)
	}
	dst, err := os.Create(to)
	if err != nil {
		w.t.Fatal(err)
	}
	io.Copy(dst, src)
	src.Close()
	dst.Close()
	if err := w.f.Truncate(0); err != nil {
		w.t.Fatal(err)
	}
}

// checkOnce verifies that events 1..n arrived exactly once each.
func checkOnce(t *testing.T, c *logstest.Collector, n int) {
	t.Helper()
	evs, _ := c.Snapshot()
	seen := make(map[string]int)
	for _, ev := range evs {
		seen[ev.Event.ID]++
	}
	var lost, repeated []int
	for i := 1; i <= n; i++ {
		switch seen[strconv.Itoa(i)] {
		case 0:
			lost = append(lost, i)
		case 1:
		default:
			repeated = append(repeated, i)
		}
	}
	if len(lost) > 0 || len(repeated) > 0 || len(evs) != n {
		t.Fatalf("%d events for %d lines; lost %v; repeated %v", len(evs), n, lost, repeated)
	}
}

// TestFollowRotationAndRestart writes lines while rotating by rename and by copy-truncate,
// stops and restarts the follower (with a rotation while it is stopped), and checks that every
// line arrives exactly once.
func TestFollowRotationAndRestart(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "app.log")
	w := &writer{t: t, path: path}
	w.open()
	defer func() { w.f.Close() }()
	w.lines(100)

	var c logstest.Collector
	f := startFollow(t, &c, state, path)
	waitFor(t, &c, 100)
	w.lines(200)
	w.rotateRename(filepath.Join(dir, "app.log.1"))
	w.lines(100)
	waitFor(t, &c, w.next)

	// copy-truncate: the copy is not followed (it does not match the path).
	w.copyTruncate(filepath.Join(dir, "app.log.copy"))
	w.lines(50)
	waitFor(t, &c, w.next)
	f.stop(t)

	// While stopped: more lines, a rename rotation, and lines in the new file.
	w.lines(40)
	w.rotateRename(filepath.Join(dir, "app.log.2"))
	w.lines(30)
	f = startFollow(t, &c, state, path)
	waitFor(t, &c, w.next)
	w.lines(25)
	waitFor(t, &c, w.next)
	f.stop(t)

	// A restart with nothing new repeats nothing.
	f = startFollow(t, &c, state, path)
	time.Sleep(150 * time.Millisecond)
	f.stop(t)
	checkOnce(t, &c, w.next)
}

// New files matching a glob are picked up while following.
func TestFollowGlobNewFiles(t *testing.T) {
	dir := t.TempDir()
	var c logstest.Collector
	f := startFollow(t, &c, "", filepath.Join(dir, "*.log"))
	defer f.stop(t)
	time.Sleep(50 * time.Millisecond)
	for i, name := range []string{"a.log", "b.log", "c.txt"} {
		content := fmt.Sprintf("seq=%d first\nseq=%d second\n", 2*i+1, 2*i+2)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, &c, 4)
	time.Sleep(100 * time.Millisecond)
	evs, _ := c.Snapshot()
	if len(evs) != 4 {
		t.Fatalf("got %d events, want 4 (c.txt does not match)", len(evs))
	}
}

// An NDJSON file whose first line is still being written is not mistaken for a multi-line
// JSON document (which would be read once and never followed).
func TestFollowPartialFirstLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.ndjson")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(`{"seq":1,"te`)
	var c logstest.Collector
	fl := startFollow(t, &c, "", path)
	defer fl.stop(t)
	time.Sleep(100 * time.Millisecond)
	f.WriteString("xt\":\"x\"}\n")
	f.WriteString(`{"seq":2}` + "\n")
	time.Sleep(100 * time.Millisecond)
	f.WriteString(`{"seq":3}` + "\n")
	waitFor(t, &c, 3)
}

// A file truncated and written past its old size between two polls is noticed by its first
// bytes and read again from the start.
func TestFollowTruncatedAndRegrown(t *testing.T) {
	dir := t.TempDir()
	w := &writer{t: t, path: filepath.Join(dir, "app.log")}
	w.open()
	defer func() { w.f.Close() }()
	w.lines(3)
	var c logstest.Collector
	f := startFollowEvery(t, &c, 400*time.Millisecond, "", w.path)
	defer f.stop(t)
	waitFor(t, &c, 3)
	time.Sleep(50 * time.Millisecond) // just after a poll
	if err := w.f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	w.lines(20) // well past the old offset before the next poll
	waitFor(t, &c, 23)
	time.Sleep(500 * time.Millisecond)
	checkOnce(t, &c, 23)
}

// Records held back while a followed file's format is unknown are neither lost nor kept
// silently: when the format shows up they are parsed; when the follower stops first they are
// rejected, and a restart does not read them again.
func TestFollowHeldRecords(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	known := filepath.Join(dir, "late.log")
	unknown := filepath.Join(dir, "never.log")
	os.WriteFile(known, []byte("banner line one\nbanner line two\n"), 0o644)
	os.WriteFile(unknown, []byte("what is this\nand this\n"), 0o644)

	var c logstest.Collector
	f := startFollow(t, &c, state, filepath.Join(dir, "*.log"))
	time.Sleep(100 * time.Millisecond)
	if evs, rej := c.Snapshot(); len(evs) != 0 || len(rej) != 0 {
		t.Fatalf("before any format is known: %d events, %d rejections", len(evs), len(rej))
	}
	fh, err := os.OpenFile(known, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString("seq=1 now the format is known\n")
	fh.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, rej := c.Snapshot()
		if len(evs) == 1 && len(rej) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d events and %d rejections, want 1 and 2 (the banners, by seqtest)", len(evs), len(rej))
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.stop(t)
	_, rej := c.Snapshot()
	var never, banners int
	for _, r := range rej {
		switch {
		case r.Format == "detect" && strings.HasPrefix(r.Where, unknown+":"):
			never++
		case r.Format == "seqtest" && strings.HasPrefix(r.Where, known+":"):
			banners++
		default:
			t.Errorf("unexpected rejection %s", r.Error())
		}
	}
	if never != 2 || banners != 2 {
		t.Fatalf("rejections: %d from never.log (want 2, at stop), %d banners (want 2)", never, banners)
	}
	// A restart reads nothing again.
	f = startFollow(t, &c, state, filepath.Join(dir, "*.log"))
	time.Sleep(150 * time.Millisecond)
	f.stop(t)
	if evs, rej := c.Snapshot(); len(evs) != 1 || len(rej) != 4 {
		t.Fatalf("after restart: %d events, %d rejections; want 1 and 4", len(evs), len(rej))
	}
}
