/*
 * Test tool: the guest side of a simulated console page (pvconsoled
 * --sim DIR, page = DIR/N). Commands:
 *   write PAGE TEXT      append TEXT to the output ring (waits for room, 5 s)
 *   flood PAGE SECONDS   fill the output ring as fast as it drains; prints
 *                        the bytes the daemon took
 *   bad PAGE             impossible indexes on both rings
 *   read-in PAGE         print and consume what the input ring holds
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/console.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t put(volatile struct xencons_interface *c, const char *s, size_t n)
{
	XENCONS_RING_IDX prod = c->out_prod, cons = c->out_cons;
	size_t i = 0;

	while (i < n && prod - cons < sizeof(c->out))
		c->out[MASK_XENCONS_IDX(prod++, c->out)] = s[i++];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	c->out_prod = prod;
	return i;
}

int main(int argc, char **argv)
{
	volatile struct xencons_interface *c;
	int fd;

	if (argc < 3)
		return 2;
	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED)
		return 1;
	if (!strcmp(argv[1], "write") && argc == 4) {
		const char *s = argv[3];
		size_t n = strlen(s), done = 0;
		double end = now() + 5;

		while (done < n && now() < end) {
			done += put(c, s + done, n - done);
			if (done < n)
				usleep(1000);
		}
		return done == n ? 0 : 1;
	}
	if (!strcmp(argv[1], "flood") && argc == 4) {
		double end = now() + atof(argv[3]);
		XENCONS_RING_IDX start = c->out_cons;
		char chunk[256];

		memset(chunk, 'F', sizeof(chunk));
		chunk[sizeof(chunk) - 1] = '\n';
		while (now() < end)
			if (!put(c, chunk, sizeof(chunk)))
				usleep(50);
		printf("%u\n", (unsigned int)(c->out_cons - start));
		return 0;
	}
	if (!strcmp(argv[1], "bad")) {
		c->out_prod = c->out_cons + 100000;
		c->in_cons = c->in_prod + 5000;
		return 0;
	}
	if (!strcmp(argv[1], "read-in")) {
		XENCONS_RING_IDX cons = c->in_cons, prod = c->in_prod;

		if (prod - cons > sizeof(c->in))
			return 1;
		while (cons != prod)
			putchar(c->in[MASK_XENCONS_IDX(cons++, c->in)]);
		c->in_cons = cons;
		putchar('\n');
		return 0;
	}
	return 2;
}
