"""AMI event -> dashboard frame latency with many dashboards open (issue 14 item 9: p95 <= 500 ms at 100
call events per second with 20 dashboards).

The daemon's path without Asterisk: a QueueBoard (what the daemon's AMI listener feeds) is given
``--rate`` queue events per second (a caller joins, an older one leaves, alternately); ``--clients``
logged-in dashboards hold the SSE stream of the web app (threaded server on loopback, its own
process) and record when each joined caller first appears in a frame. Latency = frame arrival -
the moment the event was handed to the board.

    .venv/bin/python -m bench.dashboard_latency --rate 100 --clients 20 --seconds 30
"""
import argparse
import http.client
import json
import multiprocessing
import re
import tempfile
import threading
import time
from pathlib import Path

from appliance import db, migrations
from appliance.asterisk.names import queue_name
from appliance.services import Actor, queue_board, queues, users

PASSWORD = "Painel-de-filas-42!"


def _serve(conf, port, ready):
    from werkzeug.serving import make_server

    from web import create_app

    server = make_server("127.0.0.1", port, create_app(conf), threaded=True)
    ready.set()
    server.serve_forever()


def _login(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = f"username=admin&password={PASSWORD}&csrf_token={token}"
    connection.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    return response.getheader("Set-Cookie").split(";")[0]


def _client(port, cookie, sent, latencies, stop):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/callcenter/dashboard/stream", headers={"Cookie": cookie})
    response = connection.getresponse()
    assert response.status == 200, response.status
    seen = set()
    for raw in response:
        if stop.is_set():
            break
        line = raw.decode()
        if not line.startswith("data: "):
            continue
        now = time.monotonic()
        state = json.loads(line[6:])
        for queue in state["queues"]:
            for caller in queue["callers"]:
                number = int(caller["caller"] or 0)
                if number and number not in seen and number in sent:
                    seen.add(number)
                    latencies.append(now - sent[number])
    connection.close()


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main(argv=None):
    """Run the measurement and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="cc-dash-"))
    conf = {"VAR_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'app.db'}", "SECRET_KEY": "bench",
            "ENGINE_ENABLED": False, "EVENT_STREAMS_PER_WORKER": args.clients + 2,
            "EVENT_STREAM_MAX_SECONDS": args.seconds + 60, "SESSION_COOKIE_SECURE": False}
    migrations.upgrade(db.init(conf["DATABASE_URL"]))
    users.create(users.UserInput("admin", PASSWORD, "Admin", role="admin", language="en"), Actor.system("bench"))
    queue = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[]), Actor.system("bench"))
    board = queue_board.QueueBoard(conf["VAR_DIR"])
    name = queue_name(queue.id)
    from tests.engine.sipp import free_port

    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(conf, port, ready), daemon=True)
    server.start()
    ready.wait(30)
    time.sleep(0.5)
    sent, latencies, stop = {}, [], threading.Event()
    cookies = [_login(port) for _ in range(args.clients)]
    readers = [threading.Thread(target=_client, args=(port, cookie, sent, latencies, stop), daemon=True)
               for cookie in cookies]
    for reader in readers:
        reader.start()
    time.sleep(2)  # every stream open and past its first frame
    interval, total = 1.0 / args.rate, int(args.rate * args.seconds)
    began = time.monotonic()
    for index in range(1, total + 1):
        due = began + index * interval
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        if index % 2:
            sent[index] = time.monotonic()
            board.on_event({"Event": "QueueCallerJoin", "Queue": name, "Uniqueid": str(index),
                            "CallerIDNum": str(index)})
        else:
            board.on_event({"Event": "QueueCallerLeave", "Queue": name, "Uniqueid": str(index - 21)})
    elapsed = time.monotonic() - began
    time.sleep(2)
    stop.set()
    server.terminate()
    server.join(10)
    joins = len(sent)
    expected = joins * args.clients
    print(f"{total} queue events in {elapsed:.1f} s ({total / elapsed:.0f}/s), {args.clients} dashboards, "
          f"{joins} joins each dashboard should show")
    print("| seen | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    print(f"| {len(latencies)} of {expected} | {_percentile(latencies, 0.5) * 1000:.0f} | "
          f"{_percentile(latencies, 0.95) * 1000:.0f} | {max(latencies or [0]) * 1000:.0f} |")
    print(f"goal: p95 <= 500 ms: {'met' if _percentile(latencies, 0.95) <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
