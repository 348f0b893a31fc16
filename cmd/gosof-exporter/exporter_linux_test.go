package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/crypto/bcrypt"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/promtest"
	"github.com/gosof/gosof/internal/testhelper"
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/host"
)

// Loopback ports these tests may use for fixed ports (Prometheus's own).
const portLo, portHi = 25000, 25499

// listening is the addresses process pid listens on (TCP), as gosof's
// own backend reads them.
func listening(t *testing.T, pid int) []string {
	t.Helper()
	b, err := host.Open(platform.Options{PIDs: []int{pid}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Resolver().Resolve(&core.Filter{PIDs: []int{pid}, States: []core.State{core.Listen}})
	if err != nil {
		t.Fatal(err)
	}
	var as []string
	for _, s := range res.Sockets {
		as = append(as, net.JoinHostPort(s.Local.Addr.String(), strconv.Itoa(int(s.Local.Port))))
	}
	return as
}

// TestExporterPrometheus is the done-when: a real Prometheus
// scrapes a running gosof-exporter, over TCP and over a socket passed the
// way systemd passes it (fd 3, LISTEN_FDS, LISTEN_PID), and its query API
// answers the number of CLOSE_WAIT connections on a known port; when one
// is released, the next scrape says so.
func TestExporterPrometheus(t *testing.T) {
	if _, err := exec.LookPath("prometheus"); err != nil {
		t.Skip("prometheus not installed (Debian package prometheus; .ci/run installs it)")
	}
	const leaked = 4
	w := promtest.NewWorld(t, leaked, 1, 32)
	tcp := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0")

	// systemd creates the socket and starts the exporter with it as fd 3;
	// LISTEN_PID must be the exporter's own PID, which sh knows before it
	// execs the exporter in its place.
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lf, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	defer lf.Close()
	sock := startExporter(t, func(cmd *exec.Cmd) {
		cmd.Args = append([]string{"sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"`, "sh"}, cmd.Args...)
		cmd.Path = "/bin/sh"
		cmd.ExtraFiles = []*os.File{lf}
	}, "--web.systemd-socket", "--log.level", "debug")
	if sock.addr != lf.Name() && !strings.HasPrefix(lf.Name(), "tcp:") {
		t.Logf("passed %s, the exporter serves %s", lf.Name(), sock.addr)
	}

	prom := promtest.StartPrometheus(t, promtest.FreePort(t, portLo, portHi), fmt.Sprintf(
		"  - job_name: gosof\n    static_configs:\n      - targets: ['%s']\n"+
			"  - job_name: gosof-socket\n    static_configs:\n      - targets: ['%s']\n", tcp.addr, sock.addr))

	for _, job := range []string{"gosof", "gosof-socket"} {
		q := fmt.Sprintf(`gosof_port_connections{job=%q,state="CLOSE_WAIT",port="%d"}`, job, w.Port)
		s := promtest.WaitQuery(t, prom, q, strconv.Itoa(leaked))
		if s.Metric["process"] != promtest.LeakName || s.Metric["proto"] != "tcp" {
			t.Errorf("series labels %v; want process=%s proto=tcp", s.Metric, promtest.LeakName)
		}
		promtest.WaitQuery(t, prom, fmt.Sprintf(`gosof_listen_backlog{job=%q,port="%d"}`, job, w.Port), "32")
		promtest.WaitQuery(t, prom, fmt.Sprintf(`gosof_listen_queue{job=%q,port="%d"}`, job, w.Port), "1")
		promtest.WaitQuery(t, prom, fmt.Sprintf(`gosof_listeners{job=%q,port="%d"}`, job, w.Port), "1")
		promtest.WaitQuery(t, prom, fmt.Sprintf(`up{job=%q}`, job), "1")
		promtest.WaitQuery(t, prom, fmt.Sprintf(`gosof_scrape_error{job=%q}`, job), "0")
		promtest.WaitQuery(t, prom, fmt.Sprintf(`gosof_series_dropped{job=%q}`, job), "0")
		b := promtest.WaitQuery(t, prom, fmt.Sprintf(`gosof_build_info{job=%q}`, job), "1")
		if b.Metric["goversion"] == "" || b.Metric["version"] == "" {
			t.Errorf("gosof_build_info labels %v: want version and goversion", b.Metric)
		}
	}

	// Every scrape gathers afresh: the server closes one leaked socket.
	w.Srv.Do("close %d", w.LeakedFDs[0])
	for _, job := range []string{"gosof", "gosof-socket"} {
		promtest.WaitQuery(t, prom, fmt.Sprintf(`gosof_port_connections{job=%q,state="CLOSE_WAIT",port="%d"}`, job, w.Port), strconv.Itoa(leaked-1))
	}

	// Each listens where it was told and nowhere else.
	if ls := listening(t, tcp.cmd.Process.Pid); len(ls) != 1 || ls[0] != tcp.addr {
		t.Errorf("exporter listens on %v, want only %s", ls, tcp.addr)
	}
	if ls := listening(t, sock.cmd.Process.Pid); len(ls) != 1 || ls[0] != sock.addr {
		t.Errorf("socket-activated exporter listens on %v, want only the passed %s", ls, sock.addr)
	}
}

// TestExporterSystemdSocketMissing: --web.systemd-socket without a socket
// passed (or passed to another process: LISTEN_PID is not ours) stops
// with one line.
func TestExporterSystemdSocketMissing(t *testing.T) {
	for _, env := range [][]string{nil, {"LISTEN_FDS=1", "LISTEN_PID=1"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := command(ctx, "--web.systemd-socket")
		cmd.Env = append(cmd.Env, env...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Run()
		cancel()
		if code := cmd.ProcessState.ExitCode(); code != 2 || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), "no socket was passed") {
			t.Errorf("env %v: exit %d, stderr %q; want 2 and one line", env, code, errb.String())
		}
	}
}

// TestExporterConventions: node_exporter's conventions, as a scraper and
// an admin meet them.
func TestExporterConventions(t *testing.T) {
	t.Run("version", func(t *testing.T) {
		out, errOut, code := runExporter(t, "--version")
		if code != 0 || !strings.HasPrefix(out, "gosof-exporter, version ") || !strings.Contains(out, "go version:") || errOut != "" {
			t.Errorf("--version: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("help", func(t *testing.T) {
		out, _, code := runExporter(t, "--help")
		// (kingpin writes a boolean flag as --[no-]name)
		for _, f := range []string{"web.listen-address", "web.telemetry-path", "web.config.file", "web.systemd-socket",
			"web.disable-exporter-metrics", "web.max-requests", "log.level", "log.format", "version",
			"max-series", "netns", "all-netns", "proc-net", "proc-fd", "replay"} {
			if !strings.Contains(out, f) {
				t.Errorf("--help lacks %s", f)
			}
		}
		if code != 0 {
			t.Errorf("--help: exit %d", code)
		}
	})

	newWorld := promtest.NewWorld(t, 1, 0, 8)
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--log.format", "json")
	u := "http://" + e.addr + "/metrics"
	code, body := get(t, u)
	got := promtest.Parse(t, body)
	if code != 200 || got["gosof_scrape_error{}"] != 0 {
		t.Fatalf("status %d, gosof_scrape_error %v", code, got["gosof_scrape_error{}"])
	}
	newWorld.Check(t, got)
	promtest.Check(t, body)
	for _, prefix := range []string{"gosof_build_info{", "go_goroutines{", "process_resident_memory_bytes{", "promhttp_metric_handler_requests_total{"} {
		if !hasPrefix(got, prefix) {
			t.Errorf("no %s... series", prefix)
		}
	}
	if !strings.Contains(e.log(), `"msg":"Listening on"`) {
		t.Errorf("--log.format json: the log is not JSON:\n%s", e.log())
	}

	t.Run("openmetrics", func(t *testing.T) {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") || !strings.HasSuffix(string(b), "# EOF\n") {
			t.Errorf("asked for OpenMetrics: Content-Type %q, ends %q", ct, tail(string(b)))
		}
		// And the text format for a scraper that does not ask.
		resp, err = http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("no Accept: Content-Type %q, want text/plain", ct)
		}
	})

	t.Run("disable-exporter-metrics", func(t *testing.T) {
		e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--web.disable-exporter-metrics")
		_, body := get(t, "http://"+e.addr+"/metrics")
		got := promtest.Parse(t, body)
		for k := range got {
			if strings.HasPrefix(k, "go_") || strings.HasPrefix(k, "process_") || strings.HasPrefix(k, "promhttp_") {
				t.Errorf("--web.disable-exporter-metrics still serves %s", k)
				break
			}
		}
		if !hasPrefix(got, "gosof_build_info{") || !hasPrefix(got, "gosof_sockets{") {
			t.Errorf("--web.disable-exporter-metrics dropped gosof's own families:\n%s", body)
		}
	})
}

func hasPrefix(m map[string]float64, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func tail(s string) string {
	if len(s) > 40 {
		return s[len(s)-40:]
	}
	return s
}

// TestExporterLandingPage: the landing page prints --web.telemetry-path
// escaped, whatever it holds (for HTML, and for a terminal that curl
// prints the page on), and links only to what is served; a path that
// would be a ServeMux pattern is served as the path it is.
func TestExporterLandingPage(t *testing.T) {
	for _, path := range []string{`/m"><script>alert(1)</script>`, "/a b", "/{x}", "/metrics", "//elsewhere.invalid/m",
		"/m\x1b]0;title\a\x1b[31m\u202e\r\n\xff\u0085"} {
		t.Run(path, func(t *testing.T) {
			e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--web.telemetry-path", path)
			base := "http://" + e.addr
			code, page := get(t, base+"/")
			if code != 200 {
				t.Fatalf("landing page: status %d", code)
			}
			if strings.Contains(page, "<script>") || strings.Contains(page, `"><`) {
				t.Errorf("the landing page prints the path unescaped:\n%s", page)
			}
			if i := strings.IndexFunc(page, func(r rune) bool { return r != '\n' && !unicode.IsPrint(r) }); i >= 0 || !utf8.ValidString(page) {
				t.Errorf("the landing page holds a raw control, format or invalid character (at byte %d):\n%q", i, page)
			}
			links := hrefs(page)
			if len(links) == 0 {
				t.Fatalf("no link on the landing page:\n%s", page)
			}
			for _, l := range links {
				if strings.HasPrefix(l, "http") {
					continue // another site
				}
				// as a browser follows it: "//x/m" is the host x
				ref, err := url.Parse(l)
				if err != nil {
					t.Fatalf("link %q: %v", l, err)
				}
				page, _ := url.Parse(base + "/")
				u := page.ResolveReference(ref)
				if u.Host != e.addr {
					t.Errorf("the landing page links %s, on the host %q, not this exporter's %s", l, u.Host, e.addr)
					continue
				}
				code, body := get(t, u.String())
				if code != 200 {
					t.Errorf("the landing page links %s: status %d", l, code)
				}
				if l != "/" && !strings.Contains(body, "gosof_sockets") {
					t.Errorf("the landing page links %s, which is not the metrics", l)
				}
			}
			if code, _ := get(t, base+"/debug/pprof/"); code != 404 {
				t.Errorf("/debug/pprof/: status %d, want 404", code)
			}
			if code, _ := get(t, base+"/nothing-here"); code != 404 {
				t.Errorf("/nothing-here: status %d, want 404", code)
			}
		})
	}
	// At "/", the metrics take the landing page's place.
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--web.telemetry-path", "/")
	if code, body := get(t, "http://"+e.addr+"/"); code != 200 || !strings.Contains(body, "gosof_sockets") {
		t.Errorf("--web.telemetry-path /: status %d\n%s", code, body)
	}
}

// hrefs is the href values of a page's links, HTML entities decoded.
func hrefs(page string) []string {
	var out []string
	for _, part := range strings.Split(page, `href="`)[1:] {
		v := part[:strings.IndexByte(part, '"')]
		out = append(out, strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(v))
	}
	return out
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// into dir, and returns a pool that trusts it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gosof test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return pool
}

// TestExporterTLSBasicAuth: --web.config.file (exporter-toolkit's format)
// turns on TLS and basic auth.
func TestExporterTLSBasicAuth(t *testing.T) {
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "web.yml")
	web := fmt.Sprintf("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"+
		"http_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  scraper: %s\n", hash)
	if err := os.WriteFile(cfg, []byte(web), 0o600); err != nil {
		t.Fatal(err)
	}
	promtest.NewWorld(t, 1, 0, 8)
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--web.config.file", cfg, "--web.telemetry-path", "/gosof")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	u := "https://" + e.addr + "/gosof"
	for _, tc := range []struct {
		name, user, pass string
		want             int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"wrong password", "scraper", "guess", http.StatusUnauthorized},
		{"unknown user", "admin", "s3cret", http.StatusUnauthorized},
		{"right", "scraper", "s3cret", http.StatusOK},
		{"right again (remembered)", "scraper", "s3cret", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", u, nil)
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tc.want, b)
			}
			if resp.Header.Get("X-Frame-Options") != "deny" {
				t.Errorf("http_server_config.headers not applied: %v", resp.Header)
			}
			if resp.StatusCode == http.StatusOK {
				got := promtest.Parse(t, string(b))
				if got["gosof_scrape_error{}"] != 0 || got["gosof_sockets{proto=tcp,state=LISTEN}"] < 1 {
					t.Errorf("metrics over TLS: scrape_error %v, LISTEN %v", got["gosof_scrape_error{}"], got["gosof_sockets{proto=tcp,state=LISTEN}"])
				}
				promtest.Check(t, string(b))
			} else if strings.Contains(string(b), "gosof_") {
				t.Errorf("metrics served without valid credentials:\n%s", b)
			}
		})
	}
	// Plain HTTP gets no metrics, and a client that does not trust the
	// certificate gets no connection.
	if code, body := get(t, "http://"+e.addr+"/gosof"); code == 200 || strings.Contains(body, "gosof_") {
		t.Errorf("plain HTTP: status %d\n%s", code, body)
	}
	if _, err := http.Get(u); err == nil {
		t.Errorf("a client without the certificate connected")
	}

	// And Prometheus itself, scraping as docs/metrics.md's scrape config says.
	if _, err := exec.LookPath("prometheus"); err != nil {
		t.Log("prometheus not installed: the TLS scrape by Prometheus is not tested")
		return
	}
	pass := filepath.Join(dir, "pass")
	if err := os.WriteFile(pass, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	prom := promtest.StartPrometheus(t, promtest.FreePort(t, portLo, portHi), fmt.Sprintf("  - job_name: gosof-tls\n    metrics_path: /gosof\n    scheme: https\n"+
		"    tls_config: {ca_file: %s}\n    basic_auth: {username: scraper, password_file: %s}\n"+
		"    static_configs:\n      - targets: ['%s']\n", filepath.Join(dir, "cert.pem"), pass, e.addr))
	promtest.WaitQuery(t, prom, `up{job="gosof-tls"}`, "1")
	promtest.WaitQuery(t, prom, `gosof_scrape_error{job="gosof-tls"}`, "0")
}

// TestExporterChurn: scrapes, several at a time, while connections open
// and close as fast as the machine can: every scrape succeeds, parses,
// and no gather fails.
func TestExporterChurn(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	var churn sync.WaitGroup
	var conns int64
	var connsMu sync.Mutex
	for i := 0; i < 4; i++ {
		churn.Add(1)
		go func() {
			defer churn.Done()
			for ctx.Err() == nil {
				c, err := net.Dial("tcp4", l.Addr().String())
				if err != nil {
					continue
				}
				// A reset, not a FIN: no TIME_WAIT piles up for later
				// scrapes (and other tests) to list.
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
				time.Sleep(time.Millisecond) // churn, not a flood: the machine is shared
				connsMu.Lock()
				conns++
				connsMu.Unlock()
			}
		}()
	}
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0")
	var scrapes sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for i := 0; i < 4; i++ {
		scrapes.Add(1)
		go func(i int) {
			defer scrapes.Done()
			for j := 0; j < 8; j++ {
				resp, err := http.Get("http://" + e.addr + "/metrics")
				if err != nil {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("scraper %d, scrape %d: %v", i, j, err))
					mu.Unlock()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				p := expfmt.NewTextParser(model.UTF8Validation)
				mfs, err := p.TextToMetricFamilies(bytes.NewReader(b))
				var msg string
				switch {
				case resp.StatusCode != 200:
					msg = fmt.Sprintf("status %d", resp.StatusCode)
				case err != nil:
					msg = err.Error()
				case mfs["gosof_scrape_error"] == nil || mfs["gosof_scrape_error"].Metric[0].GetGauge().GetValue() != 0:
					msg = "gosof_scrape_error is not 0"
				case mfs["gosof_sockets"] == nil:
					msg = "no gosof_sockets"
				}
				if msg != "" {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("scraper %d, scrape %d: %s", i, j, msg))
					mu.Unlock()
				}
			}
		}(i)
	}
	scrapes.Wait()
	cancel()
	churn.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	// promhttp counts the gathers that failed (duplicate or inconsistent
	// series would): none may have.
	_, body := get(t, "http://"+e.addr+"/metrics")
	got := promtest.Parse(t, body)
	for _, cause := range []string{"encoding", "gathering"} {
		if v := got["promhttp_metric_handler_errors_total{cause="+cause+"}"]; v != 0 {
			t.Errorf("promhttp_metric_handler_errors_total{cause=%q} = %v\n%s", cause, v, e.log())
		}
	}
	if strings.Contains(e.log(), "level=ERROR") {
		t.Errorf("exporter logged errors:\n%s", e.log())
	}
	promtest.Check(t, body)
	t.Logf("%d connections opened and closed during 32 scrapes", conns)
}

