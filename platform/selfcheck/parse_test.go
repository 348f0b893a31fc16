package selfcheck

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testdata = "../../testdata/selfcheck"

func read(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rowText prints a row compactly: key, then owners as pid/fd:comm.
func rowText(r Row) string {
	s := r.key().String()
	for _, o := range r.Owners {
		s += fmt.Sprintf(" %d/%d:%s", o.PID, o.FD, o.Comm)
	}
	return s
}

func rowTexts(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, rowText(r))
	}
	return out
}

func TestParseSS(t *testing.T) {
	rows, skipped, err := ParseSS(read(t, "ss-tanup.txt"))
	if err != nil || skipped != 0 {
		t.Fatal(skipped, err)
	}
	want := []string{
		"udp 127.0.0.53:53 - UNCONN 626/13:systemd-resolve", // bound to a device: %lo dropped
		"udp6 [::]:5353 - UNCONN 700/12:avahi-daemon",       // "*": IPv6, every address
		"udp 10.0.0.5:40000 10.0.0.53:53 ESTABLISHED 800/5:named",
		"udp6 [fe80::1]:546 - UNCONN", // no process column
		"tcp 0.0.0.0:22 - LISTEN 900/3:sshd",
		"tcp6 [::]:22 - LISTEN 900/4:sshd",
		"tcp6 [::]:8080 - LISTEN 1300/7:java 1301/7:java",
		"tcp 10.0.0.5:22 10.0.0.9:50000 ESTABLISHED 901/4:sshd 902/4:sshd",
		"tcp 10.0.0.5:22 10.0.0.9:49999 TIME_WAIT",
		// A command name that imitates the tuple's tail is read whole.
		`tcp6 [::ffff:127.0.0.1]:8080 [::ffff:127.0.0.1]:41000 ESTABLISHED 666/9:evil",pid=1,fd=2)`,
		"tcp 10.0.0.5:41001 10.0.0.8:443 SYN_SENT 1000/5:curl",
		"tcp 0.0.0.0:41002 - CLOSE 1001/3:bound", // ss's UNCONN for a TCP socket is CLOSE
		"tcp 10.0.0.5:41003 10.0.0.8:443 FIN_WAIT2",
		// raw: not compared, left out
	}
	if diff := cmp.Diff(want, rowTexts(rows)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"tcp LISTEN 0 128 0.0.0.0:22",                       // too few fields
		"tcp WAITING 0 128 0.0.0.0:22 0.0.0.0:*",            // unknown state
		"tcp LISTEN 0 128 0.0.0.0 0.0.0.0:*",                // no port
		"tcp LISTEN 0 128 0.0.0.0:99999 0.0.0.0:*",          // port out of range
		"tcp LISTEN 0 128 host.example:22 0.0.0.0:*",        // not numeric (-n missing)
		`tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("x"`, // cut short
	} {
		// a line that cannot be read is skipped and counted, never stops the check
		if rows, skipped, err := ParseSS(bad); err != nil || skipped != 1 || len(rows) != 0 {
			t.Errorf("ParseSS(%q): %d rows, %d skipped, %v; want the line skipped and counted", bad, len(rows), skipped, err)
		}
	}
	// ss prints a command name raw: a newline in it continues the
	// process column on the next line, which is joined back.
	rows, skipped, err = ParseSS("Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n" +
		"tcp LISTEN 0 128 127.0.0.1:49124 0.0.0.0:* users:((\"x\n" +
		"y\",pid=42,fd=3))\n" +
		"tcp LISTEN 0 128 127.0.0.1:22 0.0.0.0:* users:((\"sshd\",pid=9,fd=3))\n")
	if err != nil || skipped != 0 || len(rows) != 2 || len(rows[0].Owners) != 1 || rows[0].Owners[0].Comm != "x\ny" || rows[0].Owners[0].PID != 42 {
		t.Errorf("a name with a newline: %d rows %+v, %d skipped, %v", len(rows), rows, skipped, err)
	}
}

