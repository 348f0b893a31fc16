//go:build !gccgo

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
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
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/crypto/bcrypt"

	"github.com/gosof/gosof/internal/testhelper"
)

// leakName is the command name of the world's server, so that its
// series are told apart from whatever else this host runs.
const leakName = "cwleak"

// metricsWorld is a server named leakName listening on a new loopback
// port with the given backlog, holding leaked CLOSE_WAIT connections (its
// clients closed, it did not) and pending connections it has not accepted.
type metricsWorld struct {
	srv, cli             *testhelper.Proc
	port, backlog        int
	leaked, pending      int
	leakedFDs, clientFDs []int
}

func newMetricsWorld(t *testing.T, leaked, pending, backlog int) *metricsWorld {
	t.Helper()
	w := &metricsWorld{srv: testhelper.Start(t), cli: testhelper.Start(t), backlog: backlog, leaked: leaked, pending: pending}
	w.srv.Do("comm %s", hex.EncodeToString([]byte(leakName)))
	lfd := w.srv.Int("socket inet stream")
	w.srv.Do("bind %d 127.0.0.1:0", lfd)
	w.srv.Do("listen %d %d", lfd, backlog)
	w.port, _ = strconv.Atoi(w.srv.Do("name %d", lfd)[1])
	addr := fmt.Sprintf("127.0.0.1:%d", w.port)
	for range leaked {
		c, _ := connect(t, w.cli, "inet", addr)
		w.leakedFDs = append(w.leakedFDs, w.srv.Int("accept %d", lfd))
		w.cli.Do("close %d", c)
	}
	for range pending {
		c, _ := connect(t, w.cli, "inet", addr)
		w.clientFDs = append(w.clientFDs, c)
	}
	waitState(t, w.port, "close-wait", leaked)
	return w
}

// parseExposition reads the text format into "name{k=v,...}" -> value,
// the labels sorted; it fails the test on text Prometheus would reject.
func parseExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, text)
	}
	got := map[string]float64{}
	for name, mf := range mfs {
		for _, m := range mf.Metric {
			var ls []string
			for _, l := range m.Label {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(ls)
			k := name + "{" + strings.Join(ls, ",") + "}"
			if _, dup := got[k]; dup {
				t.Errorf("duplicate series %s", k)
			}
			got[k] = m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
		}
	}
	return got
}

// promtoolCheckMetrics runs 'promtool check metrics' (Prometheus's own
// linter) over an exposition.
func promtoolCheckMetrics(t *testing.T, text string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed (Debian package prometheus; .ci/run installs it): exposition not linted")
		return
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func (w *metricsWorld) key(family, state string) string {
	switch family {
	case "gosof_port_connections":
		return fmt.Sprintf("gosof_port_connections{port=%d,process=%s,proto=tcp,state=%s}", w.port, leakName, state)
	}
	return fmt.Sprintf("%s{addr=127.0.0.1,port=%d,process=%s,proto=tcp}", family, w.port, leakName)
}

// check asserts the world's series in an exposition.
func (w *metricsWorld) check(t *testing.T, got map[string]float64) {
	t.Helper()
	unowned := fmt.Sprintf("gosof_port_connections{port=%d,process=,proto=tcp,state=ESTABLISHED}", w.port)
	for k, want := range map[string]float64{
		w.key("gosof_port_connections", "CLOSE_WAIT"): float64(w.leaked),
		// Connections waiting for accept() have no process yet.
		unowned:                           float64(w.pending),
		w.key("gosof_listen_queue", ""):   float64(w.pending),
		w.key("gosof_listen_backlog", ""): float64(w.backlog),
		"gosof_scrape_error{}":            0,
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", k, v, ok, want)
		}
	}
	// The clients' ends have ephemeral local ports, which listen nowhere:
	// no series may name them.
	for k := range got {
		if strings.HasPrefix(k, "gosof_port_connections{") && strings.Contains(k, ",process="+leakName) &&
			!strings.Contains(k, fmt.Sprintf("port=%d,", w.port)) {
			t.Errorf("series for a port that does not listen: %s", k)
		}
	}
	if v := got["gosof_sockets{proto=tcp,state=CLOSE_WAIT}"]; v < float64(w.leaked) {
		t.Errorf("gosof_sockets{proto=tcp,state=CLOSE_WAIT} = %v, want >= %d", v, w.leaked)
	}
}

