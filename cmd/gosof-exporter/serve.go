package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/metrics"
	"github.com/gosof/gosof/internal/scrape"
)

// serve checks everything it was given, listens, and serves until SIGTERM
// or SIGINT. A bad flag, file or address is an error before anything is
// served.
func serve(o *options, logger *slog.Logger) error {
	// Signals first: a SIGHUP that comes while the exporter starts must
	// not end it.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sig)
	if len(o.empty) > 0 {
		return core.Usagef("--%s: empty value; give one, or leave the flag out", o.empty[0])
	}
	if !o.systemdSocket && len(o.listen) == 0 {
		return core.Usagef("needs --web.listen-address ADDR, e.g. 127.0.0.1:9560 (there is no default: see docs/metrics.md), or --web.systemd-socket")
	}
	for _, a := range o.listen {
		if strings.TrimSpace(a) == "" {
			return core.Usagef("--web.listen-address: empty value; give one, or leave the flag out")
		}
	}
	if !strings.HasPrefix(o.telemetryPath, "/") {
		return core.Usagef("--web.telemetry-path: %q does not start with /", o.telemetryPath)
	}
	if o.maxRequests < 0 {
		return core.Usagef("--web.max-requests: %d is negative (0 is no limit)", o.maxRequests)
	}
	var wc *webConfig
	if o.configFile != "" {
		var err error
		if wc, err = readWebConfig(o.configFile, true); err != nil {
			return core.Usagef("--web.config.file: %v", err)
		}
	}

	// Each note once: the same one would otherwise come with every scrape.
	var mu sync.Mutex
	noted := map[string]bool{}
	src, err := scrape.Open(o.backend, func(n string) {
		mu.Lock()
		defer mu.Unlock()
		if !noted[n] {
			noted[n] = true
			logger.Warn(core.Escape(n))
		}
	})
	if err != nil {
		return err
	}
	col, err := metrics.New(metrics.Options{Gather: src.Gather, MaxSeries: o.maxSeries, NetNS: o.backend.AllNetNS,
		OnError: func(err error) { logger.Error("gathering sockets failed", "err", core.EscapeMessage(err.Error())) },
		Build:   metrics.Build{Version: version.Version, Revision: version.GetRevision(), GoVersion: version.GoVersion}})
	if err != nil {
		return err
	}

	handler, err := newHandler(o, col, wc, logger)
	if err != nil {
		return err
	}
	ls, err := listeners(o)
	if err != nil {
		return err
	}
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: requestTimeout,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}
	if wc != nil && wc.tls != nil {
		http2 := wc.http2
		if !http2 {
			srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
		}
		// The config and the certificates are read again for each new
		// connection, so that renewed certificates are taken without a
		// restart; a file gone bad fails that handshake, which net/http
		// logs in one line ("TLS handshake error").
		srv.TLSConfig = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			c, err := readWebConfig(o.configFile, true)
			if err != nil {
				return nil, fmt.Errorf("--web.config.file: %s", core.EscapeMessage(err.Error()))
			}
			if c.tls == nil {
				return nil, errors.New("--web.config.file no longer sets up TLS: restart gosof-exporter to serve plain HTTP")
			}
			c.tls.NextProtos = []string{"http/1.1"}
			if http2 && c.http2 {
				c.tls.NextProtos = []string{"h2", "http/1.1"}
			}
			return c.tls, nil
		}}
	}

	// Everything was checked: from here on, the exporter logs.
	logger.Info("Starting gosof-exporter", "version", version.Info())
	logger.Info("Build context", "build_context", version.BuildContext())
	errc := make(chan error, len(ls))
	for _, l := range ls {
		tlsOn := srv.TLSConfig != nil
		logger.Info("Listening on", "address", l.Addr().String(), "tls", tlsOn)
		go func(l net.Listener) {
			if tlsOn {
				errc <- srv.ServeTLS(l, "", "")
			} else {
				errc <- srv.Serve(l)
			}
		}(l)
	}

	for {
		select {
		case err := <-errc:
			shutdown(srv)
			return err
		case s := <-sig:
			if s != syscall.SIGHUP {
				logger.Info("Stopping", "signal", s.String())
				shutdown(srv)
				return nil
			}
			reload(o, logger)
		}
	}
}

