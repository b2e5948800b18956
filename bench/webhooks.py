"""Webhook fan-out at a steady rate of call events: delivered, lost, latency (decision 018).

The daemon's path without Asterisk: events are published into the events table at ``--rate``
per second (as the AMI listener does), the daemon's Sender fans them out to ``--endpoints``
receivers and posts them, signed, to a real HTTP server on loopback. Latency is from publish
to the receiver's arrival; "lost" counts events an endpoint never received (goal: 0).

    .venv/bin/python -m bench.webhooks --rate 100 --seconds 30 --endpoints 3
"""
import argparse
import json
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

from appliance import db, events, migrations
from appliance.services import Actor, webhook_delivery, webhooks
from tests.webhook_receiver import Receiver, verify


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def _sink(ready, stop, results):
    """The receivers' own process (another system, as in production): serve until told, then report."""
    with Receiver() as receiver:
        ready.put(receiver.port)
        stop.wait()
        results.put([{"path": one["path"], "headers": one["headers"], "body": one["body"], "status": one["status"],
                      "wall": one["wall"]} for one in receiver.requests])


class _RemoteReceiver:
    """A Receiver in a child process: arrivals counted through a shared counter, requests fetched at the end."""

    def __init__(self):
        self._ready, self._results, self._stop = multiprocessing.Queue(), multiprocessing.Queue(), \
            multiprocessing.Event()
        self._process = multiprocessing.Process(target=_sink, args=(self._ready, self._stop, self._results))
        self._process.start()
        self.port = self._ready.get(timeout=10)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def finish(self):
        self._stop.set()
        requests = self._results.get(timeout=60)
        self._process.join(10)
        return requests


def _delivered(expected):
    """Return how many deliveries the database holds as delivered."""
    from appliance.models.webhooks import WebhookDelivery
    return WebhookDelivery.select().where(WebhookDelivery.status == "delivered").count()


def run(rate, seconds, endpoint_count, drain_timeout=60.0):
    """Publish ``rate`` events/s for ``seconds`` to ``endpoint_count`` endpoints; return the figures."""
    receiver = _RemoteReceiver()
    with tempfile.TemporaryDirectory() as tmp:
        migrations.upgrade(db.init(f"sqlite:///{Path(tmp) / 'bench.db'}"))
        secrets = {}
        for number in range(endpoint_count):
            _, secret = webhooks.create(webhooks.EndpointInput(f"crm{number}", receiver.url(f"/crm{number}"),
                                                               ("call.ringing", "call.answered", "call.hungup")),
                                        Actor.system("bench"), allow_private=True)
            secrets[f"/crm{number}"] = secret
        sender = webhook_delivery.Sender(webhook_delivery.Config(allow_private=True, retry_base=1.0)).start()
        total = int(rate * seconds)
        kinds = ("call.ringing", "call.answered", "call.hungup")
        started = time.monotonic()
        for index in range(total):
            # Steady pacing, like calls arriving: never a burst the size of the run.
            pause = started + index / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            events.publish(kinds[index % 3], {"call_id": f"bench.{index // 3}", "sent_at": time.time()},
                           extensions=("701",))
        published_for = time.monotonic() - started
        deadline = time.monotonic() + drain_timeout
        expected = total * endpoint_count
        while time.monotonic() < deadline and _delivered(expected) < expected:
            time.sleep(0.1)
        sender.stop()
        received = receiver.finish()
        unique = {(one["path"], one["headers"]["Centralina-Webhook-Id"]) for one in received}
        bad_signatures = sum(1 for one in received if not verify(secrets[one["path"]], one["headers"], one["body"]))
        wall = {}
        for one in received:
            body = json.loads(one["body"])
            wall.setdefault((one["path"], body["id"]), one["wall"] - body["data"]["sent_at"])
        latencies = [value * 1000 for value in wall.values()]
        db.close()
        return {"rate": rate, "seconds": seconds, "endpoints": endpoint_count, "published": total,
                "published_rate": total / published_for, "expected": expected, "delivered": len(unique),
                "lost": expected - len(unique), "duplicates": len(received) - len(unique),
                "bad_signatures": bad_signatures, "p50_ms": statistics.median(latencies) if latencies else float("nan"),
                "p95_ms": _percentile(latencies, 0.95), "max_ms": max(latencies, default=float("nan"))}


def main():
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="call events published per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--endpoints", type=int, default=3, help="endpoints subscribed to every call event")
    args = parser.parse_args()
    figures = run(args.rate, args.seconds, args.endpoints)
    print(f"webhook fan-out: {figures['published']} call events at {figures['published_rate']:.1f}/s "
          f"to {figures['endpoints']} endpoints ({figures['expected']} deliveries)")
    print("| delivered | lost | duplicates | bad signatures | latency p50 | p95 | max |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {figures['delivered']} | {figures['lost']} | {figures['duplicates']} | {figures['bad_signatures']} | "
          f"{figures['p50_ms']:.0f} ms | {figures['p95_ms']:.0f} ms | {figures['max_ms']:.0f} ms |")


if __name__ == "__main__":
    main()
