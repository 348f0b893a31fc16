package render

import (
	"sync/atomic"

	"github.com/gosof/gosof/core"
)

// warmAhead is how many sockets warm reads ahead.
const warmAhead = 32

// warmSink keeps warm's loads from being dropped; added to atomically,
// for writers may run at once.
var warmSink uint32

// warm reads the remote ends of socks[i:i+warmAhead] when i starts a run
// of warmAhead sockets, before the writers of the table and of JSON make
// their rows. Sorted, the sockets point at remote ends laid out in the
// kernel's order, and read inside the work of making each row, the cache
// miss of each was 12% of `who PORT` on 50,000 TIME_WAIT sockets (perf: the
// first load in appendHost; 3.7% after). In a loop of their own the loads
// overlap.
func warm(socks []core.Socket, i int) {
	if i%warmAhead != 0 {
		return
	}
	socks = socks[i:]
	if len(socks) > warmAhead {
		socks = socks[:warmAhead]
	}
	var sum uint32
	for j := range socks {
		if r := socks[j].Remote; r != nil {
			sum += uint32(r.Port)
		}
	}
	atomic.AddUint32(&warmSink, sum)
}
