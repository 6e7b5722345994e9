#!/usr/bin/env python3
"""Soak test of our supervisord: many programs, random kills, then health checks.

Run on demand (not by `cargo test`), from the workspace root:

    cargo build --release --bin supervisord
    python3 tests/soak/soak.py --minutes 5
    python3 tests/soak/soak.py --minutes 1 --programs 50 --daemon .ref/bin/supervisord

It starts the daemon (default target/release/supervisord) on a temporary config with
--programs programs (default 200, `sleep`, autorestart), then for --minutes minutes
kills --kills random running children every second with SIGTERM, SIGKILL or SIGINT while
sampling the daemon's resident memory and open descriptors. At the end it checks that:
  * every program is RUNNING again,
  * the daemon has no zombie children,
  * its descriptor count is within 2 of the first sample (taken once all programs run;
    a client connection may be open at either moment): the same children hold the same
    pipes, so fewer means lost pipes and more means a leak,
  * its resident memory grew by less than --rss-slack percent (default 50) plus 2 MiB
    over the first sample.
It prints one line per check and exits 0 when all hold, 1 otherwise. Python standard
library only.
"""

import argparse
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        return UnixConnection(self.path)


def config(directory, programs):
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    return f"""[supervisord]
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s
user={user}

[unix_http_server]
file=%(here)s/sup.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:soak]
command=sleep 100000
startsecs=0
autorestart=true
numprocs={programs}
process_name=%(program_name)s_%(process_num)03d
stdout_logfile=NONE
stderr_logfile=NONE
"""


def proc_children(parent):
    """(pid, state letter) of every child of `parent`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == parent:
            found.append((int(name), fields[0]))
    return found


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def wait_until(what, predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    print(f"timed out waiting for {what}")
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--kills", type=int, default=10, help="kills per second")
    parser.add_argument("--rss-slack", type=float, default=50.0, help="percent")
    parser.add_argument("--daemon", default="target/release/supervisord")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="sv-soak") as directory:
        conf = os.path.join(directory, "supervisord.conf")
        with open(conf, "w") as f:
            f.write(config(directory, args.programs))
        out = open(os.path.join(directory, "daemon.out"), "w")
        daemon = subprocess.Popen(
            [os.path.abspath(args.daemon), "-n", "-c", conf],
            cwd=directory,
            stdout=out,
            stderr=out,
        )
        server = xmlrpc.client.ServerProxy(
            "http://localhost", transport=UnixTransport(os.path.join(directory, "sup.sock"))
        )
        failures = []
        try:

            def infos():
                return server.supervisor.getAllProcessInfo()

            def all_running():
                try:
                    return all(i["statename"] == "RUNNING" for i in infos())
                except (OSError, xmlrpc.client.Error):
                    return False

            if not wait_until("all programs RUNNING at start", all_running):
                failures.append("programs did not all start")
                return 1
            first_fds = fd_count(daemon.pid)
            first_rss = rss_kib(daemon.pid)
            print(f"start: {first_fds} fds, {first_rss} KiB resident")

            end = time.monotonic() + args.minutes * 60
            kills = 0
            while time.monotonic() < end:
                running = [i["pid"] for i in infos() if i["statename"] == "RUNNING"]
                for pid in rng.sample(running, min(args.kills, len(running))):
                    sig = rng.choice([signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
                    try:
                        os.kill(pid, sig)
                        kills += 1
                    except ProcessLookupError:
                        pass
                time.sleep(1)
                print(
                    f"{kills} kills, {fd_count(daemon.pid)} fds, "
                    f"{rss_kib(daemon.pid)} KiB resident",
                    flush=True,
                )

            checks = []
            checks.append(("all RUNNING again", wait_until("all RUNNING", all_running)))
            zombies = [p for p, s in proc_children(daemon.pid) if s == "Z"]
            checks.append((f"no zombie children ({zombies})", not zombies))
            fds = fd_count(daemon.pid)
            checks.append(
                (f"descriptors {fds} within 2 of {first_fds}", abs(fds - first_fds) <= 2)
            )
            rss = rss_kib(daemon.pid)
            limit = first_rss * (1 + args.rss_slack / 100) + 2048
            checks.append((f"resident {rss} KiB < {limit:.0f} KiB", rss < limit))
            for text, ok in checks:
                print(("ok   " if ok else "FAIL ") + text)
                if not ok:
                    failures.append(text)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
            out.close()
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