// TestExporterGatherFails: the namespace the exporter reads goes away (its
// last process exits): scrapes still answer 200 with gosof_scrape_error 1,
// the exporter logs why and keeps serving.
func TestExporterGatherFails(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	ns := testhelper.Start(t, testhelper.NewNetNS())
	fd := ns.Int("socket inet stream")
	ns.Do("bind %d 127.0.0.1:0", fd)
	ns.Do("listen %d", fd)
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--netns", strconv.Itoa(ns.PID))
	u := "http://" + e.addr + "/metrics"
	code, body := get(t, u)
	if got := promtest.Parse(t, body); code != 200 || got["gosof_scrape_error{}"] != 0 || got["gosof_sockets{proto=tcp,state=LISTEN}"] != 1 {
		t.Fatalf("before: status %d, scrape_error %v, LISTEN %v", code, got["gosof_scrape_error{}"], got["gosof_sockets{proto=tcp,state=LISTEN}"])
	}
	ns.Kill()
	for i := 0; i < 2; i++ { // and it keeps serving
		code, body = get(t, u)
		got := promtest.Parse(t, body)
		if code != 200 || got["gosof_scrape_error{}"] != 1 {
			t.Errorf("after the namespace went: status %d, gosof_scrape_error %v\n%s", code, got["gosof_scrape_error{}"], body)
		}
		if _, ok := got["gosof_sockets{proto=tcp,state=LISTEN}"]; ok {
			t.Errorf("a failed gather still reports sockets")
		}
		if _, ok := got["go_goroutines{}"]; !ok {
			t.Errorf("the exporter's own metrics are gone with the gather")
		}
	}
	if !strings.Contains(e.log(), "gathering sockets failed") {
		t.Errorf("the exporter did not log why:\n%s", e.log())
	}
}