// reload is SIGHUP: there is nothing to load again (the web config and
// its certificates are read for each connection and request), so it
// checks the web config as a start would and logs the verdict, in one
// line, and the exporter keeps serving either way.
func reload(o *options, logger *slog.Logger) {
	if o.configFile == "" {
		logger.Info("SIGHUP: nothing to reload (no --web.config.file); still serving")
		return
	}
	if _, err := readWebConfig(o.configFile, true); err != nil {
		logger.Error("SIGHUP: --web.config.file is not valid: new connections will fail until it is; still serving",
			"err", core.EscapeMessage(err.Error()))
		return
	}
	logger.Info("SIGHUP: --web.config.file is valid; it is read for each new connection; still serving")
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

// listeners opens every --web.listen-address before anything is served,
// so that a bad one (malformed, in use, not of this host) stops the
// exporter with one line; or takes the sockets systemd passed.
func listeners(o *options) ([]net.Listener, error) {
	if o.systemdSocket {
		ls, err := activation.Listeners()
		if err != nil {
			return nil, core.Usagef("--web.systemd-socket: %v", err)
		}
		if len(ls) == 0 {
			return nil, core.Usagef("--web.systemd-socket: no socket was passed to this process (LISTEN_PID, LISTEN_FDS): start gosof-exporter from a systemd .socket unit, or give --web.listen-address")
		}
		for i, l := range ls {
			if l == nil {
				for _, l := range ls {
					if l != nil {
						l.Close()
					}
				}
				return nil, core.Usagef("--web.systemd-socket: passed descriptor %d is not a listening stream socket", 3+i)
			}
		}
		return ls, nil
	}
	var ls []net.Listener
	for _, a := range o.listen {
		_, port, err := net.SplitHostPort(a)
		if err == nil && port == "" {
			err = errors.New("empty port (give one; 0 asks the kernel for any free port, which the log then names)")
		}
		if err != nil {
			closeAll(ls)
			return nil, core.Usagef("--web.listen-address %q: %v", a, err)
		}
		l, err := net.Listen("tcp", a)
		if err != nil {
			closeAll(ls)
			return nil, core.Usagef("--web.listen-address %s: %v", a, err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}

// newHandler is everything served: the metrics at --web.telemetry-path, a
// landing page at / (unless the metrics are there), 404 elsewhere; behind
// basic auth, headers and the rate limit of the web config.
func newHandler(o *options, col *metrics.Collector, wc *webConfig, logger *slog.Logger) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(col))
	gatherers := prometheus.Gatherers{reg}
	opts := promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(logger.Handler(), slog.LevelError),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: o.maxRequests,
		EnableOpenMetrics:   true,
	}
	var own *prometheus.Registry
	if !o.disableExporterMetrics {
		own = prometheus.NewRegistry()
		own.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		gatherers = append(gatherers, own)
		opts.Registry = own // promhttp_metric_handler_errors_total
	}
	var m http.Handler = promhttp.HandlerFor(gatherers, opts)
	if own != nil {
		m = promhttp.InstrumentMetricHandler(own, m)
	}
	rt := &router{path: o.telemetryPath, metrics: &abortLogger{next: m, logger: logger}}
	if o.telemetryPath != "/" {
		// exporter-toolkit's page writes its values into HTML as they are
		// (text/template): what it prints is escaped here, for HTML and,
		// as every text gosof prints, for the terminal a curl shows it on.
		href := (&url.URL{Path: o.telemetryPath}).EscapedPath()
		if strings.HasPrefix(href, "//") {
			// "//x/m" would be a link to the host x: "/./" is read
			// back to the path "//x/m" on this host
			href = "/." + href
		}
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "gosof-exporter",
			Description: "who holds which port, in what state: gosof's metrics for Prometheus",
			Version:     html.EscapeString(version.Info()),
			Profiling:   "false", // no /debug/pprof here: no link to it
			Links:       []web.LandingLinks{{Address: html.EscapeString(href), Text: "Metrics", Description: html.EscapeString(core.Escape(o.telemetryPath))}},
		})
		if err != nil {
			return nil, err
		}
		rt.landing = landing
	}
	if wc == nil {
		return rt, nil
	}
	g := &guard{path: o.configFile, next: rt, logger: logger, cache: map[[32]byte]bool{}}
	if wc.rate.Interval > 0 {
		g.limiter = rate.NewLimiter(rate.Every(wc.rate.Interval), wc.rate.Burst)
	}
	if len(wc.users) > 0 {
		// An unknown user is checked against this hash, so that a
		// request takes as long whether the user exists or not.
		h, err := bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		g.unknown = string(h)
	}
	return g, nil
}