// TestMetricsText: 'gosof metrics' over a world of known sockets, as
// node_exporter's textfile collector would read it.
func TestMetricsText(t *testing.T) {
	w := newMetricsWorld(t, 3, 2, 16)
	out, errOut, code := gosof(t, "metrics")
	// On a shared host some other process may be out of reach even for
	// root (capabilities gosof lacks, a parent user namespace): that
	// one line is all stderr may say.
	if code != exitMatch || (errOut != "" && (strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "could not be inspected"))) {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing but the unseen line", code, errOut)
	}
	got := parseExposition(t, out)
	w.check(t, got)
	for k := range got {
		if strings.HasPrefix(k, "go_") || strings.HasPrefix(k, "process_") {
			t.Errorf("textfile output has %s: it would clash with node_exporter's own", k)
			break
		}
	}
	promtoolCheckMetrics(t, out)

	// The recipe of docs/metrics.md, as cron would run it: a temporary file
	// renamed into place. The test binary is gosof here (envCLI).
	dir := t.TempDir()
	sh := `"$GOSOF" > "$DIR/gosof.prom.$$" && mv "$DIR/gosof.prom.$$" "$DIR/gosof.prom"`
	cmd := exec.Command("sh", "-c", sh)
	cmd.Env = append(os.Environ(), "GOSOF="+os.Args[0], "DIR="+dir, envCLI+"=metrics")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("recipe: %v\n%s", err, b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "gosof.prom" {
		t.Errorf("textfile directory holds %v, want only gosof.prom", ents)
	}
	b, err := os.ReadFile(filepath.Join(dir, "gosof.prom"))
	if err != nil {
		t.Fatal(err)
	}
	w.check(t, parseExposition(t, string(b)))
}

// TestMetricsSeriesCap: --max-series bounds the per-port series and
// gosof_series_dropped_total says how many were left out.
func TestMetricsSeriesCap(t *testing.T) {
	for range 3 {
		newMetricsWorld(t, 1, 0, 8) // at least 3 listeners: 6 listener series, 3 CLOSE_WAIT series
	}
	perPort := func(m map[string]float64) int {
		n := 0
		for k := range m {
			for _, f := range []string{"gosof_port_connections{", "gosof_listen_queue{", "gosof_listen_backlog{"} {
				if strings.HasPrefix(k, f) {
					n++
				}
			}
		}
		return n
	}
	out, _, code := gosof(t, "metrics", "--max-series", "2")
	if code != exitMatch {
		t.Fatalf("exit %d", code)
	}
	got := parseExposition(t, out)
	// Listeners come first and go in pairs: exactly one listener is kept.
	if n := perPort(got); n != 2 {
		t.Errorf("--max-series 2 kept %d per-port series, want 2:\n%s", n, out)
	}
	if d := got["gosof_series_dropped_total{}"]; d < 7 {
		t.Errorf("gosof_series_dropped_total = %v, want >= 7 (this test's own 2 listeners and 3 CLOSE_WAIT series)", d)
	}
	out, _, _ = gosof(t, "metrics", "--max-series", "0")
	got = parseExposition(t, out)
	if n, d := perPort(got), got["gosof_series_dropped_total{}"]; n < 9 || d != 0 {
		t.Errorf("--max-series 0 kept %d per-port series and dropped %v; want >= 9 and 0", n, d)
	}
	if _, errOut, code := gosof(t, "metrics", "--max-series", "-1"); code != exitError || strings.Count(errOut, "\n") != 1 {
		t.Errorf("--max-series -1: exit %d, stderr %q; want 2 and one line", code, errOut)
	}
}

