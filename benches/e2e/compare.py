#!/usr/bin/env python3
"""End-to-end comparison of our supervisord/supervisorctl with Python Supervisor 4.3.

One command, from the repository root:

    python3 benches/e2e/compare.py --rev HEAD           # full run (repeat 3, scale check)
    python3 benches/e2e/compare.py --quick              # smoke run: 1 repeat, small figures
    python3 benches/e2e/compare.py --table-only DIR     # re-print the table of an earlier run

It builds our release binaries, uses (or installs) the Python reference in .ref/ (or the
venv named by $SUPERVISOR_REF), then drives the shared benchmark kit
(../shared/bench/bench.py, next to the repository as in CI) over both implementations on
the same generated configs. Scenarios are interleaved (Python, then ours, scenario by
scenario) so slow drift of a shared machine hits both alike. The getAllProcessInfo
linearity runs (100/1,000/5,000 programs) and the 5,000-program scale check of ours are
single runs. It finishes with a markdown table of medians, the ratio between the two, and
each target of issue 11 with its verdict.

Benchmarks, not tests: a missed target never changes the exit status. The exit status is
non-zero only when the kit cannot run or a scenario fails (crash, timeout, wrong state).

Python 3.8+, stdlib only (like the kit).
"""

import argparse
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_KIT = os.path.join(os.path.dirname(ROOT), "shared", "bench")
REF_VERSION = "4.3.0"

MAIN_SCENARIOS = [
    "rss_idle_1",
    "rss_idle_500",
    "start_500",
    "respawn_latency",
    "log_throughput",
    "log_rotate_throughput",
    "ctl_status_500",
    "rpc_getall_500",
    "idle_cpu_500",
    "stop_all_500",
]
# program counts for the getAllProcessInfo linearity check; Python is skipped above this
# count (its cost per call grows quadratically: ~20 s per call at 5,000)
PYTHON_LINEAR_MAX = 1000


def log(msg):
    print("[e2e %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def die(msg):
    print("error: %s" % msg, file=sys.stderr)
    sys.exit(2)


# --------------------------------------------------------------------------
# setup: kit, reference, our binaries
# --------------------------------------------------------------------------

def find_kit(path):
    bench = os.path.join(path, "bench.py")
    if not os.path.isfile(bench):
        die("the shared benchmark kit is missing: %s not found.\n"
            "It is expected next to the repository (../shared/bench relative to %s), as CI "
            "checks it out; or pass --kit DIR." % (bench, ROOT))
    return bench


def find_or_install_ref(install):
    ref = os.environ.get("SUPERVISOR_REF") or os.path.join(ROOT, ".ref")
    sd = os.path.join(ref, "bin", "supervisord")
    sc = os.path.join(ref, "bin", "supervisorctl")
    if not (os.access(sd, os.X_OK) and os.access(sc, os.X_OK)):
        if not install:
            die("Python Supervisor not found in %s (bin/supervisord, bin/supervisorctl); "
                "rerun without --no-install-ref or set SUPERVISOR_REF to a venv" % ref)
        log("installing Python Supervisor %s into %s" % (REF_VERSION, ref))
        run([sys.executable, "-m", "venv", ref])
        run([os.path.join(ref, "bin", "pip"), "install", "-q", "supervisor==%s" % REF_VERSION])
    version = subprocess.run([sd, "--version"], capture_output=True, text=True).stdout.strip()
    if version != REF_VERSION:
        log("warning: the reference reports version %r, the targets assume %s"
            % (version, REF_VERSION))
    return sd, sc, version


def build_ours(build, rev):
    """Our release binaries, built from the working tree, or with `rev` from that commit
    alone (exported with `git archive`, so edits in progress in the tree are left out)."""
    src = ROOT
    if rev:
        sha = git("rev-parse", "--short", rev)
        src = os.path.join(ROOT, "target", "e2e-src", sha)
        if not os.path.isdir(src):
            os.makedirs(src)
            archive = subprocess.Popen(["git", "archive", sha], cwd=ROOT, stdout=subprocess.PIPE)
            run(["tar", "-x", "-C", src], stdin=archive.stdout)
            if archive.wait() != 0:
                die("git archive %s failed" % sha)
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                          cwd=src, capture_output=True, text=True)
    if meta.returncode != 0:
        die("cargo metadata failed:\n%s" % meta.stderr)
    target = json.loads(meta.stdout)["target_directory"]
    if build:
        log("building release binaries from %s (target dir %s)" % (src, target))
        run(["cargo", "build", "--release", "--bin", "supervisord", "--bin", "supervisorctl"],
            cwd=src)
    sd = os.path.join(target, "release", "supervisord")
    sc = os.path.join(target, "release", "supervisorctl")
    for b in (sd, sc):
        if not os.access(b, os.X_OK):
            die("%s is missing; run without --no-build" % b)
    if rev:
        return sd, sc, sha
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return sd, sc, git("rev-parse", "--short", "HEAD") + ("+uncommitted" if dirty else "")


