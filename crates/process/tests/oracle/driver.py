"""Runs an oracle scenario against Python Supervisor's own Subprocess class.

The process lifecycle code is the reference's; only its surroundings are fakes: a clock
that moves when the scenario says, an options object from Supervisor's test helpers
whose fork returns the scenario's next pid, and a logger and kill() that record what
they are given. Prints one line per log line, event, kill, refusal and description, in
the format the Rust side prints (see oracle.rs).

Usage: python driver.py SCENARIO_FILE
"""
import sys

from supervisor import events
from supervisor import process as process_module
from supervisor.datatypes import RestartUnconditionally, RestartWhenExitUnexpected
from supervisor.rpcinterface import SupervisorNamespaceRPCInterface
from supervisor.states import getProcessStateDescription
from supervisor.tests.base import DummyOptions, DummyPConfig

WALL_BASE = 1701360000
out = []


class FakeClock:
    now = float(WALL_BASE)

    def time(self):
        return self.now


clock = FakeClock()
process_module.time = clock


def recorder(tag):
    def record(self, msg, **kw):
        out.append("LOG %s %s" % (tag, msg % kw if kw else msg))
    return record


class RecordingLogger:
    info = recorder("INFO")
    warn = recorder("WARN")
    debug = recorder("DEBG")
    critical = recorder("CRIT")
    error = recorder("ERRO")
    trace = recorder("TRAC")
    blather = recorder("BLAT")


class GroupConfig:
    name = "foo"


class Group:
    config = GroupConfig()


def on_event(event):
    out.append("EVENT %s %s" % (events.getEventNameByType(type(event)), event.payload()))


def main(path):
    lines = [l.split("#")[0].split() for l in open(path)]
    lines = [l for l in lines if l]
    spec = dict(kv.split("=") for kv in lines[0][1:])
    pids = [int(p) for p in lines[1][1:]]
    options = DummyOptions()
    options.logger = RecordingLogger()
    options.kill = lambda pid, sig: out.append("KILL %s %s" % (pid, sig))
    autorestart = {
        "never": False,
        "unexpected": RestartWhenExitUnexpected,
        "always": RestartUnconditionally,
    }[spec["autorestart"]]
    config = DummyPConfig(
        options, "foo", "/bin/sh", autostart=False, autorestart=autorestart,
        startsecs=int(spec["startsecs"]), startretries=int(spec["startretries"]),
        stopsignal=int(spec["stopsignal"]), stopwaitsecs=int(spec["stopwaitsecs"]),
        stopasgroup=spec["stopasgroup"] == "1", killasgroup=spec["killasgroup"] == "1",
        exitcodes=tuple(int(c) for c in spec["exitcodes"].split(",")),
    )
    proc = process_module.Subprocess(config)
    proc.group = Group()
    events.clear()
    events.subscribe(events.ProcessStateEvent, on_event)
    for words in lines[2:]:
        if words[0] == "at":
            clock.now = WALL_BASE + float(words[1])
            words = words[2:]
            if not words:
                continue
        op, args = words[0], words[1:]
        if pids:
            options.forkpid = pids[0]
        if op == "start":
            proc.spawn()
        elif op == "tick":
            proc.transition()
        elif op == "exit":
            proc.finish(proc.pid, int(args[0]))
        elif op == "stop":
            msg = proc.stop()
            if msg is not None:
                out.append("ERR %s" % msg)
        elif op == "signal":
            msg = proc.signal(int(args[0]))
            if msg is not None:
                out.append("ERR %s" % msg)
        elif op == "report":
            proc.stop_report()
        elif op == "failspawn":
            config.command = "/bad/filename" if args[0] == "on" else "/bin/sh"
        elif op == "desc":
            info = {
                "name": "foo", "start": int(proc.laststart), "stop": int(proc.laststop),
                "now": int(clock.now), "state": proc.get_state(),
                "spawnerr": proc.spawnerr or "", "pid": proc.pid,
            }
            desc = SupervisorNamespaceRPCInterface._interpretProcessInfo(None, info)
            out.append("DESC %s %s" % (getProcessStateDescription(proc.get_state()), desc))
        else:
            raise SystemExit("unknown op %r" % op)
        if pids and proc.pid == pids[0]:
            pids.pop(0)
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