// exporter is a 'gosof exporter' started by a test.
type exporter struct {
	cmd    *exec.Cmd
	addr   string // host:port it listens on
	mu     sync.Mutex
	stderr bytes.Buffer
	exited chan struct{}
}

var listeningRE = regexp.MustCompile(`msg="Listening on" address=(\S+)`)

// startExporter runs the test binary as 'gosof exporter ARGS...' (envCLI)
// and waits until it says where it listens; it is stopped with SIGTERM
// when the test ends, and must then exit 0.
func startExporter(t *testing.T, args ...string) *exporter {
	t.Helper()
	e := &exporter{exited: make(chan struct{})}
	e.cmd = exec.Command(os.Args[0], "-test.run=^$")
	e.cmd.Env = append(os.Environ(), envCLI+"="+strings.Join(append([]string{"exporter"}, args...), "\x1f"))
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	pr, err := e.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			e.mu.Lock()
			e.stderr.WriteString(sc.Text() + "\n")
			e.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
		close(e.exited)
	}()
	t.Cleanup(func() {
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		err := e.cmd.Wait()
		if err != nil {
			t.Errorf("exporter after SIGTERM: %v\n%s", err, e.log())
		}
	})
	select {
	case e.addr = <-addrc:
	case <-e.exited:
		t.Fatalf("exporter exited before listening:\n%s", e.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("exporter never said where it listens:\n%s", e.log())
	}
	return e
}

func (e *exporter) log() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stderr.String()
}

// scrape GETs url and returns the status and body.
func scrape(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return scrape(t, http.DefaultClient, req)
}

