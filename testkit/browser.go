package testkit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium. The tests use the packaged browser
// rather than a downloaded build, because the machines have no internet
// beyond the package mirrors.
const chromiumPath = "/usr/bin/chromium"

// browserTimeout bounds a whole browser session, so a hung page fails the
// test instead of the test binary's -timeout killing everything.
const browserTimeout = 60 * time.Second

// Browser starts a headless Chromium for t and returns a chromedp context
// for its first tab, valid for 60 s. The browser is closed and its profile
// deleted when the test ends. Use it as:
//
//	ctx := testkit.Browser(t)
//	err := chromedp.Do(ctx, chromedp.Navigate(url))
func Browser(t testing.TB) context.Context {
	t.Helper()
	return BrowserFor(t, browserTimeout)
}

// BrowserFor is Browser with a session bound of d, for a journey through
// many pages (keep it a few minutes at most).
func BrowserFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("chromium not installed: run `make test` (it installs it) or apt-get install chromium")
	}
	// TempDir first: cleanups run last-in first-out, so the profile is
	// removed only after the browser below has exited.
	profile := t.TempDir()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		// Tests run as root in containers, where the sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Nothing may reach the network: no QUIC probes, no background
		// fetches, no component or sync updates.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Test servers use throwaway self-signed certificates (https is
		// required for external pop pages and partitioned cookies).
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	// The timeout sits above the allocator, not on a per-action context:
	// chromedp ties the browser's lifetime to the context of its first
	// run, so this bounds the browser process as well as every action.
	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), d)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Cancel closes the browser gracefully; cancelAlloc then waits
		// for the process to exit.
		_ = chromedp.Cancel(ctx)
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	// Start it now, so a browser that cannot start fails here, clearly,
	// rather than in the test's first action.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("testkit: start chromium: %v", err)
	}
	return ctx
}

// Screenshot saves a full-page PNG of the current page as
// <artifacts>/<test name>-<name>.png and logs its path. The directory is
// $SCREENPOP_ARTIFACTS, or var/test-artifacts in the repository.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 = PNG
	if err != nil {
		t.Fatalf("testkit: screenshot %s: %v", name, err)
	}
	dir, err := artifactsDir()
	if err != nil {
		t.Fatalf("testkit: screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("testkit: screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, safeName(t.Name()+"-"+name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("testkit: screenshot %s: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
}

func artifactsDir() (string, error) {
	if dir := os.Getenv("SCREENPOP_ARTIFACTS"); dir != "" {
		return dir, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "var", "test-artifacts"), nil
}

// repoRoot finds the module root by walking up from the working directory,
// which go test sets to the package's directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; set SCREENPOP_ARTIFACTS")
		}
		dir = parent
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeName turns a subtest name such as "TestLogin/bad password" into a
// file name.
func safeName(s string) string {
	return unsafeChars.ReplaceAllString(s, "_")
}
