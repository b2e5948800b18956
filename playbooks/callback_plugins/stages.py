"""Progress display for long playbooks: each play is a stage, named with the elapsed time.

Printed beside Ansible's normal output, e.g. ``==> [02:13] stage 3/5 done in 41.2 s: Assemble the disk``,
so a person watching the image build sees which stage runs and how long each took.
"""
import time

from ansible.plugins.callback import CallbackBase

#: Tasks taking at least this many seconds are listed at the end (where the time went).
SLOW = 3

DOCUMENTATION = """
name: stages
type: aggregate
short_description: Name each play as a stage with elapsed times
description: Prints a line when a play starts and a summary of every stage's time at the end.
author: Centralina
"""


class CallbackModule(CallbackBase):
    """Time every play of the playbook."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "stages"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.started = time.monotonic()
        self.stages = []  # [name, start, end]
        self.total = 0
        self.task = None  # [name, start]
        self.slow = []  # (seconds, task name) of tasks over SLOW seconds

    def _clock(self):
        seconds = int(time.monotonic() - self.started)
        return f"{seconds // 60:02d}:{seconds % 60:02d}"

    def _close_current(self):
        if self.stages and self.stages[-1][2] is None:
            self.stages[-1][2] = time.monotonic()
            name, start, end = self.stages[-1]
            self._display.display(f"==> [{self._clock()}] stage {len(self.stages)} done in {end - start:.1f} s: {name}",
                                  color="bright blue")

    def _end_task(self):
        if self.task:
            seconds = time.monotonic() - self.task[1]
            if seconds >= SLOW:
                self.slow.append((seconds, self.task[0]))
            self.task = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._end_task()
        self.task = [task.get_name().strip(), time.monotonic()]

    def v2_playbook_on_start(self, playbook):
        self.total = len(playbook.get_plays())

    def v2_playbook_on_play_start(self, play):
        self._end_task()
        self._close_current()
        name = play.get_name().strip()
        self.stages.append([name, time.monotonic(), None])
        self._display.display(f"==> [{self._clock()}] stage {len(self.stages)}/{self.total}: {name}",
                              color="bright blue")

    def v2_playbook_on_stats(self, stats):
        self._end_task()
        self._close_current()
        lines = [f"  {end - start:7.1f} s  {name}" for name, start, end in self.stages]
        self._display.display("==> stages:\n" + "\n".join(lines)
                              + f"\n  {time.monotonic() - self.started:7.1f} s  total", color="bright blue")
        if self.slow:
            lines = [f"  {seconds:7.1f} s  {name}" for seconds, name in sorted(self.slow, reverse=True)]
            self._display.display(f"==> tasks over {SLOW} s:\n" + "\n".join(lines), color="bright blue")
