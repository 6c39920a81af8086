/* Loop devices natively: LOOP_CTL_GET_FREE + LOOP_CONFIGURE (see loop.h). */
#include "loop.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int loop_attach(const char *path, bool ro, char *dev, size_t devlen,
                unsigned *major, unsigned *minor, char *err, size_t errlen)
{
    int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "disk %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "disk %s: not a regular file", path);
        close(fd);
        return -1;
    }
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
        snprintf(err, errlen, "disk %s: /dev/loop-control: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    /* Another process can take the free device between GET_FREE and
     * CONFIGURE (EBUSY): ask again, a bounded number of times. */
    for (int attempt = 0; attempt < 16; attempt++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0) {
            snprintf(err, errlen, "disk %s: no free loop device: %s", path, strerror(errno));
            break;
        }
        snprintf(dev, devlen, "/dev/loop%d", n);
        int lfd = open(dev, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (lfd < 0) {
            snprintf(err, errlen, "disk %s: %s: %s", path, dev, strerror(errno));
            break;
        }
        struct loop_config c;
        memset(&c, 0, sizeof(c));
        c.fd = (unsigned)fd;
        c.info.lo_flags = ro ? LO_FLAGS_READ_ONLY : 0;
        snprintf((char *)c.info.lo_file_name, sizeof(c.info.lo_file_name), "%s", path);
        if (ioctl(lfd, LOOP_CONFIGURE, &c) == 0) {
            struct stat ls;
            fstat(lfd, &ls);
            *major = major(ls.st_rdev);
            *minor = minor(ls.st_rdev);
            close(lfd);
            close(ctl);
            close(fd);
            return 0;
        }
        int e = errno;
        close(lfd);
        if (e != EBUSY) {
            snprintf(err, errlen, "disk %s: %s: %s", path, dev, strerror(e));
            break;
        }
    }
    close(ctl);
    close(fd);
    if (!err[0])
        snprintf(err, errlen, "disk %s: every free loop device was taken meanwhile", path);
    return -1;
}

int loop_detach(const char *dev, char *err, size_t errlen)
{
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", dev, strerror(errno));
        return -1;
    }
    int rc = ioctl(fd, LOOP_CLR_FD, 0);
    int e = errno;
    close(fd);
    if (rc && e != ENXIO) {
        snprintf(err, errlen, "%s: cannot free the loop device: %s", dev, strerror(e));
        return -1;
    }
    return 0;
}
