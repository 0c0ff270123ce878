"""The child's training operation: the student's model trained with the kit's loop (grader/training.py), its
forward and backward timed so that a timeout says how slow each call is, checkpoints of its parameters for the
parent to verify the run. A part of ``child.Runner`` (it uses the runner's ``construct``, ``call``, ``load``,
``pack``, ``progress`` and ``failure_report``).
"""
from __future__ import annotations

import time

from grader.sandbox import protocol
from grader.sandbox.failures import StudentFailure
from grader.training import Schedule, dev_loss, train


class Timed:
    """The student's model or loss with its forward and backward timed; every other attribute passes through
    (params and grads, which the training loop reads)."""

    def __init__(self, inner):
        self._inner, self._seconds, self._calls = inner, {"forward": 0.0, "backward": 0.0}, {"forward": 0, "backward": 0}

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _timed(self, name, *args):
        start = time.perf_counter()
        try:
            return getattr(self._inner, name)(*args)
        finally:
            self._seconds[name] += time.perf_counter() - start
            self._calls[name] += 1

    def forward(self, *args):
        return self._timed("forward", *args)

    def backward(self, *args):
        return self._timed("backward", *args)

    @property
    def seconds(self) -> float:
        return sum(self._seconds.values())

    def per_call(self, name: str) -> float:
        """Milliseconds per call of forward or backward so far."""
        return self._seconds[name] / max(1, self._calls[name]) * 1000


class TrainingOps:
    def op_train(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Train the student's model with the kit's loop; send back its final parameters."""
        params = protocol.named(arrays, "param:")
        model = self.construct(h["target"], h.get("init", {}), params, h["label"])
        loss_fn = self.call(f"{h['loss_label']}.__init__", self.load(h["loss"]))
        optimizer = None
        if h.get("optimizer"):  # the student's optimiser (a7's AdamW) instead of the loop's SGD
            optimizer = self.call(f"{h['optimizer'].rpartition(':')[2]}.__init__", self.load(h["optimizer"]),
                                  model.params, **h.get("optimizer_args", {}))
        schedule = Schedule(**h["schedule"])
        where = f"training {h['label']} ({schedule.steps} steps)"
        self.progress(where)
        timed_model, timed_loss = Timed(model), Timed(loss_fn)
        last_report = [0.0]
        checkpoints, out_arrays = set(h.get("checkpoints", ())), {}
        packed_checkpoints: dict = {}

        def report(step, loss, lr):
            if step in checkpoints:  # the parameters after this step, for the parent to verify the run
                params_now = getattr(model, "params", None)
                params_now = params_now if isinstance(params_now, dict) else {}
                packed_checkpoints[str(step)] = {k: self.pack(params_now.get(k), f"ckpt{step}:param:{k}", out_arrays)
                                                 for k in params}
            # Where the time goes, so that a timeout says how slow each call is (not only that it was slow).
            now = time.perf_counter()
            steps_done[:] = [step + 1, now]
            if step == 0 or now - last_report[0] >= 1.0:
                last_report[0] = now
                self.progress(status())

        steps_done = [0, time.perf_counter()]  # steps finished, and when the last one did

        def status() -> str:
            """The run as it is now: steps done, their cost, and how long since the last one ended (read when
            the parent asks where a timed-out request is, so that it is current, not a second old)."""
            done, last = steps_done
            if not done:
                return where
            per_step = (timed_model.seconds + timed_loss.seconds) / done * 1000
            line = (f"{where}: {done} steps done, {per_step:.3g} ms a step (forward "
                    f"{timed_model.per_call('forward'):.3g} ms, backward {timed_model.per_call('backward'):.3g}"
                    f" ms, loss {timed_loss.per_call('forward') + timed_loss.per_call('backward'):.3g} ms)")
            since = time.perf_counter() - last
            if since > max(1.0, 100 * per_step / 1000):
                line += f"; then step {done + 1} did not end in {since:.3g} s: it hangs"
            return line

        self.training_status = status

        try:
            history = train(timed_model, timed_loss, arrays["Xtr"], arrays["Ytr"], schedule, log=report, log_every=1,
                            optimizer=optimizer)
            loss_on_dev = dev_loss(model, arrays["Xdev"], arrays["Ydev"])  # the kit's loss, not the student's
        except BaseException as exc:  # noqa: BLE001
            raise StudentFailure(self.failure_report(exc, f"training {h['label']}")) from None
        finally:
            self.training_status = None
        packed = {k: self.pack(model.params.get(k), f"param:{k}", out_arrays) for k in params}
        losses = history.losses[::max(1, len(history.losses) // 10)]
        result = {"params": packed, "dev_loss": float(loss_on_dev), "losses": losses,
                  "checkpoints": packed_checkpoints}
        if h.get("buffers"):  # the running statistics, for the parent's own evaluation in eval mode
            result["buffers"] = self.pack_buffers(model, h["buffers"], out_arrays)
        return result, out_arrays