def git(*args):
    r = subprocess.run(["git"] + list(args), cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        die("git %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout.strip()


def run(argv, **kw):
    r = subprocess.run(argv, **kw)
    if r.returncode != 0:
        die("command failed (exit %d): %s" % (r.returncode, " ".join(map(shlex.quote, argv))))


# --------------------------------------------------------------------------
# running the kit
# --------------------------------------------------------------------------

class Runner:
    def __init__(self, opts, kit, impls):
        self.opts = opts
        self.kit = kit
        self.impls = impls  # label -> (supervisord, supervisorctl)
        self.failed = []

    def kit_args(self):
        o = self.opts
        a = ["--repeat", str(o.repeat), "--wait-quiet", str(o.wait_quiet)]
        if o.quick:
            a += ["--log-bytes", str(64 * 1024 * 1024), "--idle-seconds", "5",
                  "--respawn-iterations", "10", "--ctl-runs", "5", "--rpc-seconds", "2",
                  "--settle", "1"]
        return a + o.kit_arg

    def scenario(self, label, name, out, extra=()):
        sd, sc = self.impls[label]
        argv = [sys.executable, self.kit, name, "--supervisord", sd, "--supervisorctl", sc,
                "--label", label, "--out", out] + self.kit_args() + list(extra)
        log("%s: %s %s" % (label, name, " ".join(extra)))
        r = subprocess.run(argv)
        if r.returncode != 0 or not os.path.exists(out):
            self.failed.append("%s %s %s" % (label, name, " ".join(extra)))

    def physical(self, out):
        log("physical limits of this machine (posix_spawn, kill-and-reap, pipes)")
        r = subprocess.run([sys.executable, self.kit, "physical", "--out", out],
                           stdout=subprocess.DEVNULL)
        if r.returncode != 0:
            self.failed.append("physical")


def raise_nofile(programs):
    """Room for every program's descriptors (up to three pipe ends and two log files each,
    plus slack) in the daemon, which inherits our limits: the soft limit up to the hard
    one, and the hard one too where we may (root). Returns a note when it stays short."""
    need = programs * 6 + 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return None
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, max(hard, need)))
    except (ValueError, OSError):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        return "RLIMIT_NOFILE is %d, %d programs need about %d" % (soft, programs, need)
    return None


def merge(out_dir, label, names):
    """One kit-format results file per implementation (for `bench.py report`)."""
    doc = None
    for name in names:
        f = os.path.join(out_dir, "%s-%s.json" % (label, name))
        if not os.path.exists(f):
            continue
        with open(f) as fh:
            d = json.load(fh)
        if doc is None:
            doc = d
        else:
            doc["scenarios"].update(d["scenarios"])
            doc["finished"] = d.get("finished")
    if doc is not None:
        with open(os.path.join(out_dir, "%s.json" % label), "w") as fh:
            json.dump(doc, fh, indent=1)
    return doc


# --------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------