// TestExporterHostileNames: names a process chose to break a terminal or
// a parser with reach the exporter's exposition escaped, in the text and
// the OpenMetrics format, and both parse.
func TestExporterHostileNames(t *testing.T) {
	comm := "\x1b]0;x\x07\"\\\n\xff"
	srv := testhelper.Start(t)
	srv.Do("comm %s", hex.EncodeToString([]byte(comm)))
	fd := srv.Int("socket inet dgram")
	srv.Do("bind %d 127.0.0.1:0", fd)
	port, _ := strconv.Atoi(srv.Do("name %d", fd)[1])
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0")
	_, body := get(t, "http://"+e.addr+"/metrics")
	if strings.ContainsAny(body, "\x1b\x07") {
		t.Errorf("raw control characters in the exposition")
	}
	got := promtest.Parse(t, body)
	k := fmt.Sprintf("gosof_listeners{addr=127.0.0.1,port=%d,process=%s,proto=udp}", port, core.Escape(comm))
	if got[k] != 1 {
		t.Errorf("%q = %v, want 1", k, got[k])
	}
	promtest.Check(t, body)
}

// TestExporterNetNSPinned: --netns PID names a namespace once, at the
// start, as gosof watch does. The process exits and another of that
// namespace stays: the exporter still reads it (it looked PID up again at
// each scrape, and failed, or followed a reused PID elsewhere). The last
// one exits: each scrape fails (gosof_scrape_error 1), with one log line
// saying the namespace is gone.
func TestExporterNetNSPinned(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		t.Skip("nsenter (util-linux) is not installed")
	}
	first := testhelper.Start(t, testhelper.NewNetNS())
	second := testhelper.StartIn(t, []string{"nsenter", "--net=/proc/" + strconv.Itoa(first.PID) + "/ns/net", "--"})
	ports := map[*testhelper.Proc]string{}
	for _, h := range []*testhelper.Proc{first, second} {
		fd := h.Int("socket inet stream")
		h.Do("bind %d 127.0.0.1:0", fd)
		h.Do("listen %d", fd)
		ports[h] = h.Do("name %d", fd)[1]
	}
	e := startExporter(t, nil, "--web.listen-address", "127.0.0.1:0", "--netns", strconv.Itoa(first.PID))
	u := "http://" + e.addr + "/metrics"
	listens := func(body, port string) bool { return strings.Contains(body, `port="`+port+`"`) }
	code, body := get(t, u)
	if promtest.Parse(t, body)["gosof_scrape_error{}"] != 0 || code != 200 || !listens(body, ports[first]) || !listens(body, ports[second]) {
		t.Fatalf("before: status %d, want both listeners (%s, %s)\n%s", code, ports[first], ports[second], body)
	}
	first.Kill()
	code, body = get(t, u)
	if promtest.Parse(t, body)["gosof_scrape_error{}"] != 0 || code != 200 || listens(body, ports[first]) || !listens(body, ports[second]) {
		t.Errorf("after --netns's process exited: status %d, want the namespace still read (%s, not %s)\n%s\n%s", code, ports[second], ports[first], body, e.log())
	}
	second.Kill()
	gone := regexp.MustCompile(`--netns ` + strconv.Itoa(first.PID) + `: the network namespace it named at the start \(net:\[\d+\]\) is gone`)
	for i := 1; i <= 2; i++ {
		code, body = get(t, u)
		if got := promtest.Parse(t, body); code != 200 || got["gosof_scrape_error{}"] != 1 || listens(body, ports[second]) {
			t.Errorf("scrape %d after the namespace went: status %d, gosof_scrape_error %v\n%s", i, code, got["gosof_scrape_error{}"], body)
		}
		if n := e.waitLog(gone, i); n != i {
			t.Errorf("after %d failed scrapes, %d log lines say the namespace is gone, want one each:\n%s", i, n, e.log())
		}
	}
}
