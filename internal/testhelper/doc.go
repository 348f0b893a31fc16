// Package testhelper lets a test binary re-execute itself as a helper
// process that opens and holds real sockets on command, so that tests see
// real owners, real states and real PIDs. It is for tests only.
//
// A test package calls Main from its TestMain before m.Run; Start launches
// a helper, Do sends it one command line and returns its answer, and
// Spawn starts a second helper holding the same sockets (a forked worker).
//
// Commands (one per line; the answer is "ok ..." or "err ..."):
//
//	socket inet|inet6|unix stream|dgram|seqpacket|raw [PROTO]  -> ok FD
//	bind FD ADDR           ADDR: 127.0.0.1:0, [::1]:0, /path, @abstract
//	listen FD [BACKLOG]
//	connect FD ADDR
//	accept FD              -> ok NEWFD
//	dup FD                 -> ok NEWFD   (the same socket, a second number)
//	name FD                -> ok ADDR PORT   (or ok PATH for unix)
//	setsockopt FD reuseaddr|reuseport|keepalive|nodelay|v6only 0|1
//	setsockopt FD linger ONOFF SECONDS
//	shutdown FD rd|wr|rdwr
//	close FD
//	read FD                -> ok N | ok eof | err ERRNO   (waits up to 5s)
//	write FD TEXT
//	drain FD               read datagrams from FD for good, counting them
//	drained                -> ok N   (datagrams drain read so far)
//	comm HEX               set the process name (prctl PR_SET_NAME) to the bytes
//	ignore SIGNAL          e.g. ignore TERM
//	catch SIGNAL           survive SIGNAL and count it
//	caught                 -> ok N   (signals caught so far)
//	record FILE            catch every signal, append "NAME UNIXNANO" to FILE
//	lastpid N              write N to /proc/sys/kernel/ns_last_pid
//	loup                   bring the loopback interface up (new namespaces)
//	pid                    -> ok PID
//	thread-listen ADDR     a new thread unshares its descriptor table and
//	                       listens on ADDR in it -> ok TID FD PORT
//	leader-exit            the main thread exits alone (the process lives on)
//	exec                   execve the helper's own binary: same pid, descriptors
//	                       without FD_CLOEXEC kept, signal handlers reset
//	sendfd UNIXFD FD       pass FD over the connected unix socket UNIXFD
//	                       (SCM_RIGHTS); FD stays open here too
//	recvfd UNIXFD          -> ok FD   (the descriptor passed to this process)
//	setuid UID             every thread takes UID (needs root)
//	opath PATH             open PATH with O_PATH and keep the descriptor
//	sockfile DIR INO       mount a tmpfs on DIR and hold, O_PATH, a socket
//	                       node there with inode number INO -> ok FD
//	                       (started with UserMountNS)
//	exit
package testhelper