def load(out_dir, name):
    try:
        with open(os.path.join(out_dir, name)) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def median(doc, scenario, key):
    """(median, n, min, max) of one metric, or None."""
    if not doc:
        return None
    sc = doc.get("scenarios", {}).get(scenario)
    if not sc:
        return None
    s = sc["summary"].get(key)
    if not s:
        return None
    return s["median"], s["n"], s["min"], s["max"]


def num(v, unit=""):
    if v is None:
        return "–"
    a = abs(v)
    if a >= 100:
        t = "%.0f" % v
    elif a >= 10:
        t = "%.1f" % v
    elif a >= 1:
        t = "%.2f" % v
    elif a == 0:
        t = "0"
    else:
        t = "%.3g" % v
    return t + unit


def cell(m, scale=1.0, unit=""):
    if m is None:
        return "–"
    med, n, lo, hi = m
    t = num(med * scale, unit)
    if n > 1 and lo != hi:
        t += " (%s–%s)" % (num(lo * scale), num(hi * scale))
    return t


class Table:
    def __init__(self):
        self.rows = []
        self.short = []

    def row(self, what, py, ours, better, target, verdict, scale=1.0, unit=""):
        """better: 'lower' or 'higher' (which direction wins); ratio is our gain (>1 = ours
        better)."""
        gain = None
        if py and ours and py[0] and ours[0]:
            gain = py[0] / ours[0] if better == "lower" else ours[0] / py[0]
        v = "–" if verdict is None else ("met" if verdict else "**short**")
        if verdict is False:
            self.short.append(what)
        self.rows.append("| %s | %s | %s | %s | %s | %s |" % (
            what, cell(py, scale, unit), cell(ours, scale, unit),
            "–" if gain is None else "%s×" % num(gain), target, v))

    def render(self):
        head = ["| measure | Python 4.3 | ours | gain | target | verdict |",
                "|---|---|---|---|---|---|"]
        return "\n".join(head + self.rows)


def within(m, bound):
    return None if m is None or bound is None else m[0] <= bound


