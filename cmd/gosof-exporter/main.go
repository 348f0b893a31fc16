// Command gosof-exporter serves gosof's metrics (docs/metrics.md) over
// HTTP for Prometheus, with node_exporter's conventions: the same
// --web.* and --log.* flags, the exporter-toolkit web config for TLS and
// basic auth, systemd socket activation, a landing page, gosof_build_info
// and OpenMetrics when the scraper asks for it. 'gosof metrics' prints the
// same families once, without any of this.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/metrics"
	"github.com/gosof/gosof/platform"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are gosof-exporter's flags.
type options struct {
	listen                 []string
	systemdSocket          bool
	configFile             string
	telemetryPath          string
	disableExporterMetrics bool
	maxRequests            int
	maxSeries              int
	backend                platform.Options
	log                    promslog.Config
	// empty names the flags given an empty value: an unset shell variable
	// must not turn TLS off or widen what is read.
	empty []string
}

// flags declares gosof-exporter's flags on app: node_exporter's names and
// behaviour for the --web.* and --log.* ones, and gosof's for what is read.
func flags(app *kingpin.Application, o *options) {
	set := map[string]*bool{}
	setFlag := func(name string) *bool { set[name] = new(bool); return set[name] }
	app.Flag("web.listen-address", "Address to listen on, host:port (repeat for several); required unless --web.systemd-socket. There is no default: see docs/metrics.md.").
		PlaceHolder("ADDR").StringsVar(&o.listen)
	if runtime.GOOS == "linux" {
		app.Flag("web.systemd-socket", "Serve on the sockets systemd passes (socket activation: LISTEN_FDS) instead of --web.listen-address.").
			BoolVar(&o.systemdSocket)
	}
	app.Flag("web.config.file", "exporter-toolkit web configuration file for TLS and basic auth (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md).").
		PlaceHolder("FILE").IsSetByUser(setFlag("web.config.file")).StringVar(&o.configFile)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&o.telemetryPath)
	app.Flag("web.disable-exporter-metrics", "Exclude the exporter's own metrics (go_*, process_*, promhttp_*).").BoolVar(&o.disableExporterMetrics)
	app.Flag("web.max-requests", "Maximum number of scrapes served at once; more get 503. 0 means no limit.").Default("40").
		SetValue(wholeNumber{"web.max-requests", &o.maxRequests})
	app.Flag("max-series", "At most N per-port series per scrape (gosof_listeners, gosof_listen_queue, gosof_listen_backlog, gosof_port_connections, gosof_close_wait_oldest_idle_seconds); gosof_series_dropped says how many were left out; 0: no limit.").
		Default(fmt.Sprint(metrics.DefaultMaxSeries)).SetValue(wholeNumber{"max-series", &o.maxSeries})
	app.Flag("netns", "Linux: read the network namespace NS: a name under /run/netns, a namespace inode, or a PID (that process's namespace).").
		PlaceHolder("NS").IsSetByUser(setFlag("netns")).StringVar(&o.backend.NetNS)
	app.Flag("all-netns", "Linux: read every network namespace in use (containers too), labelled with its inode, name and container.").
		Short('A').BoolVar(&o.backend.AllNetNS)
	app.Flag("proc-net", "Linux: read /proc/net instead of netlink sock_diag (no accept queue limits).").BoolVar(&o.backend.ProcNet)
	app.Flag("proc-fd", "Linux: find owners by reading every /proc/PID/fd link, not with the kernel's BPF descriptor iterator (GOSOF_PROC_FD=1 does the same).").
		BoolVar(&o.backend.ProcFD)
	app.Flag("replay", "Read a Solaris/illumos capture DIR (from 'gosof debug capture') instead of this host.").
		PlaceHolder("DIR").IsSetByUser(setFlag("replay")).StringVar(&o.backend.Replay)
	promslogflag.AddFlags(app, &o.log)
	// promslog's values said "unrecognized log level loud", naming no
	// flag, and kingpin passes that on as it is.
	app.GetFlag(promslogflag.LevelFlagName).SetValue(oneOf{promslogflag.LevelFlagName, o.log.Level, promslog.LevelFlagOptions})
	app.GetFlag(promslogflag.FormatFlagName).SetValue(oneOf{promslogflag.FormatFlagName, o.log.Format, promslog.FormatFlagOptions})
	app.PreAction(func(*kingpin.ParseContext) error {
		for name, v := range map[string]string{"web.config.file": o.configFile, "netns": o.backend.NetNS, "replay": o.backend.Replay} {
			if *set[name] && strings.TrimSpace(v) == "" {
				o.empty = append(o.empty, name)
			}
		}
		sort.Strings(o.empty)
		return nil
	})
}

