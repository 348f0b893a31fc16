// floor: the least work that finds every socket's holders. One thread
// readlinkat()s every /proc/[pid]/fd entry once, reusing its buffers,
// and prints how many descriptors and socket links it saw. It is the
// yardstick for gosof's scan: gosof should come within 1.3x of this
// time divided by the cores it uses.
//
//   gcc -O2 -o floor floor.c
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int numeric(const char *s) {
	if (!*s) return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9') return 0;
	return 1;
}

int main(void) {
	static char pbuf[64 << 10], fbuf[32 << 10];
	char path[64], link[64];
	long fds = 0, socks = 0;
	int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0) { perror("/proc"); return 2; }
	for (;;) {
		long n = syscall(SYS_getdents64, proc, pbuf, sizeof pbuf);
		if (n <= 0) break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(pbuf + off);
			off += d->d_reclen;
			if (!numeric(d->d_name)) continue;
			snprintf(path, sizeof path, "%s/fd", d->d_name);
			int dir = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dir < 0) continue;
			for (;;) {
				long m = syscall(SYS_getdents64, dir, fbuf, sizeof fbuf);
				if (m <= 0) break;
				for (long o = 0; o < m;) {
					struct linux_dirent64 *e = (void *)(fbuf + o);
					o += e->d_reclen;
					if (e->d_name[0] == '.') continue;
					ssize_t k = readlinkat(dir, e->d_name, link, sizeof link);
					if (k <= 0) continue;
					fds++;
					if (k > 8 && memcmp(link, "socket:[", 8) == 0) socks++;
				}
			}
			close(dir);
		}
	}
	printf("fds=%ld sockets=%ld\n", fds, socks);
	return 0;
}