def build_table(out_dir):
    py, ours = load(out_dir, "python.json"), load(out_dir, "ours.json")
    phys = physical_floor(out_dir)
    t = Table()
    mib = 1 / 1024.0
    for sc, n, bound in (("rss_idle_1", 1, 2.0), ("rss_idle_500", 500, 4.0)):
        o = median(ours, sc, "rss_kib")
        t.row("daemon RSS, %d program%s" % (n, "s" if n > 1 else ""), median(py, sc, "rss_kib"),
              o, "lower", "≤ %g MiB" % bound, within(o and (o[0] * mib,) + o[1:], bound),
              scale=mib, unit=" MiB")
    spawn = (phys or {}).get("spawn_500_sleeps", {})
    floor = spawn.get("all_execd_s")
    o = median(ours, "start_500", "all_running_s")
    t.row("start: 500 programs RUNNING", median(py, "start_500", "all_running_s"), o, "lower",
          "≤ 1.5 × posix_spawn of 500 sleeps = %s" % num(None if floor is None else 1.5 * floor,
                                                         " s"),
          within(o, None if floor is None else 1.5 * floor), unit=" s")
    o = median(ours, "respawn_latency", "median_ms")
    t.row("respawn: kill -9 to restarted, median", median(py, "respawn_latency", "median_ms"),
          o, "lower", "≤ 2 ms", within(o, 2.0), unit=" ms")
    o = median(ours, "respawn_latency", "p95_ms")
    t.row("respawn: kill -9 to restarted, p95", median(py, "respawn_latency", "p95_ms"), o,
          "lower", "≤ 5 ms", within(o, 5.0), unit=" ms")
    for sc, what in (("log_throughput", "logs"), ("log_rotate_throughput", "logs, rotating")):
        p, o = median(py, sc, "mb_per_s"), median(ours, sc, "mb_per_s")
        t.row("%s: child stdout to file" % what, p, o, "higher", "≥ Python",
              None if p is None or o is None else o[0] >= p[0], unit=" MB/s")
        p, o = median(py, sc, "daemon_cpu_s_per_gib"), median(ours, sc, "daemon_cpu_s_per_gib")
        t.row("%s: daemon CPU per GiB" % what, p, o, "lower", "≤ ¼ of Python",
              None if p is None or o is None else o[0] <= p[0] / 4, unit=" s")
    o = median(ours, "ctl_status_500", "median_s")
    t.row("`supervisorctl status`, 500 programs", median(py, "ctl_status_500", "median_s"), o,
          "lower", "≤ 20 ms", within(o and (o[0] * 1000,) + o[1:], 20.0), scale=1000,
          unit=" ms")
    p, o = median(py, "rpc_getall_500", "calls_per_s"), median(ours, "rpc_getall_500",
                                                               "calls_per_s")
    t.row("getAllProcessInfo, 500 programs", p, o, "higher", "≥ 100 × Python",
          None if p is None or o is None else o[0] >= 100 * p[0], unit=" calls/s")
    p, o = median(py, "rpc_getall_500", "daemon_cpu_per_call_ms"), \
        median(ours, "rpc_getall_500", "daemon_cpu_per_call_ms")
    t.row("getAllProcessInfo daemon CPU per call, 500", p, o, "lower", "–", None, unit=" ms")
    o = median(ours, "idle_cpu_500", "wakeups_per_s")
    t.row("idle wakeups, 500 programs", median(py, "idle_cpu_500", "wakeups_per_s"), o,
          "lower", "0 /s", None if o is None else o[0] == 0, unit=" /s")
    o = median(ours, "idle_cpu_500", "cpu_s")
    t.row("idle CPU in the window, 500 programs", median(py, "idle_cpu_500", "cpu_s"), o,
          "lower", "≈ 0", None if o is None else o[0] <= 0.01, unit=" s")
    reap = spawn.get("term_and_reap_all_s")
    bound = None if reap is None else 2 * reap
    o = median(ours, "stop_all_500", "wall_s")
    t.row("stopAllProcesses, 500 programs", median(py, "stop_all_500", "wall_s"), o, "lower",
          "≤ 2 × kill-and-reap of 500 = %s" % num(bound, " s"), within(o, bound), unit=" s")
    o = median(ours, "idle_cpu_500", "teardown_sigterm_s")
    t.row("SIGTERM to exit, 500 programs", median(py, "idle_cpu_500", "teardown_sigterm_s"), o,
          "lower", "≤ 2 × kill-and-reap of 500 = %s" % num(bound, " s"), within(o, bound),
          unit=" s")

    lines = [t.render(), ""]
    lines += linear_table(out_dir)
    lines += scale_table(out_dir)
    lines += physical_lines(phys)
    try:
        with open(os.path.join(out_dir, "notes.txt")) as fh:
            lines += ["", "Note: " + " ".join(fh.read().split("\n")).strip() + "."]
    except OSError:
        pass
    if t.short:
        lines += ["", "Short of target: " + "; ".join(t.short) + "."]
    return "\n".join(lines)


def physical_floor(out_dir):
    """The physical probe of the run, taken before and after the scenarios; each floor is
    the lower of the two samples (the quieter machine), which makes the bound stricter."""
    samples = [d for d in (load(out_dir, "physical.json"), load(out_dir, "physical-2.json"))
               if d]
    if not samples:
        return None
    phys = dict(samples[0])
    spawn = dict(phys.get("spawn_500_sleeps", {}))
    for key in ("all_execd_s", "term_and_reap_all_s"):
        vals = [d.get("spawn_500_sleeps", {}).get(key) for d in samples]
        vals = [v for v in vals if v is not None]
        if vals:
            spawn[key] = min(vals)
    phys["spawn_500_sleeps"] = spawn
    phys["samples"] = len(samples)
    return phys


