// Live call-center dashboard and TV wallboard: render the state the server streams (Server-Sent Events
// "state"), tick clocks every second, say "out of date" when the feed stops, reconnect by itself.
// Everything shown goes in through textContent: a caller's name never becomes markup.
(function () {
  "use strict";
  var root = document.getElementById("dashboard") || document.getElementById("wallboard");
  if (!root) { return; }
  var labels = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var state = JSON.parse(document.getElementById("dashboard-state").textContent);
  var wallboard = root.id === "wallboard";
  var skew = 0;            // server clock − browser clock, seconds
  var lastMessage = Date.now();
  // Seconds without a message before the page says it is out of date (WALLBOARD_STALE_SECONDS).
  var STALE_AFTER = parseInt(root.getAttribute("data-stale-after") || "30", 10);
  var source = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function now() { return Date.now() / 1000 + skew; }
  function duration(seconds) {
    if (seconds === null || seconds === undefined || seconds < 0) { return "–"; }
    seconds = Math.floor(seconds);
    var m = Math.floor(seconds / 60), s = seconds % 60, h = Math.floor(m / 60);
    var mm = h ? String(m % 60).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  function level(queue) {
    var red = false, amber = false;
    if (queue.service_level !== null && queue.service_level < queue.sl_percent) { red = true; }
    if (queue.max_waiting && queue.waiting > queue.max_waiting) { red = true; }
    var longest = queue.oldest_joined_at ? now() - queue.oldest_joined_at : 0;
    if (queue.max_wait_seconds && longest > queue.max_wait_seconds) { red = true; }
    else if (queue.max_wait_seconds && longest > queue.max_wait_seconds * 0.7) { amber = true; }
    return red ? "red" : amber ? "amber" : "green";
  }
  function tile(name, value, extra) {
    var box = el("div", {"class": "tile " + (extra || "")});
    box.appendChild(el("span", {"class": "tile-label"}, name));
    box.appendChild(el("strong", {"class": "tile-value"}, value));
    return box;
  }
  function renderQueues() {
    var box = document.getElementById(wallboard ? "wallboard-queues" : "dashboard-queues");
    box.replaceChildren();
    state.queues.forEach(function (queue) {
      var card = el("article", {"class": "queue-card level-" + level(queue), "id": "queue-" + queue.number,
                                "data-level": level(queue)});
      card.appendChild(el("h2", {}, queue.number + " " + queue.name));
      var tiles = el("div", {"class": "tiles"});
      var waiting = tile(labels.waiting, queue.waiting, "waiting");
      tiles.appendChild(waiting);
      var longest = tile(labels.longest, queue.oldest_joined_at ? duration(now() - queue.oldest_joined_at) : "–",
                         "longest");
      longest.querySelector(".tile-value").setAttribute("data-since", queue.oldest_joined_at || "");
      tiles.appendChild(longest);
      tiles.appendChild(tile(labels.logged_in, queue.logged_in, "logged-in"));
      tiles.appendChild(tile(labels.on_call, queue.on_call, "on-call"));
      tiles.appendChild(tile(labels.paused, queue.paused, "paused"));
      tiles.appendChild(tile(labels.idle, queue.idle, "idle"));
      tiles.appendChild(tile(labels.answered, queue.answered, "answered"));
      tiles.appendChild(tile(labels.abandoned, queue.abandoned, "abandoned"));
      tiles.appendChild(tile(labels.service_level,
                             queue.service_level === null ? "–" : queue.service_level + " %", "service-level"));
      if (!wallboard) {
        tiles.appendChild(tile(labels.average_wait, duration(queue.average_wait), "average-wait"));
        tiles.appendChild(tile(labels.average_talk, duration(queue.average_talk), "average-talk"));
      }
      card.appendChild(tiles);
      if (!wallboard) {
        var reasons = Object.keys(queue.paused_by_reason || {});
        if (reasons.length) {
          card.appendChild(el("p", {"class": "paused-reasons"}, reasons.map(function (reason) {
            return (reason || "–") + ": " + queue.paused_by_reason[reason];
          }).join(" · ")));
        }
        var list = el("ol", {"class": "callers"});
        queue.callers.forEach(function (caller) {
          var item = el("li", {"class": "caller"}, (caller.caller || "?") + (caller.name ? " " + caller.name : "") + " · ");
          item.appendChild(el("span", {"data-since": caller.joined_at}, duration(now() - caller.joined_at)));
          list.appendChild(item);
        });
        card.appendChild(list);
      }
      box.appendChild(card);
    });
  }
  function action(number, what, body) {
    var url = root.getAttribute("data-action").replace("NUMBER", encodeURIComponent(number))
      .replace("ACTION", what);
    var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
    return fetch(url, {method: "POST", body: body || new FormData(), credentials: "same-origin",
                       headers: {"X-CSRFToken": token}})
      .then(function (response) { return response.json(); })
      .then(function (answer) { status(answer.ok ? labels.done : answer.error, !answer.ok); });
  }
  function button(number, what, secondary) {
    var node = el("button", {"type": "button", "class": "small" + (secondary ? " secondary" : ""),
                             "data-action": what}, labels[what]);
    node.addEventListener("click", function () { action(number, what); });
    return node;
  }
  function renderAgents() {
    var body = document.querySelector("#dashboard-agents tbody");
    if (!body) { return; }
    body.replaceChildren();
    state.agents.forEach(function (agent) {
      var row = el("tr", {"id": "agent-" + agent.number, "data-state": agent.state});
      row.appendChild(el("td", {}, agent.number + " " + agent.name));
      var stateCell = el("td", {"class": "agent-state"});
      stateCell.appendChild(el("strong", {}, labels.states[agent.state] || agent.state));
      if (agent.reason) { stateCell.appendChild(el("span", {}, " — " + agent.reason)); }
      if (agent.over_limit) { stateCell.appendChild(el("span", {"class": "over-limit"}, " (" + labels.over_limit + ")")); }
      row.appendChild(stateCell);
      row.appendChild(el("td", {"data-since": agent.since || ""}, agent.since ? duration(now() - agent.since) : "–"));
      row.appendChild(el("td", {"class": "calls-today"}, agent.calls_today));
      var actions = el("td", {"class": "agent-actions"});
      if (agent.state === "paused") {
        actions.appendChild(button(agent.number, "unpause"));
      } else if (agent.state !== "logged_out") {
        var select = el("select", {"aria-label": labels.pause});
        select.innerHTML = document.getElementById("pause-reasons").innerHTML;  // our own server-side template
        actions.appendChild(select);
        var pause = el("button", {"type": "button", "class": "small secondary", "data-action": "pause"}, labels.pause);
        pause.addEventListener("click", function () {
          var form = new FormData();
          if (select.value) { form.append("reason", select.value); }
          action(agent.number, "pause", form);
        });
        actions.appendChild(pause);
      }
      actions.appendChild(button(agent.number, agent.state === "logged_out" ? "login" : "logout", true));
      if (agent.state === "on_call") {
        ["listen", "whisper", "barge"].forEach(function (mode) { actions.appendChild(button(agent.number, mode, true)); });
      }
      row.appendChild(actions);
      body.appendChild(row);
    });
  }
  function status(text, error) {
    var node = document.getElementById("dashboard-status");
    if (node) { node.textContent = text; node.className = error ? "flash flash-error" : "muted"; }
  }
  function render() {
    renderQueues();
    renderAgents();
  }
  function tick() {
    document.querySelectorAll("[data-since]").forEach(function (node) {
      var since = parseFloat(node.getAttribute("data-since"));
      if (since) { node.textContent = duration(now() - since); }
    });
    var age = Math.floor((Date.now() - lastMessage) / 1000);
    var stale = document.getElementById("stale");
    if (stale) {
      if (age >= STALE_AFTER) {
        stale.hidden = false;
        stale.textContent = labels.stale.replace("SECONDS", age);
      } else {
        stale.hidden = true;
      }
    }
    document.body.classList.toggle("feed-stale", age >= STALE_AFTER);
  }
  function connect() {
    source = new EventSource(root.getAttribute("data-stream"));
    source.addEventListener("state", function (message) {
      state = JSON.parse(message.data);
      skew = state.now - Date.now() / 1000;
      lastMessage = Date.now();
      root.setAttribute("data-updated", String(lastMessage));
      render();
      if (!wallboard) { status(state.engine_running ? "" : labels.down, !state.engine_running); }
      tick();
    });
    source.addEventListener("error", function () {
      // EventSource retries by itself unless the server refused outright (a closed source): then we do.
      if (source.readyState === EventSource.CLOSED) { setTimeout(connect, 3000); }
    });
  }
  skew = state.now - Date.now() / 1000;
  render();
  connect();
  setInterval(tick, 1000);
}());
