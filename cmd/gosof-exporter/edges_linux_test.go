package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/promtest"
)

// The exporter's edges, as an adversary (or an unlucky admin) finds them:
// files that never end or block, impossible TLS settings, clients that
// go away, too many clients, signals.

// writeFile writes text to dir/name and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// hostileFiles makes, in dir, the files that must never be read whole: a
// FIFO (open blocks for ever, read too), a sparse file of 64 GiB, and a
// link to /dev/zero (it never ends).
func hostileFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse")
	if err := os.WriteFile(sparse, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sparse, 64<<30); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"a FIFO": fifo, "a sparse file of 64 GiB": sparse, "/dev/zero": zero}
}

// TestExporterBadInput: every bad flag value, file or address stops the
// exporter with one line and exit 2, before it serves anything, and
// without reading what never ends.
func TestExporterBadInput(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	selfSigned(t, dir)
	hostile := hostileFiles(t, dir)
	w := func(name, text string) string { return writeFile(t, dir, name, text) }
	tlsCfg := func(extra string) string {
		return "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n" + extra
	}
	listen := []string{"--web.listen-address", "127.0.0.1:0"}
	type tc struct {
		name string
		args []string
		want string
	}
	cases := []tc{
		{"no address", nil, "needs --web.listen-address"},
		{"empty address", []string{"--web.listen-address", ""}, "--web.listen-address: empty value"},
		{"no port", []string{"--web.listen-address", "127.0.0.1"}, "missing port"},
		{"empty port", []string{"--web.listen-address", "127.0.0.1:"}, "empty port"},
		{"empty host and port", []string{"--web.listen-address", ":"}, "empty port"},
		{"not an address", []string{"--web.listen-address", "nonsense"}, "missing port"},
		{"port out of range", []string{"--web.listen-address", "127.0.0.1:99999"}, "99999"},
		{"address in use", []string{"--web.listen-address", busy.Addr().String()}, "address already in use"},
		{"second address in use", []string{"--web.listen-address", "127.0.0.1:0", "--web.listen-address", busy.Addr().String()}, "address already in use"},
		{"not a local address", []string{"--web.listen-address", "192.0.2.1:25499"}, "cannot assign requested address"},
		{"unknown flag", append(listen, "--web.listen-adress", "x"), "web.listen-adress"},
		{"argument", append(listen, "8080"), "unexpected 8080"},
		{"web config absent", append(listen, "--web.config.file", filepath.Join(dir, "absent.yml")), "no such file"},
		{"web config is a directory", append(listen, "--web.config.file", dir), "not a regular file (a directory)"},
		{"web config malformed", append(listen, "--web.config.file", w("malformed.yml", "tls_server_config: [\n")), "yaml"},
		{"web config unknown key", append(listen, "--web.config.file", w("unknown.yml", "tls_server_confg:\n  cert_file: x\n")), "tls_server_confg"},
		{"web config certificate absent", append(listen, "--web.config.file",
			w("nocert.yml", "tls_server_config:\n  cert_file: /nonexistent/cert.pem\n  key_file: /nonexistent/key.pem\n")), "/nonexistent/cert.pem"},
		{"web config bad hash", append(listen, "--web.config.file", w("badhash.yml", "basic_auth_users:\n  scraper: notabcrypthash\n")), "not a bcrypt hash"},
		{"web config bad header", append(listen, "--web.config.file", w("header.yml", "http_server_config:\n  headers:\n    X-Frame-Options: allow\n")), "X-Frame-Options"},
		{"web config empty name", append(listen, "--web.config.file", ""), "--web.config.file: empty value"},
		// TLS settings no client can ever satisfy.
		{"verified client certificates without a CA", append(listen, "--web.config.file",
			w("noca.yml", tlsCfg("  client_auth_type: RequireAndVerifyClientCert\n"))), "no CA to verify client certificates"},
		{"min_version above max_version", append(listen, "--web.config.file",
			w("versions.yml", tlsCfg("  min_version: TLS13\n  max_version: TLS12\n"))), "min_version TLS13 is above max_version TLS12"},
		{"client CA file without a certificate", append(listen, "--web.config.file",
			w("emptyca.yml", tlsCfg("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: key.pem\n"))), "holds no PEM certificate"},
		{"a rate limit that lets nothing through", append(listen, "--web.config.file",
			w("rate.yml", "rate_limit:\n  interval: 1s\n  burst: 0\n")), "would let no request through"},
		{"telemetry path", append(listen, "--web.telemetry-path", "metrics"), "does not start with /"},
		{"max requests", append(listen, "--web.max-requests=-1"), "negative"},
		{"max series", append(listen, "--max-series=-5"), "negative"},
		// a negative value in its own word is the value, not a flag:
		// kingpin said "expected argument for flag"
		{"max series, a negative value in its own word", append(listen, "--max-series", "-5"), "--max-series: -5 is negative (0 is no limit)"},
		{"max series -5 before a flag", []string{"--max-series", "-5", "--web.listen-address", "127.0.0.1:0"}, "--max-series: -5 is negative (0 is no limit)"},
		{"max requests, a negative value in its own word", append(listen, "--web.max-requests", "-1"), "--web.max-requests: -1 is negative (0 is no limit)"},
		{"max series, a fraction in its own word", append(listen, "--max-series", "-0.5"), `--max-series: "-0.5" is not a whole number`},
		{"max series, a flag where its value should be", append(listen, "--max-series", "--web.disable-exporter-metrics"), "expected argument for flag '--max-series'"},
		// a whole number, in decimal: kingpin's own int took 1.5 for 1
		{"max requests, a fraction", append(listen, "--web.max-requests=1.5"), `--web.max-requests: "1.5" is not a whole number`},
		{"max requests, an exponent", append(listen, "--web.max-requests=1e3"), `--web.max-requests: "1e3" is not a whole number`},
		{"max series empty", append(listen, "--max-series="), `--max-series: "" is not a whole number`},
		// a whole number, too large: it was "not a whole number"; said
		// as gosof metrics says it (cmd/gosof TestArgvDefects)
		{"max series past int", append(listen, "--max-series=99999999999999999999"), `--max-series: "99999999999999999999" is too large`},
		{"max series past int in its own word", append(listen, "--max-series", "-99999999999999999999"), `--max-series: "-99999999999999999999" is too small`},
		// named as gosof names its flags: promslog's "unrecognized log
		// level loud" named none, and an empty value left two spaces
		{"log level", append(listen, "--log.level", "loud"), `--log.level: "loud" is not one of debug, info, warn, error`},
		{"log level empty", append(listen, "--log.level="), `--log.level: "" is not one of debug, info, warn, error`},
		{"log format", append(listen, "--log.format", "xml"), `--log.format: "xml" is not one of logfmt, json`},
		{"netns", append(listen, "--netns", "no-such-namespace-here"), "no-such-namespace-here"},
		{"netns empty", append(listen, "--netns", ""), "--netns: empty value"},
		{"netns and -A", append(listen, "--netns", "1", "-A"), "cannot be combined"},
		{"replay absent", append(listen, "--replay", filepath.Join(dir, "absent")), "absent"},
	}
	for what, p := range hostile {
		cases = append(cases,
			tc{"web config is " + what, append(listen, "--web.config.file", p), p},
			tc{"cert_file is " + what, append(listen, "--web.config.file",
				w("cert-"+filepath.Base(p)+".yml", fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: key.pem\n", p))), "cert_file: " + p},
			tc{"client_ca_file is " + what, append(listen, "--web.config.file",
				w("ca-"+filepath.Base(p)+".yml", tlsCfg(fmt.Sprintf("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n", p)))), "client_ca_file: " + p})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runExporter(t, tc.args...)
			if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, one line with %q", code, out, errOut, tc.want)
			}
		})
	}
}