def linear_table(out_dir):
    rows = []
    counts = sorted({int(f.rsplit("_", 1)[1].split(".")[0]) for f in os.listdir(out_dir)
                     if f.startswith(("ours-linear_", "python-linear_"))})
    if not counts:
        return []
    rows += ["getAllProcessInfo against the program count (linear target: daemon CPU per "
             "call per program stays flat):", "",
             "| programs | Python calls/s | Python CPU ms/call | ours calls/s | ours CPU ms/call"
             " | ours µs CPU per program |", "|---|---|---|---|---|---|"]
    for n in counts:
        cols = []
        for label in ("python", "ours"):
            d = load(out_dir, "%s-linear_%d.json" % (label, n))
            cols.append((median(d, "rpc_getall_500", "calls_per_s"),
                         median(d, "rpc_getall_500", "daemon_cpu_per_call_ms")))
        per = cols[1][1]
        rows.append("| %d | %s | %s | %s | %s | %s |" % (
            n, cell(cols[0][0]), cell(cols[0][1]), cell(cols[1][0]), cell(cols[1][1]),
            "–" if per is None else num(per[0] * 1000 / n)))
    return rows + [""]


def scale_table(out_dir):
    d = {sc: load(out_dir, "scale-%s.json" % sc)
         for sc in ("start_500", "ctl_status_500", "stop_all_500")}
    if not any(d.values()):
        return []
    n = None
    for doc in d.values():
        m = median(doc, next(iter(doc["scenarios"])), "programs") if doc else None
        n = n or (m and int(m[0]))
    st, ctl, stop = d["start_500"], d["ctl_status_500"], d["stop_all_500"]
    rows = ["Scale check, ours only, %s programs (the kit's start/status/stop scenarios "
            "with `--programs %s`):" % (n, n), "",
            "| measure | ours |", "|---|---|",
            "| launch to all RUNNING | %s |" % cell(median(st, "start_500", "all_running_s"),
                                                   unit=" s"),
            "| daemon RSS when all RUNNING | %s |" % cell(
                median(st, "start_500", "rss_kib_at_running"), 1 / 1024.0, " MiB"),
            "| daemon CPU until all RUNNING | %s |" % cell(
                median(st, "start_500", "daemon_cpu_s_until_running"), unit=" s"),
            "| `supervisorctl status` | %s |" % cell(median(ctl, "ctl_status_500", "median_s"),
                                                    1000, " ms"),
            "| stopAllProcesses | %s |" % cell(median(stop, "stop_all_500", "wall_s"),
                                               unit=" s"),
            "| SIGTERM to exit (all RUNNING) | %s |" % cell(
                median(ctl, "ctl_status_500", "teardown_sigterm_s"), unit=" s"),
            ""]
    return rows


def physical_lines(phys):
    if not phys:
        return []
    s = phys.get("spawn_500_sleeps", {})
    h = phys.get("host", {})
    pipe = phys.get("pipe_writer_cat_file", {}).get("mb_per_s_median")
    return ["Machine: %s, %s CPUs, %s MiB RAM; %s. Floors measured in the same run (the "
            "lower of %d sample%s): posix_spawn of 500 sleeps until all exec'd %s, SIGTERM "
            "and reap of 500 %s, pipe to file with `cat` %s." % (
                h.get("cpu_model"), h.get("nproc"),
                None if h.get("mem_total_kib") is None else h["mem_total_kib"] // 1024,
                phys.get("when"), phys["samples"], "s" if phys["samples"] > 1 else "",
                num(s.get("all_execd_s"), " s"),
                num(s.get("term_and_reap_all_s"), " s"), num(pipe, " MB/s"))]


