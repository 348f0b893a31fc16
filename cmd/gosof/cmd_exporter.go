//go:build !gccgo

package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func exporterCommand() *cli.Command {
	return &cli.Command{
		Name:      "exporter",
		Usage:     "serve Prometheus metrics over HTTP",
		ArgsUsage: " ",
		Description: `Serves the metrics of 'gosof metrics' at --web.telemetry-path, with the Go
and process metrics of the exporter itself. Every scrape reads the sockets
afresh; scrapes that arrive together share one read. A failed read is
reported as gosof_scrape_error 1 and the exporter keeps serving. It never
signals or closes anything. See docs/metrics.md.

There is no default address: the metrics name every listening port and
the processes behind it, so where they are served is yours to choose, and
the exporter port range 9100-9999 is fully allocated, so any default port
would collide with some other exporter. Give a loopback address
(127.0.0.1:PORT) unless Prometheus scrapes from another host; then
protect it with --web.config.file (TLS, basic auth: the exporter-toolkit
format).

Examples:
   gosof exporter --web.listen-address 127.0.0.1:9560
   gosof exporter --web.listen-address :9560 --web.config.file /etc/gosof/web.yml -A`,
		Flags:  exporterFlags(),
		Action: exporterAction,
	}
}

func exporterAction(c *cli.Context) error {
	addrs := core.SplitList(c.StringSlice("web.listen-address"))
	if len(addrs) == 0 {
		return core.Usagef("exporter needs --web.listen-address ADDR, e.g. 127.0.0.1:9560 (there is no default: see 'gosof exporter --help')")
	}
	path := c.String("web.telemetry-path")
	if !strings.HasPrefix(path, "/") {
		return core.Usagef("--web.telemetry-path: %q does not start with /", path)
	}
	config := c.String("web.config.file") // an empty value is refused before the action (args.go)
	if err := web.Validate(config); err != nil {
		return core.Usagef("--web.config.file %s: %v", config, err)
	}
	logger := slog.New(slog.NewTextHandler(c.App.ErrWriter, nil))
	// Each note once: the same one would otherwise come with every scrape.
	var mu sync.Mutex
	noted := map[string]bool{}
	col, _, err := newCollector(c, func(err error) {
		logger.Error("gathering sockets failed", "err", oneLine(err.Error()))
	}, func(n string) {
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

	reg := prometheus.NewRegistry()
	reg.MustRegister(col, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle(path, promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      reg, // promhttp_metric_handler_errors_total
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelError),
	})))
	if path != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "gosof",
			Description: "who holds which port, in what state",
			Version:     versionString(),
			Links:       []web.LandingLinks{{Address: path, Text: "Metrics"}},
		})
		if err != nil {
			return err
		}
		mux.Handle("/", landing)
	}
	// Listen on every address before serving any, so that a bad one
	// (in use, malformed) stops the exporter with one line.
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for _, a := range addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return core.Usagef("--web.listen-address %q: %v", a, err)
		}
		l, err := net.Listen("tcp", a)
		if err != nil {
			return core.Usagef("--web.listen-address %s: %v", a, err)
		}
		ls = append(ls, l)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	flags := &web.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: new(bool), WebConfigFile: &config}
	// One server per listener: web.Serve wraps its server's handler for
	// basic auth, so listeners sharing a server would race on it.
	errc := make(chan error, len(ls))
	srvs := make([]*http.Server, len(ls))
	for i, l := range ls {
		srvs[i] = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func(srv *http.Server, l net.Listener) { errc <- web.Serve(l, srv, flags, logger) }(srvs[i], l)
	}
	err = nil
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range srvs {
		srv.Shutdown(shut)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
