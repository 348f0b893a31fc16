package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/exporter-toolkit/web"
	"go.yaml.in/yaml/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/gosof/gosof/internal/sysfile"
)

// maxWebFile bounds the web config and every file it names (certificate,
// key, client CA bundle): a system's whole CA bundle is about 200 KB.
const maxWebFile = 1 << 20

// webConfig is a --web.config.file (exporter-toolkit's format, the one
// node_exporter reads), read and checked.
type webConfig struct {
	tls     *tls.Config // nil: plain HTTP
	http2   bool
	users   map[string]string // user -> bcrypt hash
	headers map[string]string
	rate    web.RateLimiterConfig
}

// readWebConfig reads the web config at path and, with certs, the files
// its TLS settings name; everything is read only if it is a regular file
// of at most maxWebFile bytes, so no file (a FIFO, /dev/zero, a sparse
// file of terabytes) can block or exhaust the exporter, at start or at run
// time. It refuses settings no client could ever satisfy. The file paths
// of the TLS settings are read here and handed to exporter-toolkit's
// ConfigToTLSConfig as their contents, so that it reads no file itself.
func readWebConfig(path string, certs bool) (*webConfig, error) {
	raw, err := sysfile.ReadRegularAs(path, maxWebFile, "a web config file")
	if err != nil {
		return nil, err
	}
	// exporter-toolkit's defaults for what the file leaves out.
	c := web.Config{
		TLSConfig:  web.TLSConfig{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13},
		HTTPConfig: web.HTTPConfig{HTTP2: true},
	}
	if err := yaml.UnmarshalStrict(raw, &c); err != nil {
		return nil, fmt.Errorf("%s: %s", path, flatten(err.Error()))
	}
	wc := &webConfig{http2: c.HTTPConfig.HTTP2, headers: c.HTTPConfig.Header, rate: c.RateLimiterConfig,
		users: map[string]string{}}
	if err := checkHeaders(c.HTTPConfig.Header); err != nil {
		return nil, err
	}
	for u, h := range c.Users {
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			return nil, fmt.Errorf("basic_auth_users: %q: not a bcrypt hash (%v)", u, err)
		}
		wc.users[u] = string(h)
	}
	if r := c.RateLimiterConfig; r.Interval < 0 || r.Interval > 0 && r.Burst < 1 {
		return nil, fmt.Errorf("rate_limit: interval %v, burst %d would let no request through (give an interval of 0, or a burst of 1 or more)", r.Interval, r.Burst)
	}
	t := c.TLSConfig
	if !t.IsEnabled() {
		return wc, nil
	}
	t.SetDirectory(filepath.Dir(path))
	if t.MinVersion > t.MaxVersion {
		return nil, fmt.Errorf("tls_server_config: min_version %s is above max_version %s: no client could ever connect",
			tlsVersionName(t.MinVersion), tlsVersionName(t.MaxVersion))
	}
	verifies := t.ClientAuth == "RequireAndVerifyClientCert" || t.ClientAuth == "VerifyClientCertIfGiven"
	if verifies && t.ClientCAs == "" && t.ClientCAsText == "" {
		return nil, fmt.Errorf("tls_server_config: client_auth_type %s without client_ca_file (or client_ca): there is no CA to verify client certificates against", t.ClientAuth)
	}
	if !certs {
		return wc, nil
	}
	read := func(field string, p *string) ([]byte, error) {
		b, err := sysfile.ReadRegularAs(*p, maxWebFile, "a certificate file")
		if err != nil {
			return nil, fmt.Errorf("tls_server_config: %s: %v", field, err)
		}
		*p = ""
		return b, nil
	}
	if t.TLSCertPath != "" {
		b, err := read("cert_file", &t.TLSCertPath)
		if err != nil {
			return nil, err
		}
		t.TLSCert = string(b)
	}
	if t.TLSKeyPath != "" {
		b, err := read("key_file", &t.TLSKeyPath)
		if err != nil {
			return nil, err
		}
		t.TLSKey = config.Secret(b)
	}
	if t.ClientCAs != "" {
		name := t.ClientCAs
		b, err := read("client_ca_file", &t.ClientCAs)
		if err != nil {
			return nil, err
		}
		if !x509.NewCertPool().AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("tls_server_config: client_ca_file %s holds no PEM certificate: no client certificate could be verified", name)
		}
		t.ClientCAsText = string(b)
	} else if t.ClientCAsText != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(t.ClientCAsText)) {
		return nil, errors.New("tls_server_config: client_ca holds no PEM certificate: no client certificate could be verified")
	}
	wc.tls, err = web.ConfigToTLSConfig(&t)
	if err != nil {
		return nil, fmt.Errorf("tls_server_config: %s", flatten(err.Error()))
	}
	return wc, nil
}

// allowedHeaders are the response headers http_server_config.headers may
// set, with the values each takes (none listed: any), as
// exporter-toolkit's web-configuration documentation gives them.
var allowedHeaders = map[string][]string{
	"Strict-Transport-Security": nil,
	"X-Content-Type-Options":    {"nosniff"},
	"X-Frame-Options":           {"deny", "sameorigin"},
	"X-XSS-Protection":          nil,
	"Content-Security-Policy":   nil,
}

func checkHeaders(h map[string]string) error {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		values, ok := allowedHeaders[k]
		if !ok {
			return fmt.Errorf("http_server_config: header %q cannot be set", k)
		}
		if len(values) == 0 {
			continue
		}
		found := false
		for _, v := range values {
			found = found || h[k] == v
		}
		if !found {
			return fmt.Errorf("http_server_config: header %s: %q is not one of %q", k, h[k], values)
		}
	}
	return nil
}

func tlsVersionName(v web.TLSVersion) string {
	switch uint16(v) {
	case tls.VersionTLS10:
		return "TLS10"
	case tls.VersionTLS11:
		return "TLS11"
	case tls.VersionTLS12:
		return "TLS12"
	case tls.VersionTLS13:
		return "TLS13"
	}
	return fmt.Sprintf("0x%04x", uint16(v))
}

// flatten puts a multi-line error (yaml lists each problem on a line of
// its own) on one line.
func flatten(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

// requestTimeout bounds how long a client may take to send its request's
// headers (slowloris).
const requestTimeout = 10 * time.Second
