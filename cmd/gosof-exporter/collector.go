package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosof/gosof/core/metrics"
)

// collector hands the families of a metrics.Collector to client_golang:
// the same families 'gosof metrics' writes itself, one gather per scrape
// (or per burst of overlapping scrapes).
type collector struct {
	col   *metrics.Collector
	descs map[*metrics.Desc]*prometheus.Desc
}

func newCollector(col *metrics.Collector) *collector {
	c := &collector{col: col, descs: map[*metrics.Desc]*prometheus.Desc{}}
	for _, d := range col.Descs() {
		c.descs[d] = prometheus.NewDesc(d.Name, d.Help, d.Labels, nil)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.col.Descs() {
		ch <- c.descs[d]
	}
}

// Collect implements prometheus.Collector. A failed gather is in the
// families (gosof_scrape_error 1); the Collector's OnError logged it.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	fams, _ := c.col.Scrape()
	for _, f := range fams {
		d := c.descs[f.Desc]
		for _, s := range f.Series {
			m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, s.Value, s.Labels...)
			if err != nil {
				m = prometheus.NewInvalidMetric(d, err)
			}
			ch <- m
		}
	}
}
