"""The bot console runs the live bot's asynchronous recognition from a web request's synchronous code."""
import asyncio
import threading

from appliance.services import bots


async def _double(value):
    await asyncio.sleep(0)
    return 2 * value


def test_a_coroutine_runs_to_completion_from_plain_code():
    assert bots._run_to_completion(_double(2)) == 4


def test_a_coroutine_runs_to_completion_where_an_event_loop_already_runs():
    # As in a process driving a browser with Playwright's synchronous API: asyncio.run would refuse here.
    async def inside_a_loop():
        return bots._run_to_completion(_double(3))

    # The outer loop runs in a thread of its own: this test's thread may hold Playwright's already.
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=asyncio.run(inside_a_loop())))
    thread.start()
    thread.join(30)
    assert result == {"value": 6}
