package deadletter

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/borderwatch/borderwatch"
)

func TestWriteKeepsRawAndLocation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dead.ndjson")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	binary := []byte{0xff, 0xfe, 'x', 0}
	recs := []borderwatch.Rejected{
		{Format: "okta", Where: "okta.json:7", Raw: []byte(`{"broken":`), Err: errors.New("unexpected end of JSON")},
		{Format: "asa", Where: "udp://10.0.0.1:514", Raw: binary, Err: errors.New("not syslog")},
	}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ { // concurrent writers must not interleave lines
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Write(recs[i%2]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if d.Count() != 50 {
		t.Errorf("count %d", d.Count())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, sawText, sawBinary := 0, false, false
	for sc.Scan() {
		n++
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d not JSON: %v", n, err)
		}
		switch e.Where {
		case "okta.json:7":
			sawText = e.Raw == `{"broken":` && e.Format == "okta" && e.Error == "unexpected end of JSON" && !e.Time.IsZero()
		case "udp://10.0.0.1:514":
			raw, err := base64.StdEncoding.DecodeString(e.RawBase64)
			sawBinary = err == nil && string(raw) == string(binary) && e.Raw == ""
		}
	}
	if n != 50 || !sawText || !sawBinary {
		t.Errorf("%d lines, text kept %v, binary kept %v", n, sawText, sawBinary)
	}
}

func TestOpenErrorNamesPath(t *testing.T) {
	if _, err := Open("/nonexistent/x/dead.ndjson"); err == nil {
		t.Fatal("no error for an unwritable path")
	}
}
