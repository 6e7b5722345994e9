"""Runs a multi-group oracle scenario against Python Supervisor's `Supervisor` class and
its process groups (real `ProcessGroup` and `Subprocess` objects).

One `tick` is one pass of supervisord's main loop without its I/O: the stop-group
phases, the shutdown report and every group's transition, in the order `runforever`
calls them. Exits are reported as `reap` would (`finish`). Fakes: the clock, fork (the
scenario's next pid), kill() and the logger, which record what they are given.

Usage: python supervisor_driver.py SCENARIO_FILE
"""
import sys

from supervisor import events
from supervisor import process as process_module
from supervisor import supervisord as supervisord_module
from supervisor.datatypes import RestartUnconditionally, RestartWhenExitUnexpected
from supervisor.states import SupervisorStates
from supervisor.tests.base import DummyOptions, DummyPConfig

WALL_BASE = 1701360000
out = []


class FakeClock:
    now = float(WALL_BASE)

    def time(self):
        return self.now


clock = FakeClock()
process_module.time = clock
supervisord_module.time = clock


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


class ProcConfig(DummyPConfig):
    def make_process(self, group=None):
        proc = process_module.Subprocess(self)
        proc.group = group
        return proc


class GroupConfig:
    def __init__(self, name, priority, process_configs):
        self.name = name
        self.priority = priority
        self.process_configs = process_configs

    def after_setuid(self):
        pass

    def make_group(self):
        return process_module.ProcessGroup(self)


def on_event(event):
    name = events.getEventNameByType(type(event))
    payload = event.payload() if isinstance(event, events.ProcessStateEvent) else ""
    out.append(("EVENT %s %s" % (name, payload)).rstrip())


def main(path):
    lines = [l.split("#")[0].split() for l in open(path)]
    lines = [l for l in lines if l]
    options = DummyOptions()
    options.logger = RecordingLogger()
    pids = []
    options.fork = lambda: pids.pop(0)
    options.kill = lambda pid, sig: out.append("KILL %s %s" % (pid, sig))
    sup = supervisord_module.Supervisor(options)
    events.clear()
    events.subscribe(events.ProcessStateEvent, on_event)
    events.subscribe(events.SupervisorStateChangeEvent, on_event)
    defaults = {}
    all_stopped = False

    def proc(namespec):
        group, name = namespec.split(":")
        return sup.process_groups[group].processes[name]

    def tick():
        nonlocal all_stopped
        pgroups = sorted(sup.process_groups.values())
        if options.mood < SupervisorStates.RUNNING:
            if not sup.stopping:
                sup.stopping = True
                sup.stop_groups = pgroups[:]
                events.notify(events.SupervisorStoppingEvent())
            sup.ordered_stop_groups_phase_1()
            if not sup.shutdown_report() and not all_stopped:
                all_stopped = True
                out.append("ALLSTOPPED")
        for group in pgroups:
            group.transition()
        if options.mood < SupervisorStates.RUNNING:
            sup.ordered_stop_groups_phase_2()

    for words in lines:
        if words[0] == "at":
            clock.now = WALL_BASE + float(words[1])
            words = words[2:]
            if not words:
                continue
        op, args = words[0], words[1:]
        if op == "defaults":
            defaults = dict(kv.split("=") for kv in args)
        elif op == "pids":
            pids.extend(int(p) for p in args)
        elif op == "group":
            kv = dict(a.split("=") for a in args[1:])
            configs = []
            for name in kv["procs"].split(","):
                d = dict(defaults)
                configs.append(ProcConfig(
                    options, name, "/bin/sh", priority=int(d["priority"]),
                    autostart=d["autostart"] == "1",
                    autorestart={"never": False, "unexpected": RestartWhenExitUnexpected,
                                 "always": RestartUnconditionally}[d["autorestart"]],
                    startsecs=int(d["startsecs"]), startretries=int(d["startretries"]),
                    stopsignal=15, stopwaitsecs=int(d["stopwaitsecs"]), exitcodes=(0,)))
            sup.add_process_group(GroupConfig(args[0], int(kv["priority"]), configs))
        elif op == "run":
            events.notify(events.SupervisorRunningEvent())
            tick()
        elif op == "tick":
            tick()
        elif op == "exit":
            p = proc(args[0])
            p.finish(p.pid, int(args[1]))
        elif op == "stop":
            msg = proc(args[0]).stop()
            if msg is not None:
                out.append("ERR %s" % msg)
        elif op == "shutdown":
            options.mood = SupervisorStates.SHUTDOWN
        elif op == "restart":
            options.mood = SupervisorStates.RESTARTING
        else:
            raise SystemExit("unknown op %r" % op)
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