// wholeNumber is the value of a number flag, read as gosof's own number
// flags are (core.ParseWholeNumber): kingpin's IntVar parses a float and
// truncates it, so --web.max-requests=1.5 was 1 and an empty value's
// error named no flag ("strconv.ParseFloat: parsing \"\""). Whether a
// number is in range is the flag's own check (serve, metrics.New).
type wholeNumber struct {
	name string
	v    *int
}

func (w wholeNumber) Set(s string) error {
	n, err := core.ParseWholeNumber("--"+w.name, s)
	if err != nil {
		return err
	}
	*w.v = n
	return nil
}

func (w wholeNumber) String() string { return strconv.Itoa(*w.v) }

// oneOf is the value of a flag that takes one of a few words, with an
// error that names the flag and the words, as gosof's own flags do.
type oneOf struct {
	name    string
	v       kingpin.Value
	options []string
}

func (f oneOf) Set(s string) error {
	if err := f.v.Set(s); err != nil {
		return core.Usagef("--%s: %q is not one of %s", f.name, s, strings.Join(f.options, ", "))
	}
	return nil
}

func (f oneOf) String() string { return f.v.String() }

// negativeValues joins a flag that takes a value and a negative number
// given as the next word ("--max-series -5") into one word
// ("--max-series=-5"): kingpin reads any word that starts with '-' as a
// flag, and said "expected argument for flag" where the = form has the
// flag's own message ("-5 is negative"). No flag's name starts with a
// digit, so a real flag that follows is still one.
func negativeValues(app *kingpin.Application, args []string) []string {
	takes := map[string]bool{}
	for _, f := range app.Model().Flags {
		if !f.IsBoolFlag() {
			takes["--"+f.Name] = true
		}
	}
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if takes[a] && i+1 < len(args) && negativeNumber(args[i+1]) {
			out = append(out, a+"="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

// negativeNumber reports whether s reads as a negative number: '-' then
// a digit or '.' ("-5", "-0.5").
func negativeNumber(s string) bool {
	return len(s) > 1 && s[0] == '-' && (s[1] >= '0' && s[1] <= '9' || s[1] == '.')
}

// run is main without os.Exit: it parses args, serves until SIGTERM or
// SIGINT, and returns the exit code (docs/contract.md: 0, or 2 with one
// line on stderr for a bad flag, file or address, or a failure that
// stopped the exporter).
func run(args []string, stdout, stderr io.Writer) int {
	if version.Version == "" { // not stamped by build.sh
		version.Version = "dev"
	}
	app := kingpin.New("gosof-exporter", "Serves gosof's metrics for Prometheus: sockets by state, listeners and accept queues per port and process, CLOSE_WAIT leaks (docs/metrics.md).")
	app.HelpFlag.Short('h')
	app.Version(version.Print("gosof-exporter"))
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	exit := -1
	app.Terminate(func(code int) {
		if exit < 0 {
			exit = code
		}
	})
	var o options
	flags(app, &o)
	o.log.Writer = stderr
	_, err := app.Parse(negativeValues(app, args))
	if exit >= 0 { // --help, --version
		return exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "gosof-exporter: %s (see 'gosof-exporter --help')\n", core.EscapeMessage(err.Error()))
		return 2
	}
	if err := serve(&o, promslog.New(&o.log)); err != nil {
		fmt.Fprintf(stderr, "gosof-exporter: %s\n", core.EscapeMessage(err.Error()))
		return 2
	}
	return 0
}
