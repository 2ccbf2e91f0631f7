package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns the path of a headless Chromium, or skips the test where none is
// installed (scripts/ci/deps-report.sh installs it). In CI a missing browser is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; run scripts/ci/deps-report.sh")
	}
	t.Skip("chromium is not installed; run scripts/ci/deps-report.sh to test the HTML report in a browser")
	return ""
}

func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

func writeSampleHTML(t *testing.T) (string, *Report) {
	t.Helper()
	r := collect(t, DefaultConfig())
	r.Version = "test"
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, r
}

func TestHTMLIsSelfContained(t *testing.T) {
	path, _ := writeSampleHTML(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing may be fetched: no scripts, stylesheets, images or fonts from elsewhere.
	for _, bad := range []string{"<script", "<link", "<img", "@import", "url(http", `src="http`, `href="http`} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("report contains %q", bad)
		}
	}
}

func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromium(t)
	path, r := writeSampleHTML(t)
	dom := string(runChromium(t, bin, "--dump-dom", "file://"+path))

	countries := regexp.MustCompile(`<path class="c[ "]`).FindAllStringIndex(dom, -1)
	if len(countries) < 150 {
		t.Errorf("rendered map has %d country paths, want >= 150", len(countries))
	}
	for _, iso := range []string{"CN", "RU", "KP", "US", "DE"} {
		if !strings.Contains(dom, `data-iso="`+iso+`"`) {
			t.Errorf("rendered map lacks %s", iso)
		}
	}
	if !regexp.MustCompile(`<path class="c seen watched" data-iso="CN"`).MatchString(dom) {
		t.Error("CN is not marked as a watched country with activity")
	}
	arcs := regexp.MustCompile(`<path class="arc (critical|medium)" d="M[0-9.]+ [0-9.]+L`).FindAllString(dom, -1)
	if len(arcs) != len(r.Travels) {
		t.Errorf("rendered %d travel arcs, want %d", len(arcs), len(r.Travels))
	}
	rows := regexp.MustCompile(`<tr class="alert-row" data-id="([^"]+)"`).FindAllStringSubmatch(dom, -1)
	if len(rows) != len(r.Alerts) {
		t.Fatalf("rendered %d alert rows, want %d", len(rows), len(r.Alerts))
	}
	for i, m := range rows {
		if m[1] != r.Alerts[i].ID {
			t.Errorf("alert row %d has id %s, want %s", i, m[1], r.Alerts[i].ID)
		}
	}
	for _, want := range []string{`<div class="timeline" data-user="alice">`, `<table id="watched">`, `<table id="remote">`,
		"teamviewer", `<b id="total-alerts">5</b>`, "Beijing"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
}

// TestHTMLScreenshot renders the page to a PNG and checks that it is not blank. Set
// BORDERWATCH_SCREENSHOT=file.png to keep the picture.
func TestHTMLScreenshot(t *testing.T) {
	bin := chromium(t)
	path, _ := writeSampleHTML(t)
	shot := os.Getenv("BORDERWATCH_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "report.png")
	} else if abs, err := filepath.Abs(shot); err == nil {
		shot = abs
	}
	runChromium(t, bin, "--hide-scrollbars", "--window-size=1400,1800", "--screenshot="+shot, "file://"+path)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 1400 || b.Dy() != 1800 {
		t.Errorf("screenshot is %v", b)
	}
	// The map area must hold many colours (sea, land, dots, arcs), not one flat fill.
	colours := map[uint32]bool{}
	for y := 250; y < 800; y += 3 {
		for x := 40; x < 1360; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("screenshot map area has %d colours; the page did not render", len(colours))
	}
}
