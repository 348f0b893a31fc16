// launch: run a command and report its wall time, CPU time and peak RSS.
//
//   launch OUTFILE CMD [ARG...]
//
// writes "wall_ns user_ns sys_ns maxrss_kib exit" to OUTFILE. The runner
// starts commands through it because a Go program spawns children with
// vfork semantics: the kernel then carries the spawner's own peak RSS into
// the child's ru_maxrss across exec, and every command looked as large as
// the runner. Here the child comes from a real fork of this small process.
//
//   gcc -O2 -o launch launch.c
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }
static long long tv(struct timeval t) { return t.tv_sec * 1000000000LL + t.tv_usec * 1000LL; }

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: launch OUTFILE CMD [ARG...]\n");
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) { perror("fork"); return 2; }
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0) { perror("wait4"); return 2; }
	clock_gettime(CLOCK_MONOTONIC, &t1);
	FILE *f = fopen(argv[1], "w");
	if (!f) { perror(argv[1]); return 2; }
	fprintf(f, "%lld %lld %lld %ld %d\n", ns(t1) - ns(t0), tv(ru.ru_utime), tv(ru.ru_stime), ru.ru_maxrss,
		WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fclose(f);
	return 0;
}