# --------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kit", default=DEFAULT_KIT, help="the shared kit's directory")
    p.add_argument("--out-dir", help="where result files go (default: target/e2e-bench/DATE)")
    p.add_argument("--repeat", type=int, default=3, help="runs per scenario (medians)")
    p.add_argument("--wait-quiet", type=float, default=30.0,
                   help="wait up to N s for a quiet host before each timed run (0 = off)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 repeat, smaller transfers, no linearity or scale check")
    p.add_argument("--only", nargs="+", metavar="SCENARIO", choices=MAIN_SCENARIOS,
                   help="run a subset of the side-by-side scenarios")
    p.add_argument("--linear", default="100,1000,5000",
                   help="extra program counts for getAllProcessInfo (500 comes from the main "
                        "run; empty = skip)")
    p.add_argument("--scale", type=int, default=5000,
                   help="programs for the scale check of ours (0 = skip)")
    p.add_argument("--rev", help="build ours from this commit only (e.g. HEAD), leaving out "
                   "uncommitted edits; default: the working tree")
    p.add_argument("--no-build", action="store_true", help="use the existing release binaries")
    p.add_argument("--no-main", action="store_true",
                   help="skip the side-by-side scenarios: only the linearity and scale runs "
                        "(to extend an earlier --out-dir)")
    p.add_argument("--no-install-ref", action="store_true",
                   help="fail instead of installing the Python reference when it is missing")
    p.add_argument("--table-only", metavar="DIR", help="print the table of an earlier run")
    p.add_argument("--kit-arg", action="append", default=[],
                   help="extra option passed to bench.py (repeatable), e.g. --kit-arg=-v")
    o = p.parse_args(argv)
    if o.quick:
        o.repeat, o.linear, o.scale = 1, "", 0
        o.wait_quiet = min(o.wait_quiet, 5.0)
    return o


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    if opts.table_only:
        print(build_table(opts.table_only))
        return 0
    kit = find_kit(opts.kit)
    py_sd, py_sc, version = find_or_install_ref(not opts.no_install_ref)
    our_sd, our_sc, commit = build_ours(not opts.no_build, opts.rev)
    out = opts.out_dir or os.path.join(ROOT, "target", "e2e-bench",
                                       time.strftime("%Y%m%dT%H%M%S"))
    os.makedirs(out, exist_ok=True)
    log("results in %s (ours at %s, Python Supervisor %s)" % (out, commit, version))
    r = Runner(opts, kit, {"python": (py_sd, py_sc), "ours": (our_sd, our_sc)})
    names = [] if opts.no_main else (opts.only or MAIN_SCENARIOS)
    if names:
        r.physical(os.path.join(out, "physical.json"))
    for name in names:
        for label in ("python", "ours"):
            r.scenario(label, name, os.path.join(out, "%s-%s.json" % (label, name)))
    for label in ("python", "ours"):
        merge(out, label, names or MAIN_SCENARIOS)
    counts = [int(x) for x in opts.linear.split(",") if x.strip()]
    large = max(counts + [opts.scale, 500])
    short = raise_nofile(large)
    big_extra = []
    if short:
        # three pipe ends per program still fit where two log files more do not
        big_extra = ["--child-logs", "none"]
        note = ("%s: the runs above 1,000 programs use stdout_logfile=NONE and "
                "stderr_logfile=NONE (pipes, no log files)" % short)
        log("warning: " + note)
        with open(os.path.join(out, "notes.txt"), "a") as fh:
            fh.write(note + "\n")
    # 500 is already measured by rpc_getall_500; copy it under the linear name
    for label in ("python", "ours"):
        src = os.path.join(out, "%s-rpc_getall_500.json" % label)
        if os.path.exists(src):
            shutil.copy(src, os.path.join(out, "%s-linear_500.json" % label))
    for n in counts:
        for label in ("python", "ours"):
            if label == "python" and n > PYTHON_LINEAR_MAX:
                continue
            r.scenario(label, "rpc_getall_500", os.path.join(out, "%s-linear_%d.json" % (label, n)),
                       ["--programs", str(n), "--timeout", "600", "--repeat", "1"]
                       + (big_extra if n > 1000 else []))
    if opts.scale:
        for sc in ("start_500", "ctl_status_500", "stop_all_500"):
            r.scenario("ours", sc, os.path.join(out, "scale-%s.json" % sc),
                       ["--programs", str(opts.scale), "--timeout", "600", "--repeat", "1"]
                       + big_extra)
    r.physical(os.path.join(out, "physical-2.json"))
    table = build_table(out)
    with open(os.path.join(out, "table.md"), "w") as fh:
        fh.write("Ours at %s vs Python Supervisor %s, %s.\n\n%s\n" % (
            commit, version, time.strftime("%Y-%m-%d"), table))
    print(table)
    if r.failed:
        print("\nfailed runs: %s (details in %s)" % ("; ".join(r.failed), out), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
