//go:build !gccgo

package metrics

import (
	"bufio"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// WriteText gathers once and writes the Prometheus text exposition format
// to w, for node_exporter's textfile collector. It has gosof's families
// only: the Go and process collectors would clash with node_exporter's own.
func WriteText(w io.Writer, c *Collector) error {
	// A pedantic registry checks every metric against its description.
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		return err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(bw, mf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
