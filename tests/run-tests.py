#!/usr/bin/python3
"""pvisor test runner: unit tests, bounded fuzz runs and QEMU system tests.

Every test is an executable; exit status 0 = pass, 77 = skip, else fail.
  unit    build/tests/unit/*        cmocka binaries
  fuzz    build/tests/fuzz/*        libFuzzer binaries, run for a bounded time
  system  tests/system/**/*.sh      scripts; a '# timeout: N' line sets the limit

Logs go to build/test-logs/<kind>/<name>.log; a failure prints the log tail.
The last line is the summary: 'pvisor tests: N passed, M failed, K skipped'.
"""
import argparse
import concurrent.futures as cf
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = 77


class Test:
    def __init__(self, kind, name, argv, timeout, cwd=ROOT):
        self.kind, self.name, self.argv = kind, name, argv
        self.timeout, self.cwd = timeout, cwd
        self.weight = 1

    @property
    def id(self):
        return f"{self.kind}/{self.name}"


def executables(d):
    if not os.path.isdir(d):
        return []
    out = []
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if os.path.isfile(p) and os.access(p, os.X_OK) and "." not in f:
            out.append(p)
    return out


def header_value(path, key, default):
    try:
        with open(path, errors="replace") as fh:
            for _ in range(30):
                m = re.match(rf"#\s*{key}:\s*(\S+)", fh.readline())
                if m:
                    return m.group(1)
    except OSError:
        pass
    return default


def discover(build, fuzz_seconds):
    tests = []
    for p in executables(os.path.join(build, "tests", "unit")):
        # 300 s: the decoder tests run the real compressors (zstd -19, xz -9e)
        # and wait for CPU time on a CI host shared with QEMU boots.
        tests.append(Test("unit", os.path.basename(p), [p], 300))
    for p in executables(os.path.join(build, "tests", "fuzz")):
        name = os.path.basename(p)
        seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
        argv = [p, f"-max_total_time={fuzz_seconds}", "-seed=1",
                "-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048"]
        t = Test("fuzz", name, argv, fuzz_seconds + 120)
        t.seed_dir = seeds if os.path.isdir(seeds) else None
        tests.append(t)
    sysdir = os.path.join(ROOT, "tests", "system")
    for dirpath, _, files in sorted(os.walk(sysdir)):
        for f in sorted(files):
            p = os.path.join(dirpath, f)
            if f.endswith(".sh") and os.access(p, os.X_OK):
                rel = os.path.relpath(p, sysdir)[:-3]
                t = Test("system", rel, [p], int(header_value(p, "timeout", 300)))
                t.weight = int(header_value(p, "weight", 1))
                tests.append(t)
    return tests


def run_one(t, build, logdir):
    log = os.path.join(logdir, t.kind, t.name.replace("/", "_") + ".log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    env = dict(os.environ)
    env["PVISOR_ROOT"] = ROOT
    env["PVISOR_BUILD"] = os.path.abspath(build)
    env["PVISOR_TEST_TMP"] = tempfile.mkdtemp(prefix=f"pvtest-{t.kind}-")
    argv = list(t.argv)
    if t.kind == "fuzz":
        work = os.path.join(env["PVISOR_TEST_TMP"], "corpus")
        os.makedirs(work)
        argv.append(work)
        if t.seed_dir:
            argv.append(t.seed_dir)
    start = time.monotonic()
    with open(log, "wb") as fh:
        fh.write(("$ " + " ".join(argv) + "\n").encode())
        fh.flush()
        proc = subprocess.Popen(argv, cwd=t.cwd, env=env, stdout=fh,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=t.timeout)
            status = "PASS" if rc == 0 else ("SKIP" if rc == SKIP else "FAIL")
            why = "" if rc in (0, SKIP) else f"exit status {rc}"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            status, why = "FAIL", f"timed out after {t.timeout} s"
    shutil.rmtree(env["PVISOR_TEST_TMP"], ignore_errors=True)
    return status, why, time.monotonic() - start, log


def tail(path, n):
    with open(path, errors="replace") as fh:
        lines = fh.readlines()
    return "".join(lines[-n:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", action="append", choices=["unit", "fuzz", "system"])
    ap.add_argument("-k", "--filter", help="run tests whose id contains this")
    ap.add_argument("-j", "--jobs", type=int, default=int(os.environ.get("PVISOR_TEST_JOBS", "2")))
    ap.add_argument("--fuzz-seconds", type=int, default=int(os.environ.get("PVISOR_FUZZ_SECONDS", "20")))
    ap.add_argument("--tail", type=int, default=40)
    args = ap.parse_args()

    tests = discover(args.build, args.fuzz_seconds)
    if args.only:
        tests = [t for t in tests if t.kind in args.only]
    if args.filter:
        tests = [t for t in tests if args.filter in t.id]
    if not tests:
        print("pvisor tests: nothing to run (build first: make all)")
        return 1

    logdir = os.path.join(args.build, "test-logs")
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    failed = []
    t0 = time.monotonic()
    print(f"running {len(tests)} tests, {args.jobs} at a time; logs in {logdir}/", flush=True)
    # Heavy tests (several QEMU CPUs) hold more than one job slot.
    slots = max(1, args.jobs)
    with cf.ThreadPoolExecutor(max_workers=slots) as pool:
        pending = list(tests)
        running = {}
        used = 0
        while pending or running:
            while pending:
                w = min(pending[0].weight, slots)
                if used + w > slots and running:
                    break
                t = pending.pop(0)
                running[pool.submit(run_one, t, args.build, logdir)] = (t, w)
                used += w
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                t, w = running.pop(fut)
                used -= w
                status, why, secs, log = fut.result()
                counts[status] += 1
                extra = f"  ({why})" if why else ""
                print(f"{status} {t.id} [{secs:.1f} s]{extra}", flush=True)
                if status == "FAIL":
                    failed.append(t.id)
                    print(f"---- last {args.tail} lines of {log} ----")
                    print(tail(log, args.tail).rstrip())
                    print("----", flush=True)
    total = time.monotonic() - t0
    if failed:
        print("failed: " + ", ".join(failed))
    print(f"pvisor tests: {counts['PASS']} passed, {counts['FAIL']} failed, "
          f"{counts['SKIP']} skipped ({total:.0f} s)")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