// peakRSS is a process's peak resident set, in bytes (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

var handshakeRE = regexp.MustCompile(`TLS handshake error`)

// TestExporterWebFilesAtRunTime: the certificate a running exporter reads
// for each new connection is re-pointed at what never ends or blocks. Each
// handshake then fails with one log line, memory stays bounded, nothing is
// left blocked (no goroutine per connection), and when the certificate is
// back, so is the service.
func TestExporterWebFilesAtRunTime(t *testing.T) {
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	hostile := hostileFiles(t, dir)
	cert := filepath.Join(dir, "current.pem")
	if err := os.Symlink("cert.pem", cert); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, dir, "web.yml", "tls_server_config:\n  cert_file: current.pem\n  key_file: key.pem\n")
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--web.config.file", cfg)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	u := "https://" + e.addr + "/metrics"
	goroutines := func() float64 {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("with the certificate back: %v\n%s", err, e.log())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return promtest.Parse(t, string(b))["go_goroutines{}"]
	}
	before := goroutines()
	repoint := func(target string) {
		t.Helper()
		tmp := cert + ".new"
		if err := os.Symlink(target, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cert); err != nil {
			t.Fatal(err)
		}
	}
	const tries = 5
	failed := 0
	for what, p := range hostile {
		repoint(p)
		for i := 0; i < tries; i++ {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", e.addr, &tls.Config{RootCAs: pool})
			if err == nil {
				conn.Close()
				t.Errorf("cert_file is %s: a handshake succeeded", what)
			}
			failed++
		}
		if n := e.waitLog(handshakeRE, failed); n != failed {
			t.Errorf("cert_file is %s: %d handshake errors logged for %d failed handshakes", what, n, failed)
		}
	}
	for _, l := range strings.Split(e.log(), "\n") {
		if strings.Contains(l, "TLS handshake error") && !strings.Contains(l, "cert_file") {
			t.Errorf("a handshake error that does not say why: %s", l)
		}
	}
	repoint("cert.pem")
	if after := goroutines(); after > before+3 {
		t.Errorf("goroutines: %v before, %v after %d failed handshakes: something is left blocked", before, after, failed)
	}
	if rss := peakRSS(t, e.cmd.Process.Pid); rss > 200<<20 {
		t.Errorf("peak RSS %d MiB after reading hostile certificates", rss>>20)
	}
}

