package elasticsearch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
)

// Extra nodes for fault tests (ports are fixed so that a rerun finds them).
const (
	restartPort = 9253
	faultPort   = 9252
	tlsPort     = 9251
)

// faultNode refuses bodies over 256 KB (413) and has a write pool of one thread with a queue
// of one (429 under concurrency).
func faultNode(t *testing.T) node {
	return startNode(t, "fault", faultPort, faultArgs...)
}

var faultArgs = []string{
	"-E", "http.max_content_length=256kb",
	"-E", "thread_pool.write.size=1",
	"-E", "thread_pool.write.queue_size=1",
}

func sessions(from, n int) []*borderwatch.Event {
	evs := make([]*borderwatch.Event, n)
	for i := range evs {
		evs[i] = sessionEvent(from + i)
	}
	return evs
}

func assertExactlyOnce(t *testing.T, s *Sink, index string, want int) {
	t.Helper()
	if n := count(t, s.Client(), index); n != want {
		t.Errorf("%s holds %d documents, want %d", index, n, want)
	}
	if d := duplicates(t, s.Client(), index); len(d) != 0 {
		t.Errorf("duplicate ids in %s: %v", index, d)
	}
}

func TestNodeStopAndRestartMidStream(t *testing.T) {
	n := startNode(t, "restart", restartPort)
	cfg := testConfig(t, n.url)
	cfg.Spool.Path = t.TempDir()
	cfg.Retry.Attempts = 2
	cfg.BulkMaxDocs = 100
	s := newTestSink(t, cfg)
	ctx := context.Background()
	const batches, size = 20, 250
	restarted := make(chan error, 1)
	for b := range batches {
		switch b {
		case 6:
			runScript(t, "kill", "--name", "restart")
		case 12:
			go func() {
				out, err := exec.Command(script(), "start", "--name", "restart", "--port", strconv.Itoa(restartPort)).CombinedOutput()
				if err != nil {
					err = fmt.Errorf("%w: %s", err, out)
				}
				restarted <- err
			}()
		}
		if err := s.Publish(ctx, sessions(b*size, size)); err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
	}
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if snap.Spooled == 0 {
		t.Fatal("nothing was spooled while the node was down")
	}
	waitFor(t, 2*time.Minute, "the spool to drain", func() bool { return s.spool.Len() == 0 })
	assertExactlyOnce(t, s, cfg.Index.Prefix+"-sessions-*", batches*size)
	snap = s.Snapshot()
	t.Logf("spooled %d, drained %d, acked %d, duplicates %d, retried %d", snap.Spooled, snap.Drained, snap.Acked, snap.Duplicates, snap.Retried)
	if snap.Acked+snap.Duplicates < batches*size {
		t.Errorf("acked %d + duplicates %d < %d", snap.Acked, snap.Duplicates, batches*size)
	}
}

// The helper process publishes into a spool while Elasticsearch is unreachable and prints
// "acked N" after each Publish returns; the test kills it with SIGKILL.
func helperProcess() {
	cfg := DefaultConfig()
	cfg.URLs = []string{os.Getenv("BW_TEST_URL")}
	cfg.Index.Prefix = os.Getenv("BW_TEST_PREFIX")
	cfg.Index.Replicas = 0
	cfg.Spool.Path = os.Getenv("BW_TEST_SPOOL")
	cfg.Retry = RetryConfig{Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Attempts: 1}
	cfg.DialTimeout = time.Second
	s, err := New(context.Background(), cfg, quietLog())
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for b := 0; ; b++ {
		if err := s.Publish(context.Background(), sessions(b*100, 100)); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("acked", (b+1)*100)
	}
}

