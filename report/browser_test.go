package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestBrowserHTML opens each HTML report in a real headless Chromium with the network
// cut off: every request but the page's own file is blocked, and the network is
// emulated offline. It fails on any console error, script exception, log error or
// request other than the page, checks that every chart is drawn (its SVG is laid out
// with a size and holds plotted lines), and keeps a screenshot of the page: in
// $BENCH_TEST_ARTIFACTS when set, else in the test's temporary directory.
func TestBrowserHTML(t *testing.T) {
	browser := chromium(t)
	artifacts := os.Getenv("BENCH_TEST_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range htmlCases() {
		t.Run(tc.name, func(t *testing.T) {
			page := filepath.Join(artifacts, "report-"+tc.name+".html")
			if err := WriteHTML(page, tc.load(t)); err != nil {
				t.Fatal(err)
			}
			abs, err := filepath.Abs(page)
			if err != nil {
				t.Fatal(err)
			}
			load := openOffline(t, browser, fileURL(abs))
			png := strings.TrimSuffix(page, ".html") + ".png"
			if err := os.WriteFile(png, load.shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("page %s, screenshot %s", page, png)
			for _, p := range load.problems {
				t.Error(p)
			}
			var ids []string
			for _, c := range load.charts {
				ids = append(ids, c.ID)
				if c.Width < 300 || c.Height < 100 || c.Lines == 0 || c.Texts == 0 {
					t.Errorf("chart %s is not drawn: %+v", c.ID, c)
				}
			}
			if !slices.Equal(ids, tc.charts) {
				t.Errorf("charts on the page %q, want %q", ids, tc.charts)
			}
		})
	}
}

// TestBrowserCatches checks the checker: a page that asks for something on the
// network, logs an error and throws must fail TestBrowserHTML.
func TestBrowserCatches(t *testing.T) {
	browser := chromium(t)
	page := filepath.Join(t.TempDir(), "bad.html")
	bad := `<!DOCTYPE html><title>bad</title><img src="https://example.invalid/x.png">` +
		`<script>console.error("boom"); null.x</script>`
	if err := os.WriteFile(page, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	load := openOffline(t, browser, fileURL(page))
	all := strings.Join(load.problems, "\n")
	for _, want := range []string{"request for https://example.invalid/x.png", "console.error: \"boom\"", "exception"} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q among:\n%s", want, all)
		}
	}
}

func fileURL(path string) string { return (&url.URL{Scheme: "file", Path: path}).String() }

// chromium finds Debian's chromium. Without it the test is skipped, except in CI
// (CI set), where a browser test that does not run is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const how = "no chromium to open the HTML report in: install it with 'apt-get install -y chromium' (scripts/test does)"
	if os.Getenv("CI") != "" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// pageLoad is what a browser made of a page.
type pageLoad struct {
	// shot is a screenshot (PNG) of the whole page.
	shot   []byte
	charts []chartState
	// problems are the console errors and warnings, exceptions, log errors and
	// requests other than for the page.
	problems []string
}

// openOffline loads pageURL in a new headless browser with every other request
// blocked and the network offline, and reports what it saw.
func openOffline(t *testing.T, browser, pageURL string) pageLoad {
	t.Helper()
	// The least that runs Chromium headless as root in a container: no sandbox (it
	// needs user namespaces), no GPU, and /tmp for shared memory (Docker's /dev/shm is
	// 64 MB).
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	paused := make(chan *fetch.EventRequestPaused, 100)
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				problem("console.%s: %s", ev.Type, consoleArgs(ev.Args))
			}
		case *runtime.EventExceptionThrown:
			problem("exception: %s", (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				problem("log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			if ev.Request.URL != pageURL {
				problem("request for %s", ev.Request.URL)
			}
		case *network.EventLoadingFailed:
			problem("request failed (%s): %s", ev.Type, ev.ErrorText)
		case *fetch.EventRequestPaused:
			select {
			case paused <- ev:
			default:
				problem("too many requests")
			}
		}
	})
	if err != nil {
		t.Fatalf("starting %s: %v", browser, err)
	}
	// Paused requests are let through or failed here: a listener must not run commands.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-paused:
				if ev.Request.URL == pageURL {
					chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
					continue
				}
				problem("blocked a request for %s", ev.Request.URL)
				chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
			}
		}
	}()

	// Every request is paused (Fetch), to be let through only for the page itself; the
	// network is also emulated offline, which a Chromium too old for the command does
	// without (the interception alone keeps the page off the network).
	block := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(ctx, block); err != nil {
		t.Fatalf("cutting the browser off the network: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		t.Logf("no offline emulation (requests are still blocked): %v", err)
	}
	run, cancelRun := context.WithTimeout(ctx, time.Minute)
	defer cancelRun()
	if err := chromedp.Do(run, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("loading %s: %v", pageURL, err)
	}
	drawn, err := chromedp.Run(run, chromedp.Evaluate[[]chartState](chartsDrawn))
	if err != nil {
		t.Fatalf("inspecting the charts: %v", err)
	}
	shot, err := chromedp.Run(run, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	return pageLoad{shot, drawn, slices.Clone(problems)}
}

// chartState is how the browser laid out a chart.
type chartState struct {
	ID     string  `json:"id"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	// Lines are the paths stroked in a colour (not the black of the axes nor the grey
	// of the grid) that the browser drew with a size.
	Lines int `json:"lines"`
	Texts int `json:"texts"`
}

// chartsDrawn runs in the page, from the test: the page itself has no script.
const chartsDrawn = `[...document.querySelectorAll("svg")].map(svg => {
	const box = svg.getBoundingClientRect();
	const lines = [...svg.querySelectorAll("path")].filter(p => {
		const stroke = getComputedStyle(p).stroke;
		if (stroke === "none" || stroke === "rgb(0, 0, 0)" || stroke === "rgb(225, 225, 225)") return false;
		const b = p.getBBox();
		return b.width > 0 || b.height > 0;
	});
	return {id: svg.id, width: box.width, height: box.height, lines: lines.length,
		texts: [...svg.querySelectorAll("text")].filter(t => t.getBBox().width > 0).length};
})`

func consoleArgs(args []*runtime.RemoteObject) string {
	var s []string
	for _, a := range args {
		if len(a.Value) > 0 {
			s = append(s, string(a.Value))
		} else {
			s = append(s, a.Description)
		}
	}
	return strings.Join(s, " ")
}