// TestExporterBasicAuthConfigAtRunTime: the web config itself turns into
// /dev/zero while the exporter runs: requests are refused (500) with one
// log line each, and memory stays bounded.
func TestExporterBasicAuthConfigAtRunTime(t *testing.T) {
	dir := t.TempDir()
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	good := writeFile(t, dir, "good.yml", fmt.Sprintf("basic_auth_users:\n  scraper: %s\n", hash))
	cfg := filepath.Join(dir, "web.yml")
	if err := os.Symlink(good, cfg); err != nil {
		t.Fatal(err)
	}
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--web.config.file", cfg)
	req, _ := http.NewRequest("GET", "http://"+e.addr+"/metrics", nil)
	req.SetBasicAuth("scraper", "s3cret")
	if code, _ := do(t, http.DefaultClient, req); code != 200 {
		t.Fatalf("status %d", code)
	}
	os.Remove(cfg)
	if err := os.Symlink("/dev/zero", cfg); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if code, _ := do(t, http.DefaultClient, req); code != 500 {
			t.Errorf("web config is /dev/zero: status %d, want 500", code)
		}
	}
	if n := e.waitLog(regexp.MustCompile(`web.config.file cannot be read.*not a regular file`), 3); n != 3 {
		t.Errorf("%d log lines for 3 refused requests:\n%s", n, e.log())
	}
	if rss := peakRSS(t, e.cmd.Process.Pid); rss > 200<<20 {
		t.Errorf("peak RSS %d MiB", rss>>20)
	}
}

// bigWorld makes gathers longer and the exposition larger (listeners of
// this test's own process).
func bigWorld(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
	}
}

var abortRE = regexp.MustCompile(`(?i)(scrape aborted|error encoding and sending)`)