// router serves exactly the telemetry path and the landing page: no
// ServeMux pattern is built from --web.telemetry-path, whatever it holds.
type router struct {
	path             string
	metrics, landing http.Handler
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == rt.path:
		rt.metrics.ServeHTTP(w, r)
	case r.URL.Path == "/" && rt.landing != nil:
		rt.landing.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// abortLogger logs a scrape whose client went away once, at the end,
// instead of promhttp's one line per metric family it could not send.
type abortLogger struct {
	next   http.Handler
	logger *slog.Logger
}

func (a *abortLogger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	aw := &abortWriter{ResponseWriter: w}
	a.next.ServeHTTP(aw, r)
	if aw.err != nil {
		a.logger.Warn("scrape aborted: the client went away before it had the metrics",
			"remote", r.RemoteAddr, "err", aw.err.Error())
	}
}

// abortWriter keeps the first write error and reports success from then
// on, so the writer above it carries on to the end without an error for
// each family.
type abortWriter struct {
	http.ResponseWriter
	err error
}

func (w *abortWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return len(p), nil
	}
	n, err := w.ResponseWriter.Write(p)
	if err != nil {
		w.err = err
		return len(p), nil
	}
	return n, nil
}

// guard applies the web config to each request: the rate limit, the
// response headers and basic auth, with the config read again (bounded)
// each time, so that a changed password takes effect without a restart.
type guard struct {
	path    string
	next    http.Handler
	logger  *slog.Logger
	limiter *rate.Limiter
	unknown string // bcrypt hash for unknown users

	mu    sync.Mutex // one bcrypt at a time: each costs tens of milliseconds
	cache map[[32]byte]bool
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := readWebConfig(g.path, false)
	if err != nil {
		g.logger.Error("--web.config.file cannot be read: request refused", "err", core.EscapeMessage(err.Error()))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if g.limiter != nil && !g.limiter.Allow() {
		http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
		return
	}
	for k, v := range c.headers {
		w.Header().Set(k, v)
	}
	if len(c.users) == 0 {
		g.next.ServeHTTP(w, r)
		return
	}
	if user, pass, ok := r.BasicAuth(); ok && g.allowed(c.users, user, pass) {
		g.next.ServeHTTP(w, r)
		return
	}
	w.Header().Set("WWW-Authenticate", "Basic")
	http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
}

// allowed checks a user's password against its bcrypt hash. Verdicts are
// remembered (a scrape every few seconds would otherwise cost a bcrypt
// each), keyed by a hash of user, password and bcrypt hash, so that a
// changed hash is checked anew; the memory is bounded and simply cleared
// when full.
func (g *guard) allowed(users map[string]string, user, pass string) bool {
	hash, known := users[user]
	if !known {
		if g.unknown == "" {
			return false
		}
		hash = g.unknown
	}
	key := sha256.Sum256([]byte(fmt.Sprintf("%d:%s%d:%s%s", len(user), user, len(pass), pass, hash)))
	g.mu.Lock()
	defer g.mu.Unlock()
	ok, seen := g.cache[key]
	if !seen {
		ok = bcrypt.CompareHashAndPassword([]byte(hash), []byte(pass)) == nil
		if len(g.cache) >= 256 {
			g.cache = map[[32]byte]bool{}
		}
		g.cache[key] = ok
	}
	return ok && known
}