func TestKill9DuringOutageLosesNothing(t *testing.T) {
	url := esURL(t)
	cfg := testConfig(t, url)
	cfg.Spool.Path = t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "BW_TEST_HELPER=1", "BW_TEST_URL=http://127.0.0.1:1",
		"BW_TEST_PREFIX="+cfg.Index.Prefix, "BW_TEST_SPOOL="+cfg.Spool.Path)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() && acked < 1500 {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "acked "); ok {
			acked, _ = strconv.Atoi(v)
		} else {
			t.Fatalf("helper: %s", line)
		}
	}
	_ = cmd.Process.Kill() // SIGKILL, possibly in the middle of an append
	_ = cmd.Wait()
	if acked < 1500 {
		t.Fatalf("helper acknowledged only %d events", acked)
	}
	// Restart against the real node: the spool drains and every acknowledged event arrives.
	s := newTestSink(t, cfg)
	waitFor(t, 2*time.Minute, "the spool to drain", func() bool { return s.spool.Len() == 0 })
	ids := make([]string, acked)
	for i := range ids {
		ids[i] = sessionEvent(i).DocumentID()
	}
	index := cfg.Index.Prefix + "-sessions-*"
	refresh(t, s.Client(), index)
	var r struct {
		Count int `json:"count"`
	}
	request(t, s.Client(), http.MethodPost, "/"+index+"/_count", map[string]any{"query": map[string]any{"ids": map[string]any{"values": ids}}}, &r)
	if r.Count != acked {
		t.Errorf("%d of %d acknowledged events arrived", r.Count, acked)
	}
	if d := duplicates(t, s.Client(), index); len(d) != 0 {
		t.Errorf("duplicates: %v", d)
	}
	t.Logf("acknowledged before kill -9: %d; drained after restart: %d", acked, s.Snapshot().Drained)
}

func TestTooLargeSplitsBatches(t *testing.T) {
	n := faultNode(t)
	cfg := testConfig(t, n.url)
	cfg.BulkMaxDocs = 2000
	cfg.BulkMaxBytes = 50 << 20
	cfg.DeadLetter.File = filepath.Join(t.TempDir(), "dead.ndjson")
	s := newTestSink(t, cfg)
	evs := sessions(0, 1000)
	huge := sessionEvent(5000)
	huge.Message = strings.Repeat("x", 300<<10) // over http.max_content_length on its own
	evs = append(evs, huge)
	if err := s.Publish(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if snap.Splits == 0 {
		t.Error("no batch was split")
	}
	if snap.DeadLettered != 1 || snap.DeadLetterLost != 0 {
		t.Errorf("dead-lettered %d, lost %d; want 1, 0", snap.DeadLettered, snap.DeadLetterLost)
	}
	b, err := os.ReadFile(cfg.DeadLetter.File)
	if err != nil || !strings.Contains(string(b), "request_entity_too_large") {
		t.Errorf("dead-letter file: %v: %.200s", err, b)
	}
	assertExactlyOnce(t, s, cfg.Index.Prefix+"-sessions-*", 1000)
	t.Logf("requests %d, splits %d", snap.Requests, snap.Splits)
}

func TestTooManyRequestsAreRetried(t *testing.T) {
	n := faultNode(t)
	cfg := testConfig(t, n.url)
	cfg.Workers = 16
	cfg.BulkMaxDocs = 20
	cfg.Retry.Attempts = 50
	s := newTestSink(t, cfg)
	rejected := func() int {
		var r struct {
			Nodes map[string]struct {
				ThreadPool struct {
					Write struct {
						Rejected int `json:"rejected"`
					} `json:"write"`
				} `json:"thread_pool"`
			} `json:"nodes"`
		}
		request(t, s.Client(), http.MethodGet, "/_nodes/stats/thread_pool", nil, &r)
		total := 0
		for _, n := range r.Nodes {
			total += n.ThreadPool.Write.Rejected
		}
		return total
	}
	before := rejected()
	const total = 4000
	for b := 0; b < total; b += 1000 {
		if err := s.Publish(context.Background(), sessions(b, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	got := rejected() - before
	if got == 0 {
		t.Fatal("the node rejected nothing: the test did not provoke 429")
	}
	assertExactlyOnce(t, s, cfg.Index.Prefix+"-sessions-*", total)
	t.Logf("node rejected %d write tasks; sink retried %d documents", got, s.Snapshot().Retried)
}

func TestUnreachableWithoutSpoolFailsClearly(t *testing.T) {
	esURL(t)
	cfg := testConfig(t, "http://127.0.0.1:1")
	cfg.Setup.OnStart = false
	cfg.Retry.Attempts = 2
	s := newTestSink(t, cfg)
	err := s.Publish(context.Background(), sessions(0, 3))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Publish = %v, want ErrUnavailable", err)
	}
}