// TestExporterAbortedScrapes: clients that go away in the middle of a
// scrape cost at most one log line each (promhttp alone logs one per
// metric family it could not send).
func TestExporterAbortedScrapes(t *testing.T) {
	bigWorld(t, 1500)
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--max-series", "0")
	const aborted = 8
	for i := 0; i < aborted; i++ {
		c, err := net.Dial("tcp4", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Fprintf(c, "GET /metrics HTTP/1.1\r\nHost: %s\r\n\r\n", e.addr); err != nil {
			t.Fatal(err)
		}
		// The exporter reads the request and gathers; a reset comes
		// before it writes the metrics, and its writes fail.
		time.Sleep(10 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
		e.waitLog(abortRE, 1)
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // anything else it would log
	n := len(abortRE.FindAllString(e.log(), -1))
	if n < 1 || n > aborted {
		t.Errorf("%d aborted scrapes, %d lines about them; want 1 to %d:\n%s", aborted, n, aborted, e.log())
	}
	t.Logf("%d aborted scrapes, %d lines about them", aborted, n)
	// And the next scrape is whole.
	if code, body := get(t, "http://"+e.addr+"/metrics"); code != 200 {
		t.Errorf("status %d", code)
	} else {
		promtest.Parse(t, body)
	}
}

// TestExporterMaxRequests: --web.max-requests 1: scrapes that come while
// one is in flight get 503; the others are served whole.
func TestExporterMaxRequests(t *testing.T) {
	bigWorld(t, 1500)
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--max-series", "0", "--web.max-requests", "1")
	u := "http://" + e.addr + "/metrics"
	var busy, ok int
	for round := 0; round < 5 && busy == 0; round++ {
		// A burst of scrapes at once: all but the first arrive while a
		// gather runs.
		codes := make(chan int, 20)
		var wg sync.WaitGroup
		for i := 0; i < cap(codes); i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Get(u)
				if err != nil {
					codes <- -1
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		for c := range codes {
			switch c {
			case http.StatusServiceUnavailable:
				busy++
			case http.StatusOK:
				ok++
			default:
				t.Errorf("a scrape of the burst: status %d", c)
			}
		}
	}
	if busy == 0 || ok == 0 {
		t.Errorf("bursts of scrapes with --web.max-requests 1: %d served, %d refused with 503; want some of each", ok, busy)
	}
}

// TestExporterSIGHUP: SIGHUP checks the web config and logs the verdict
// in one line; the exporter keeps serving (it used to die, exit 129).
func TestExporterSIGHUP(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "web.yml", "http_server_config:\n  headers:\n    X-Frame-Options: deny\n")
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--web.config.file", cfg)
	u := "http://" + e.addr + "/metrics"
	hup := regexp.MustCompile(`msg="SIGHUP`)
	e.cmd.Process.Signal(syscall.SIGHUP)
	if n := e.waitLog(hup, 1); n != 1 {
		t.Errorf("%d lines about SIGHUP, want 1:\n%s", n, e.log())
	}
	if !strings.Contains(e.log(), "is valid") {
		t.Errorf("SIGHUP with a valid config:\n%s", e.log())
	}
	if code, _ := get(t, u); code != 200 {
		t.Errorf("after SIGHUP: status %d", code)
	}
	// A config gone bad: SIGHUP says so, and the exporter still runs.
	if err := os.WriteFile(cfg, []byte("http_server_config: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cmd.Process.Signal(syscall.SIGHUP)
	if n := e.waitLog(hup, 2); n != 2 {
		t.Errorf("%d lines about SIGHUP, want 2:\n%s", n, e.log())
	}
	if !strings.Contains(e.log(), "not valid") {
		t.Errorf("SIGHUP with a bad config:\n%s", e.log())
	}
	select {
	case <-e.exited:
		t.Fatalf("the exporter died of SIGHUP:\n%s", e.log())
	case <-time.After(200 * time.Millisecond):
	}
}
