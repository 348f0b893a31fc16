package promtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// StartPrometheus runs a real Prometheus server on loopback port port with
// a temporary config (scrapes and rule evaluation every second, then
// scrapeConfig, the lines under scrape_configs:) and storage, and returns
// its base URL once it is ready. It skips the test without prometheus.
func StartPrometheus(t testing.TB, port int, scrapeConfig string) string {
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
	addr := fmt.Sprintf("127.0.0.1:%d", port)
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

// FreePort returns a loopback TCP port of lo..hi that was free a moment
// ago (the range the calling tests may use for fixed ports).
func FreePort(t testing.TB, lo, hi int) int {
	t.Helper()
	n := hi - lo + 1
	base := os.Getpid() % n
	for i := 0; i < n; i++ {
		p := lo + (base+i)%n
		l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			l.Close()
			return p
		}
	}
	t.Fatalf("no free port in %d-%d", lo, hi)
	return 0
}

// Sample is one series of an instant query's answer.
type Sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// Query asks Prometheus's HTTP API for an instant vector.
func Query(t testing.TB, base, q string) []Sample {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []Sample `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v %s\n%s", q, err, r.Error, body)
	}
	return r.Data.Result
}

// WaitQuery polls Prometheus until q answers one series of value want
// (scrapes come every second); it returns the series.
func WaitQuery(t testing.TB, base, q, want string) Sample {
	t.Helper()
	var got []Sample
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got = Query(t, base, q)
		if len(got) == 1 && got[0].Value[1] == want {
			return got[0]
		}
	}
	t.Fatalf("Prometheus: %s = %v, want one series of value %s", q, got, want)
	return Sample{}
}
