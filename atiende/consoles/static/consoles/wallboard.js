/* The supervisor's wallboard: queues with their waiting timers (coloured as they near PO-2's limit),
   technicians, live alerts with join / take over (PO-5), and today's figures. */
(function () {
  "use strict";
  var L = window.AtiendeLive, el = L.el, clear = L.clear, clock = L.clock;
  var root = document.getElementById("wallboard");
  if (!root) { return; }
  var S = JSON.parse(document.getElementById("board-strings").textContent);
  var api = root.getAttribute("data-api");
  var snapshot = JSON.parse(document.getElementById("board-snapshot").textContent);
  var fetchedAt = performance.now();

  function $(id) { return document.getElementById(id); }
  function elapsed() { return (performance.now() - fetchedAt) / 1000; }

  function refresh() {
    return L.request("GET", root.getAttribute("data-state-url")).then(function (data) {
      snapshot = data; fetchedAt = performance.now(); render();
    }).catch(function () {});
  }

  function act(url, body) {
    $("board-error").textContent = "";
    return L.request("POST", url, body || {}).then(refresh).catch(function (error) {
      $("board-error").textContent = L.errorText(error, S);
    });
  }

  function renderQueues() {
    var box = $("board-queues");
    clear(box);
    snapshot.queues.forEach(function (q) {
      box.appendChild(el("h3", {text: q.label + " (" + q.waiting.length + ")"}));
      var list = el("ul", {class: "plain-list"});
      if (!q.waiting.length) { list.appendChild(el("li", {class: "muted", text: S.nobody_waiting})); }
      q.waiting.forEach(function (w) {
        list.appendChild(el("li", {class: "wait", "data-waited": String(w.waited_seconds),
                                   "data-max": String(q.max_wait_seconds), "data-warn": String(q.warn_fraction)},
                            ["#" + w.id + " · " + (w.from || "") + " · ", el("span", {class: "clock"})]));
      });
      box.appendChild(list);
    });
  }

  function renderTechnicians() {
    var body = $("board-techs");
    clear(body);
    snapshot.technicians.forEach(function (t) {
      var current = t.contact ? el("span", {}, ["#" + t.contact.id + " · " + t.contact.state_label + " · ",
        el("span", {class: "call-clock", "data-seconds": String(t.contact.talking_seconds),
                    "data-state": t.contact.state, "data-max": String(t.contact.max_call_seconds)})])
        : el("span", {class: "muted", text: S.idle});
      body.appendChild(el("tr", {}, [el("td", {text: t.name}), el("td", {text: t.status_label}), el("td", {}, [current]),
        el("td", {text: t.calls_today + " / " + t.calls_minimum})]));
    });
  }

  function renderAlerts() {
    var box = $("board-alerts");
    clear(box);
    if (!snapshot.alerts.length) { box.appendChild(el("li", {class: "muted", text: S.no_alerts})); }
    snapshot.alerts.forEach(function (a) {
      var actions = el("div", {class: "alert-actions"});
      if (a.contact && a.call_live) {
        var url = api + "/" + a.contact + "/supervise";
        actions.appendChild(button(S.join, function () { act(url, {mode: "join"}); }, "join"));
        actions.appendChild(button(S.take_over, function () { act(url, {mode: "take_over"}); }, "take-over"));
        actions.appendChild(button(S.coach, function () { act(url, {mode: "coach"}); }, "coach"));
      }
      actions.appendChild(button(S.acknowledge, function () { act(api + "/alerts/" + a.id + "/acknowledge"); }, "acknowledge"));
      box.appendChild(el("li", {class: "alert-item", "data-level": a.level, "data-rule": a.rule}, [
        el("span", {class: "rule-id", text: a.rule}), " ",
        a.contact ? el("strong", {text: S.call + " #" + a.contact + ": "}) : null, a.message, actions]));
    });
  }

  // PO-5: the calls this supervisor is on. One taken over is theirs to finish (hang up, wrap-up); on one
  // joined or coached they may still take over.
  var MODE_TEXT = {take_over: "took_over", join: "joined", coach: "coaching"};
  function renderMine() {
    var box = $("board-mine");
    clear(box);
    var mine = snapshot.mine || [];
    if (!mine.length) { box.appendChild(el("li", {class: "muted", text: S.none})); }
    mine.forEach(function (c) {
      var url = api + "/" + c.id, actions = el("div", {class: "alert-actions"});
      var live = ["talking", "on_hold", "transfer_pending", "escalated"].indexOf(c.state) >= 0;
      if (c.mode === "take_over") {
        if (c.state === "on_hold") { actions.appendChild(button(S.resume, function () { act(url + "/resume"); }, "resume")); }
        if (live) { actions.appendChild(button(S.hang_up, function () { act(url + "/hangup", {cause: "normal"}); }, "hangup")); }
        if (c.state === "wrap_up") {
          actions.appendChild(button(S.finish_wrap_up, function () { act(url + "/wrap-up"); }, "wrap-up"));
        }
      } else {
        actions.appendChild(button(S.take_over, function () { act(url + "/supervise", {mode: "take_over"}); }, "take-over"));
      }
      var text = S.call + " #" + c.id + " · " + c.state_label + " · " + (c.from || "") + " · " + S[MODE_TEXT[c.mode]];
      if (c.technician) { text += " " + S.technician + ": " + c.technician; }
      box.appendChild(el("li", {class: "my-call", "data-contact": String(c.id), "data-state": c.state,
                                "data-mode": c.mode}, [text, actions]));
    });
  }

  function button(label, handler, action) {
    var b = el("button", {type: "button", class: "button-small", text: label});
    if (action) { b.setAttribute("data-action", action); }
    b.addEventListener("click", handler);
    return b;
  }

  function chartRow(label, value, max, shown) {
    var width = max > 0 ? Math.min(100, Math.round(100 * value / max)) : 0;
    var bar = el("div", {class: "bar", role: "img", "aria-label": label + ": " + shown});
    bar.appendChild(el("span"));
    bar.firstChild.style.width = width + "%";  // set through the DOM: the CSP forbids inline style attributes
    return el("div", {class: "chart-row"}, [el("span", {text: label}), bar, el("span", {class: "chart-value", text: shown})]);
  }

  function renderCharts() {
    var c = snapshot.charts, box = $("board-charts");
    clear(box);
    var volume = Math.max(1, c.answered + c.abandoned);
    var group = el("div", {}, [
      chartRow(S.answered, c.answered, volume, String(c.answered)),
      chartRow(S.abandoned, c.abandoned, volume, String(c.abandoned)),
      chartRow(S.abandonment, c.abandonment_rate, 1, Math.round(c.abandonment_rate * 100) + " %"),
      chartRow(S.transfers, c.transfers, volume, String(c.transfers)),
      chartRow(S.transfer_rate, c.transfer_rate, 1, Math.round(c.transfer_rate * 100) + " %")]);
    var times = el("div", {}, [
      chartRow(S.wait_mean, c.wait_seconds.mean, 180, clock(c.wait_seconds.mean)),
      chartRow(S.wait_p90, c.wait_seconds.p90, 180, clock(c.wait_seconds.p90)),
      chartRow(S.handle_mean, c.handle_seconds.mean, 900, clock(c.handle_seconds.mean)),
      chartRow(S.holds, c.holds, volume, String(c.holds)),
      chartRow(S.hold_overruns, c.hold_overruns, Math.max(1, c.holds), String(c.hold_overruns)),
      chartRow(S.escalations, c.escalations, volume, String(c.escalations))]);
    var quality = el("div", {}, [el("p", {class: "muted", text: S.quality})]);
    if (!c.quality.length) { quality.appendChild(el("p", {class: "muted", text: S.no_quality})); }
    c.quality.forEach(function (q) { quality.appendChild(chartRow(q.technician, q.score, 100, String(q.score))); });
    box.appendChild(group); box.appendChild(times); box.appendChild(quality);
  }

  function tick() {
    var dt = elapsed();
    Array.prototype.forEach.call(document.querySelectorAll("#board-queues .wait"), function (node) {
      var waited = parseFloat(node.getAttribute("data-waited")) + dt;
      var max = parseFloat(node.getAttribute("data-max")), warn = parseFloat(node.getAttribute("data-warn"));
      node.querySelector(".clock").textContent = clock(waited);
      node.setAttribute("data-level", waited >= max ? "over" : (waited >= warn * max ? "warn" : ""));
    });
    Array.prototype.forEach.call(document.querySelectorAll("#board-techs .call-clock"), function (node) {
      var state = node.getAttribute("data-state");
      var running = ["talking", "on_hold", "transfer_pending", "escalated"].indexOf(state) >= 0;
      var seconds = parseFloat(node.getAttribute("data-seconds")) + (running ? dt : 0);
      node.textContent = clock(seconds);
      var max = parseFloat(node.getAttribute("data-max"));
      node.className = "call-clock wait";
      node.setAttribute("data-level", seconds >= max ? "over" : (seconds >= 0.8 * max ? "warn" : ""));
    });
  }

  function render() { renderQueues(); renderTechnicians(); renderAlerts(); renderMine(); renderCharts(); tick(); }

  render();
  setInterval(tick, 1000);
  window.atiendeBoardSocket = L.connect(root.getAttribute("data-ws"), $("live-status"), S, null, refresh);
})();