// freePortIn returns a loopback TCP port of 48000-48999 that was free a
// moment ago (the range tests may use for fixed ports).
func freePortIn(t *testing.T) int {
	t.Helper()
	base := 48000 + os.Getpid()%1000
	for i := range 1000 {
		p := 48000 + (base-48000+i)%1000
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port in 48000-48999")
	return 0
}

// startPrometheus runs a real Prometheus server on loopback with a temp
// config and storage, and returns its base URL once it is ready.
func startPrometheus(t *testing.T, scrapeConfig string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed (Debian package prometheus; .ci/run installs it)")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	conf := "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n" + scrapeConfig
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePortIn(t))
	var logb bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logb, &logb
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(90 * time.Second); ; {
		select {
		case <-done:
			t.Fatalf("prometheus exited:\n%s", logb.String())
		default:
		}
		if resp, err := http.Get(base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready:\n%s", logb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// promSample is one series of an instant query's answer.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query asks Prometheus's HTTP API for an instant vector.
func query(t *testing.T, base, q string) []promSample {
	t.Helper()
	_, body := get(t, base+"/api/v1/query?query="+url.QueryEscape(q))
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v %s\n%s", q, err, r.Error, body)
	}
	return r.Data.Result
}

// waitQuery polls Prometheus until q answers one series of value want
// (scrapes come every second); it returns the series.
func waitQuery(t *testing.T, base, q, want string) promSample {
	t.Helper()
	var got []promSample
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got = query(t, base, q)
		if len(got) == 1 && got[0].Value[1] == want {
			return got[0]
		}
	}
	t.Fatalf("Prometheus: %s = %v, want one series of value %s", q, got, want)
	return promSample{}
}

// TestExporterPrometheus is the done-when: a real Prometheus
// scrapes a running 'gosof exporter' and its query API answers the
// number of CLOSE_WAIT connections on a known port; when one is released,
// the next scrape says so.
func TestExporterPrometheus(t *testing.T) {
	if _, err := exec.LookPath("prometheus"); err != nil {
		t.Skip("prometheus not installed (Debian package prometheus; .ci/run installs it)")
	}
	const leaked = 4
	w := newMetricsWorld(t, leaked, 1, 32)
	e := startExporter(t, "--web.listen-address", "127.0.0.1:0")
	prom := startPrometheus(t, fmt.Sprintf("  - job_name: gosof\n    static_configs:\n      - targets: ['%s']\n", e.addr))

	q := fmt.Sprintf(`gosof_port_connections{state="CLOSE_WAIT",port="%d"}`, w.port)
	s := waitQuery(t, prom, q, strconv.Itoa(leaked))
	if s.Metric["process"] != leakName || s.Metric["proto"] != "tcp" || s.Metric["job"] != "gosof" {
		t.Errorf("series labels %v; want process=%s proto=tcp job=gosof", s.Metric, leakName)
	}
	waitQuery(t, prom, fmt.Sprintf(`gosof_listen_backlog{port="%d"}`, w.port), "32")
	waitQuery(t, prom, fmt.Sprintf(`gosof_listen_queue{port="%d"}`, w.port), "1")
	waitQuery(t, prom, `up{job="gosof"}`, "1")
	waitQuery(t, prom, `gosof_scrape_error{job="gosof"}`, "0")

	// Every scrape gathers afresh: the server closes one leaked socket.
	w.srv.Do("close %d", w.leakedFDs[0])
	waitQuery(t, prom, q, strconv.Itoa(leaked-1))

	// The exporter listens where it was told and nowhere else.
	pid := strconv.Itoa(e.cmd.Process.Pid)
	ls := gosofJSON(t, "ls", "--listen", "--pid", pid)
	if len(ls) != 1 || ls[0].Local.Addr+":"+strconv.Itoa(ls[0].Local.Port) != e.addr {
		t.Errorf("exporter %s listens on %v, want only %s", pid, rows(ls), e.addr)
	}
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
	web := fmt.Sprintf("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  scraper: %s\n", hash)
	if err := os.WriteFile(cfg, []byte(web), 0o600); err != nil {
		t.Fatal(err)
	}
	newMetricsWorld(t, 1, 0, 8)
	e := startExporter(t, "--web.listen-address", "127.0.0.1:0", "--web.config.file", cfg, "--web.telemetry-path", "/gosof")
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", u, nil)
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			code, body := scrape(t, client, req)
			if code != tc.want {
				t.Fatalf("status %d, want %d\n%s", code, tc.want, body)
			}
			if code == http.StatusOK {
				got := parseExposition(t, body)
				if got["gosof_scrape_error{}"] != 0 || got["gosof_sockets{proto=tcp,state=LISTEN}"] < 1 {
					t.Errorf("metrics over TLS: scrape_error %v, LISTEN %v", got["gosof_scrape_error{}"], got["gosof_sockets{proto=tcp,state=LISTEN}"])
				}
				promtoolCheckMetrics(t, body)
			} else if strings.Contains(body, "gosof_") {
				t.Errorf("metrics served without valid credentials:\n%s", body)
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
	prom := startPrometheus(t, fmt.Sprintf("  - job_name: gosof-tls\n    metrics_path: /gosof\n    scheme: https\n"+
		"    tls_config: {ca_file: %s}\n    basic_auth: {username: scraper, password_file: %s}\n"+
		"    static_configs:\n      - targets: ['%s']\n", filepath.Join(dir, "cert.pem"), pass, e.addr))
	waitQuery(t, prom, `up{job="gosof-tls"}`, "1")
	waitQuery(t, prom, `gosof_scrape_error{job="gosof-tls"}`, "0")
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
	for range 4 {
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
	e := startExporter(t, "--web.listen-address", "127.0.0.1:0")
	var scrapes sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for i := range 4 {
		scrapes.Add(1)
		go func(i int) {
			defer scrapes.Done()
			for j := range 8 {
				resp, err := http.Get("http://" + e.addr + "/metrics")
				if err != nil {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("scraper %d, scrape %d: %v", i, j, err))
					mu.Unlock()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				p := expfmt.NewTextParser(model.LegacyValidation)
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
	got := parseExposition(t, body)
	for _, cause := range []string{"encoding", "gathering"} {
		if v := got["promhttp_metric_handler_errors_total{cause="+cause+"}"]; v != 0 {
			t.Errorf("promhttp_metric_handler_errors_total{cause=%q} = %v\n%s", cause, v, e.log())
		}
	}
	if strings.Contains(e.log(), "level=ERROR") {
		t.Errorf("exporter logged errors:\n%s", e.log())
	}
	promtoolCheckMetrics(t, body)
	t.Logf("%d connections opened and closed during 32 scrapes", conns)
}

// runCLIProcess runs the test binary as gosof with args in a process of
// its own (a command that wrongly starts serving would otherwise hang
// the test), and returns its output and exit code.
func runCLIProcess(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envCLI+"="+strings.Join(args, "\x1f"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("gosof %s still running after 60s: it should have refused", strings.Join(args, " "))
	}
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestExporterBadInput: every bad flag value stops the exporter with one
// line and exit 2, before it serves anything.
func TestExporterBadInput(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	malformed := write("malformed.yml", "tls_server_config: [\n")
	unknownKey := write("unknown.yml", "tls_server_confg:\n  cert_file: x\n")
	noCert := write("nocert.yml", "tls_server_config:\n  cert_file: /nonexistent/cert.pem\n  key_file: /nonexistent/key.pem\n")
	badHash := write("badhash.yml", "basic_auth_users:\n  scraper: notabcrypthash\n")
	listen := []string{"--web.listen-address", "127.0.0.1:0"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no address", nil, "needs --web.listen-address"},
		{"empty address", []string{"--web.listen-address", ""}, "--web.listen-address: empty value"},
		{"no port", []string{"--web.listen-address", "127.0.0.1"}, "missing port"},
		{"not an address", []string{"--web.listen-address", "nonsense"}, "missing port"},
		{"port out of range", []string{"--web.listen-address", "127.0.0.1:99999"}, "99999"},
		{"address in use", []string{"--web.listen-address", busy.Addr().String()}, "address already in use"},
		{"second address in use", []string{"--web.listen-address", "127.0.0.1:0", "--web.listen-address", busy.Addr().String()}, "address already in use"},
		{"not a local address", []string{"--web.listen-address", "192.0.2.1:48555"}, "cannot assign requested address"},
		{"web config absent", append(listen, "--web.config.file", filepath.Join(dir, "absent.yml")), "no such file"},
		{"web config is a directory", append(listen, "--web.config.file", dir), "is a directory"},
		{"web config malformed", append(listen, "--web.config.file", malformed), "yaml"},
		{"web config unknown key", append(listen, "--web.config.file", unknownKey), "tls_server_confg"},
		{"web config certificate absent", append(listen, "--web.config.file", noCert), "/nonexistent/cert.pem"},
		{"web config bad hash", append(listen, "--web.config.file", badHash), "--web.config.file"},
		{"web config empty name", append(listen, "--web.config.file", ""), "--web.config.file: empty value"},
		{"telemetry path", append(listen, "--web.telemetry-path", "metrics"), "does not start with /"},
		{"max series", append(listen, "--max-series", "-5"), "negative"},
		{"argument", append(listen, "8080"), "takes no arguments"},
		{"netns", append(listen, "--netns", "no-such-namespace-here"), "no-such-namespace-here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLIProcess(t, append([]string{"exporter"}, tc.args...)...)
			if code != exitError || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, one line with %q", code, out, errOut, tc.want)
			}
		})
	}
}

// TestMetricsAllNetns: with -A the same port in two namespaces is two
// sets of series, told apart by the netns label; without -A only this
// namespace is read.
func TestMetricsAllNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	host := newMetricsWorld(t, 1, 0, 8)
	ns := testhelper.Start(t, testhelper.NewNetNS())
	ns.Do("comm %s", hex.EncodeToString([]byte(leakName)))
	lfd, _ := listen(t, ns, "inet", fmt.Sprintf("127.0.0.1:%d", host.port))
	// Two CLOSE_WAIT sockets inside the namespace, from its own client.
	for range 2 {
		c := ns.Int("socket inet stream")
		ns.Do("connect %d 127.0.0.1:%d", c, host.port)
		ns.Int("accept %d", lfd)
		ns.Do("close %d", c)
	}
	hostNS, otherNS := netnsOf(t, os.Getpid()), netnsOf(t, ns.PID)
	key := func(netns uint64) string {
		return fmt.Sprintf("gosof_port_connections{container=,netns=%d,port=%d,process=%s,proto=tcp,state=CLOSE_WAIT}", netns, host.port, leakName)
	}
	var got map[string]float64
	for range 100 { // the namespace's CLOSE_WAIT takes a moment to appear
		out, errOut, code := gosof(t, "metrics", "-A")
		if code != exitMatch {
			t.Fatalf("metrics -A: exit %d: %s", code, errOut)
		}
		if got = parseExposition(t, out); got[key(otherNS)] == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got[key(hostNS)] != 1 || got[key(otherNS)] != 2 {
		t.Errorf("-A: %s = %v, %s = %v; want 1 and 2", key(hostNS), got[key(hostNS)], key(otherNS), got[key(otherNS)])
	}
	backlog := fmt.Sprintf("gosof_listen_backlog{addr=127.0.0.1,container=,netns=%d,port=%d,process=%s,proto=tcp}", otherNS, host.port, leakName)
	if got[backlog] != 128 {
		t.Errorf("-A: %s = %v, want 128", backlog, got[backlog])
	}
	out, _, _ := gosof(t, "metrics")
	if v := parseExposition(t, out)[host.key("gosof_port_connections", "CLOSE_WAIT")]; v != 1 {
		t.Errorf("without -A: CLOSE_WAIT on %d = %v, want 1 (this namespace only)", host.port, v)
	}
}

// TestMetricsUnseen: run as nobody, gosof cannot read root's descriptors:
// the world's CLOSE_WAIT sockets count with process="", the unseen
// processes are a metric, and stderr says once what could not be seen.
func TestMetricsUnseen(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run gosof as another user")
	}
	w := newMetricsWorld(t, 2, 0, 8) // held by root
	cmd := exec.Command(testhelper.Executable(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), envCLI+"=metrics")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("gosof metrics as nobody: %v\n%s", err, errOut.String())
	}
	got := parseExposition(t, out.String())
	unowned := fmt.Sprintf("gosof_port_connections{port=%d,process=,proto=tcp,state=CLOSE_WAIT}", w.port)
	if got[unowned] != 2 {
		t.Errorf("%s = %v, want 2", unowned, got[unowned])
	}
	if _, named := got[w.key("gosof_port_connections", "CLOSE_WAIT")]; named {
		t.Errorf("nobody named the holder of root's sockets")
	}
	if got["gosof_unseen_processes{}"] < 2 { // at least the world's server and client
		t.Errorf("gosof_unseen_processes = %v, want >= 2", got["gosof_unseen_processes{}"])
	}
	if n := strings.Count(errOut.String(), "could not be inspected"); n != 1 || strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("stderr should say once what could not be seen:\n%s", errOut.String())
	}
}

// TestExporterGatherFails: the namespace the exporter reads goes away (its
// last process exits): scrapes still answer 200 with gosof_scrape_error 1,
// the exporter logs why and keeps serving.
func TestExporterGatherFails(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	ns := testhelper.Start(t, testhelper.NewNetNS())
	listen(t, ns, "inet", "127.0.0.1:0")
	e := startExporter(t, "--web.listen-address", "127.0.0.1:0", "--netns", strconv.Itoa(ns.PID))
	u := "http://" + e.addr + "/metrics"
	code, body := get(t, u)
	if got := parseExposition(t, body); code != 200 || got["gosof_scrape_error{}"] != 0 || got["gosof_sockets{proto=tcp,state=LISTEN}"] != 1 {
		t.Fatalf("before: status %d, scrape_error %v, LISTEN %v", code, got["gosof_scrape_error{}"], got["gosof_sockets{proto=tcp,state=LISTEN}"])
	}
	ns.Kill()
	for range 2 { // and it keeps serving
		code, body = get(t, u)
		got := parseExposition(t, body)
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