func TestParseNetstat(t *testing.T) {
	rows, err := ParseNetstat(read(t, "netstat-anu-illumos.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"udp 0.0.0.0:123 - UNCONN 610/-1:ntpd",
		"udp 10.0.0.5:40000 10.0.0.53:53 ESTABLISHED 600/-1:named",
		"udp 0.0.0.0:5353 - UNCONN", // no process known: blank User, Pid, Command
		"udp6 [::]:123 - UNCONN 610/-1:ntpd",
		"udp6 [fe80::8:20ff:fe1a:2b3c]:546 - UNCONN 190/-1:in.ndpd", // with an If column
		"tcp 0.0.0.0:22 - LISTEN 300/-1:sshd",
		"tcp 10.0.0.5:22 10.0.0.9:50000 ESTABLISHED 300/-1:sshd", // one line per holder
		"tcp 10.0.0.5:22 10.0.0.9:50000 ESTABLISHED 301/-1:sshd",
		"tcp 10.0.0.5:22 10.0.0.9:49999 TIME_WAIT",
		"tcp 0.0.0.0:41000 - CLOSE 4242/-1:my prog", // BOUND; a command with a blank
		"tcp 10.0.0.5:41001 10.0.0.8:443 SYN_SENT 4243/-1:curl",
		"tcp 255.255.255.255:65535 10.0.0.8:443 FIN_WAIT2", // wider than its column
		"tcp6 [::]:22 - LISTEN 300/-1:sshd",
		"tcp6 [2001:db8::1]:22 [2001:db8::2]:40000 ESTABLISHED 302/-1:sshd",
		"tcp6 [fe80::1]:8080 [fe80::2]:41000 CLOSE_WAIT", // If "net0"
		// SCTP and UNIX sections: skipped
	}
	if diff := cmp.Diff(want, rowTexts(rows)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// The listings saved with the captures parse too (without -u).
	an, err := ParseNetstat(read(t, "../solaris/solaris11-dualstack-amd64/tools/netstat-an.before.txt"))
	if err != nil || len(an) != 13 {
		t.Errorf("solaris11-dualstack netstat -an: %d rows, %v", len(an), err)
	}
	for _, bad := range []string{
		"\nTCP: IPv4\n      *.22                 *.*             64128      0 128872      0 LISTENING\n", // no state
		"\nTCP: IPv4\n      *.ssh                *.*             64128      0 128872      0 LISTEN\n",    // not -n
		"\nTCP: IPv4\n      *.22                 *.*             x      0 128872      0 LISTEN\n",        // not a number
		"\nUDP: IPv4\n10.0.0.5.53                              Connected\n",                              // connected, no peer
		"\nTCP: IPv4\nmyhost.22                 *.*             64128      0 128872      0 LISTEN\n",     // a name
	} {
		if _, err := ParseNetstat(bad); err == nil {
			t.Errorf("ParseNetstat(%q): no error", bad)
		}
	}
}

func TestParsePfiles(t *testing.T) {
	procs, skipped, err := ParsePfiles(read(t, "pfiles.txt"))
	if err != nil || skipped != 0 {
		t.Fatal(skipped, err)
	}
	got := map[string]string{}
	for pid, p := range procs {
		if p.System {
			got[fmt.Sprint(pid)] = "system"
		}
		for fd, f := range p.FDs {
			got[fmt.Sprintf("%d/%d", pid, fd)] = fmt.Sprintf("%s %d %v %v", f.Kind, f.Ino, f.Sockname, f.Peername)
		}
	}
	none := netip.AddrPort{}
	want := map[string]string{
		"300/0": fmt.Sprintf("S_IFCHR 6815752 %v %v", none, none),
		"300/3": fmt.Sprintf("S_IFSOCK 47187 0.0.0.0:22 %v", none),
		"300/4": fmt.Sprintf("S_IFSOCK 47188 [::]:22 %v", none),
		"300/5": "S_IFSOCK 51234 10.0.0.5:22 10.0.0.9:50000",
		"300/6": fmt.Sprintf("S_IFDOOR 27 %v %v", none, none),
		"300/7": fmt.Sprintf("S_IFSOCK 51300 %v %v", none, none),   // AF_UNIX: no address
		"400/5": fmt.Sprintf("S_IFCHR 62911 0.0.0.0:111 %v", none), // a TLI endpoint
		"0":     "system",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("descriptors (-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"   3: S_IFSOCK mode:0666 dev:541,0 ino:1 uid:0 gid:0 size:0\n", // no process
		"x:\tfoo\n", // not a pid
		"1:\tfoo\n   3: S_IFSOCK mode:0666 ino:x\n",                                  // bad ino
		"1:\tfoo\n   3: S_IFSOCK mode:0666 ino:1\n\tsockname: AF_INET 1.2.3.4 22\n",  // no "port:"
		"1:\tfoo\n   3: S_IFSOCK mode:0666 ino:1\n\tsockname: AF_INET x  port: 22\n", // bad address
		"1:\tfoo\n  Current rlimit: 256 file descriptors\nx\n",                       // stray line
	} {
		// a line that cannot be read is skipped and counted, never stops the check
		if _, skipped, err := ParsePfiles(bad); err != nil || skipped != 1 {
			t.Errorf("ParsePfiles(%q): %d skipped, %v; want the line skipped and counted", bad, skipped, err)
		}
	}
	// Arguments with newlines (pfiles prints pr_psargs raw): the lines
	// after "PID:\tARGS" up to the first indented one are its ARGS, even
	// one that looks like a process line.
	procs, skipped, err = ParsePfiles("1500:\tnginx -c\n/etc/x\n4501:\tfake\n  Current rlimit: 256 file descriptors\n" +
		"   6: S_IFSOCK mode:0666 dev:557,0 ino:40961 uid:0 gid:0 size:0\n\tsockname: AF_INET 0.0.0.0  port: 80\n" +
		"1501:\tnginx\n  Current rlimit: 256 file descriptors\n   7: S_IFSOCK mode:0666 dev:557,0 ino:1 uid:0 gid:0 size:0\n")
	if err != nil || skipped != 0 || len(procs) != 2 || procs[1500] == nil || procs[1500].FDs[6].Sockname.Port() != 80 || procs[1501] == nil || len(procs[1501].FDs) != 1 {
		t.Errorf("arguments with newlines: %d skipped, %v, procs %+v", skipped, err, procs)
	}
}

func FuzzParseSS(f *testing.F) {
	f.Add(read(f, "ss-tanup.txt"))
	f.Fuzz(func(t *testing.T, s string) { _, _, _ = ParseSS(s) })
}

func FuzzParseNetstat(f *testing.F) {
	f.Add(read(f, "netstat-anu-illumos.txt"))
	f.Fuzz(func(t *testing.T, s string) { ParseNetstat(s) })
}

func FuzzParsePfiles(f *testing.F) {
	f.Add(read(f, "pfiles.txt"))
	f.Fuzz(func(t *testing.T, s string) { _, _, _ = ParsePfiles(s) })
}
