/* The supervisor's wallboard: queues with their waiting timers (coloured as they near PO-2's limit),
   technicians, live alerts with join / take over (PO-5), the calls the supervisor is on (a call taken over
   held, transferred and ended as a technician does), today per half hour (calls, service level against
   PO-2, ASA, AHT) and today's figures. */
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

  // Resolves true when the action went through; a refusal is shown (with its rule) and resolves false.
  function act(url, body, errorNode) {
    var node = errorNode || $("board-error");
    node.textContent = "";
    return L.request("POST", url, body || {}).then(function () { refresh(); return true; })
      .catch(function (error) { node.textContent = L.errorText(error, S); return false; });
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
        L.rule(a.rule), " ",
        a.contact ? el("strong", {text: S.call + " #" + a.contact + ": "}) : null, a.message, actions]));
    });
  }

  // PO-5: the calls this supervisor is on. One taken over is theirs, with the technician's own actions and
  // the same dialogs (hold: HO-2 reason, HO-3 consent, HO-4 minutes; transfer: TR-2 purpose, TR-3 consent, the
  // receiver accepts, TR-4); on one joined or coached they may still take over. The server lists the actions
  // each call offers (snapshot.mine[].actions); the contact API checks them again and refuses with the rule.
  var MODE_TEXT = {take_over: "took_over", join: "joined", coach: "coaching"};
  var ACTIONS = {
    hold: [S.hold, "hold", function (c) { openDialog("dlg-hold", c); }],
    transfer: [S.transfer, "transfer", function (c) { fillTransferTargets(); openDialog("dlg-transfer", c); }],
    resume: [S.resume, "resume", function (c) { mineAct(c, "/resume"); }],
    cancel_transfer: [S.cancel_transfer, "cancel-transfer", function (c) { mineAct(c, "/transfer/decline"); }],
    hangup: [S.hang_up, "hangup", function (c) { mineAct(c, "/hangup", {cause: "normal"}); }],
    wrap_up: [S.finish_wrap_up, "wrap-up", function (c) { mineAct(c, "/wrap-up"); }],
    take_over: [S.take_over, "take-over", function (c) { mineAct(c, "/supervise", {mode: "take_over"}); }],
  };
  function mineAct(c, path, body) { return act(api + "/" + c.id + path, body, $("mine-error")); }

  function renderMine() {
    var box = $("board-mine");
    clear(box);
    var mine = snapshot.mine || [];
    if (!mine.length) { box.appendChild(el("li", {class: "muted", text: S.no_calls_of_mine})); }
    mine.forEach(function (c) {
      var actions = el("div", {class: "alert-actions"});
      (c.actions || []).forEach(function (name) {
        var spec = ACTIONS[name];
        if (spec) { actions.appendChild(button(spec[0], function () { spec[2](c); }, spec[1])); }
      });
      var text = S.call + " #" + c.id + " · " + c.state_label + " · " + (c.from || "") + " · " + S[MODE_TEXT[c.mode]];
      if (c.technician) { text += " " + S.technician + ": " + c.technician; }
      var details = [];
      if (c.state === "on_hold" && c.hold) {
        details.push(el("p", {class: "pending mine-hold", "data-held": String(c.timers.on_hold_seconds),
                              "data-announced": String(c.hold.expected_minutes * 60)}, [
          S.on_hold + ": " + c.hold.reason + " · ", el("strong", {class: "hold-clock"}),
          " (" + S.announced + " " + clock(c.hold.expected_minutes * 60) + ")"]));
      }
      if (c.state === "transfer_pending" && c.transfer) {
        var left = (Date.parse(c.transfer.deadline) - Date.parse(snapshot.at)) / 1000;
        details.push(el("p", {class: "pending mine-transfer", "data-left": String(left)}, [
          S.transfer_pending + " · " + S.to + ": " + c.transfer_to + " · " + S.purpose + ": " + c.transfer.purpose +
          " · " + S.transfer_left + " ", el("strong", {class: "transfer-clock"})]));
      }
      var returned = c.state !== "transfer_pending" && c.transfer_returned;
      if (returned && S["transfer_" + returned.cause]) {
        details.push(el("p", {class: "pending mine-returned", role: "status", "data-cause": returned.cause,
          text: S["transfer_" + returned.cause].replace("%(name)s", returned.by_name) + " (TR-5)"}));
      }
      box.appendChild(el("li", {class: "my-call", "data-contact": String(c.id), "data-state": c.state,
                                "data-mode": c.mode}, [text].concat(details, [actions])));
    });
  }

  // ---- the dialogs shared with the console (consoles/_call_dialogs.html), for the call they were opened on ----
  var dialogCall = null;
  function openDialog(id, c) {
    dialogCall = c.id;
    L.openDialog(id);
  }

  // ET-4: whom the supervisor may hand the call to: the technicians and queues of their board, not themselves.
  function fillTransferTargets() {
    var select = $("transfer-to"), me = (snapshot.me || {}).id;
    clear(select);
    snapshot.technicians.forEach(function (t) {
      if (t.id !== me) { select.appendChild(el("option", {value: "t:" + t.id, text: t.name})); }
    });
    snapshot.queues.forEach(function (q) { select.appendChild(el("option", {value: "q:" + q.name, text: q.label})); });
  }

  function dialogSubmit(formId, path, body) {
    $(formId).addEventListener("submit", function (event) {
      event.preventDefault();
      var form = $(formId);
      if (dialogCall === null) { return; }
      act(api + "/" + dialogCall + path, body(), form.querySelector(".form-error")).then(function (done) {
        if (done) { form.reset(); form.closest("dialog").close(); }
      });
    });
  }
  dialogSubmit("form-hold", "/hold", L.holdBody);
  dialogSubmit("form-transfer", "/transfer", L.transferBody);

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
      chartRow(S.outbound_apart, c.outbound.calls, Math.max(volume, c.outbound.calls),
               c.outbound.calls + " (" + c.outbound.answered + " " + S.outbound_answered + ")"),
      chartRow(S.transfers, c.transfers, volume, String(c.transfers)),
      chartRow(S.transfer_rate, c.transfer_rate, 1, Math.round(c.transfer_rate * 100) + " %")]);
    var times = el("div", {}, [
      chartRow(S.wait_mean, c.wait_seconds.mean, c.limits.wait_seconds, clock(c.wait_seconds.mean)),
      chartRow(S.wait_p90, c.wait_seconds.p90, c.limits.wait_seconds, clock(c.wait_seconds.p90)),
      chartRow(S.handle_mean, c.handle_seconds.mean, c.limits.handle_seconds, clock(c.handle_seconds.mean)),
      chartRow(S.holds, c.holds, volume, String(c.holds)),
      chartRow(S.hold_overruns, c.hold_overruns, Math.max(1, c.holds), String(c.hold_overruns)),
      chartRow(S.escalations, c.escalations, volume, String(c.escalations))]);
    var quality = el("div", {}, [el("p", {class: "muted", text: S.quality})]);
    if (!c.quality.length) { quality.appendChild(el("p", {class: "muted", text: S.no_quality})); }
    c.quality.forEach(function (q) { quality.appendChild(chartRow(q.technician, q.score, 100, String(q.score))); });
    box.appendChild(group); box.appendChild(times); box.appendChild(quality);
  }

  // ---- Today per half hour: inline SVG drawn here (no inline script or style: the CSP holds), with the
  // same figures in a table for screen readers and for anyone who opens it. Colours come from consoles.css.
  var SVG_NS = "http://www.w3.org/2000/svg";
  var W = 480, H = 170, LEFT = 40, RIGHT = 8, TOP = 12, BOTTOM = 22;
  var PLOT_W = W - LEFT - RIGHT, PLOT_H = H - TOP - BOTTOM;

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, String(attrs[key])); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) { return key in values ? values[key] : whole; });
  }

  function percent(share) { return share === null || share === undefined ? "—" : Math.round(share * 100) + " %"; }
  function seconds(value) { return value === null || value === undefined ? "—" : clock(value); }

  // A round top for an axis: counts 1, 2, 5, 10...; times in whole minutes.
  function niceCount(value) {
    for (var power = 1; ; power *= 10) {
      if (value <= power) { return power; }
      if (value <= 2 * power) { return 2 * power; }
      if (value <= 5 * power) { return 5 * power; }
    }
  }
  function niceTime(value) {
    var steps = [60, 120, 180, 300, 600, 900, 1200, 1800, 3600];
    for (var i = 0; i < steps.length; i++) { if (value <= steps[i]) { return steps[i]; } }
    return Math.ceil(value / 3600) * 3600;
  }

  // The frame of one chart: horizontal grid lines with their values, the current half hour shaded,
  // the half hours' labels below (at most about eight, so they never overlap).
  function frame(summary, intervals, top, format) {
    var root = svg("svg", {viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": summary,
                           class: "intraday-chart", focusable: "false"});
    var slot = PLOT_W / Math.max(1, intervals.length);
    intervals.forEach(function (i, n) {
      if (i.current) {
        root.appendChild(svg("rect", {class: "chart-now", x: LEFT + n * slot, y: TOP, width: slot, height: PLOT_H}));
      }
    });
    [0, 0.5, 1].forEach(function (share) {
      var y = TOP + PLOT_H - PLOT_H * share;
      root.appendChild(svg("line", {class: share ? "chart-grid" : "chart-axis", x1: LEFT, x2: W - RIGHT, y1: y, y2: y}));
      root.appendChild(svg("text", {class: "chart-label", x: LEFT - 4, y: y + 3, "text-anchor": "end",
                                    text: format(top * share)}));
    });
    var every = Math.max(1, Math.ceil(intervals.length / 8));
    intervals.forEach(function (i, n) {
      if (n % every === 0 || i.current) {
        if (i.current && n % every !== 0 && n % every < every / 2) { return; }  // too close to the last label
        root.appendChild(svg("text", {class: "chart-label" + (i.current ? " chart-label-now" : ""),
                                      x: LEFT + (n + 0.5) * slot, y: H - 6, "text-anchor": "middle", text: i.label}));
      }
    });
    return {root: root, slot: slot, y: function (value) { return TOP + PLOT_H - PLOT_H * Math.min(value, top) / top; }};
  }

  function callsChart(intervals) {
    var top = niceCount(Math.max.apply(null, intervals.map(function (i) { return i.offered; }).concat([1])));
    var f = frame(S.calls_chart_summary, intervals, top, function (v) { return v % 1 ? "" : String(v); });
    var base = TOP + PLOT_H;
    intervals.forEach(function (i, n) {
      var width = Math.min(f.slot * 0.7, 36), x = LEFT + (n + 0.5) * f.slot - width / 2;
      var title = i.label + " · " + S.offered + " " + i.offered + " · " + S.answered + " " + i.answered +
        " · " + S.abandoned + " " + i.abandoned;
      var group = svg("g", {}, [svg("title", {text: title})]);
      // Offered as an outline; inside it, answered (from the bottom) and abandoned on top of them.
      var answeredTop = f.y(i.answered), abandonedTop = f.y(i.answered + i.abandoned);
      if (i.answered) { group.appendChild(svg("rect", {class: "chart-answered", x: x, y: answeredTop, width: width, height: base - answeredTop})); }
      if (i.abandoned) { group.appendChild(svg("rect", {class: "chart-abandoned", x: x, y: abandonedTop, width: width, height: answeredTop - abandonedTop})); }
      if (i.offered) { group.appendChild(svg("rect", {class: "chart-offered", x: x, y: f.y(i.offered), width: width, height: base - f.y(i.offered)})); }
      f.root.appendChild(group);
    });
    return f.root;
  }

  // A line per half hour (broken where a half hour has no figure), a point on each figure with its value,
  // and a dashed reference line (the target or the limit) when there is one. ``reference`` "each": each half
  // hour's own target (queues with different targets), drawn as a dashed line through the half hours.
  function lineChart(intervals, key, summary, top, format, reference, referenceText) {
    var f = frame(summary, intervals, top, format), run = [], targets = [];
    function flush() {
      if (run.length > 1) { f.root.appendChild(svg("polyline", {class: "chart-line", points: run.join(" ")})); }
      run = [];
    }
    if (reference === "each") {
      intervals.forEach(function (i, n) {
        if (i.target !== null && i.target !== undefined) {
          targets.push((LEFT + n * f.slot).toFixed(1) + "," + f.y(i.target).toFixed(1),
                       (LEFT + (n + 1) * f.slot).toFixed(1) + "," + f.y(i.target).toFixed(1));
        }
      });
      if (targets.length) {
        f.root.appendChild(svg("polyline", {class: "chart-target", points: targets.join(" ")}));
        var last = targets[targets.length - 1].split(",");
        f.root.appendChild(svg("text", {class: "chart-target-label", x: W - RIGHT, y: parseFloat(last[1]) - 3,
                                        "text-anchor": "end", text: referenceText}));
      }
    } else if (reference !== null) {
      var ry = f.y(reference);
      f.root.appendChild(svg("line", {class: "chart-target", x1: LEFT, x2: W - RIGHT, y1: ry, y2: ry}));
      f.root.appendChild(svg("text", {class: "chart-target-label", x: W - RIGHT, y: ry - 3, "text-anchor": "end",
                                      text: referenceText}));
    }
    intervals.forEach(function (i, n) {
      var value = i[key];
      if (value === null || value === undefined) { flush(); return; }
      var x = LEFT + (n + 0.5) * f.slot, y = f.y(value);
      run.push(x.toFixed(1) + "," + y.toFixed(1));
      // Under the target: each half hour against its own (the day's one target, or its queues' weighted).
      var below = key === "service_level" && i.target !== null && i.target !== undefined && value < i.target;
      f.root.appendChild(svg("circle", {class: "chart-point" + (below ? " chart-point-below" : ""), cx: x, cy: y, r: 3},
                             [svg("title", {text: i.label + " · " + format(value)})]));
    });
    flush();
    return f.root;
  }

  function figure(caption, chart, legend) {
    return el("figure", {}, [el("figcaption", {text: caption}), chart, legend || null]);
  }

  function figuresText(i) {
    return S.offered + " " + i.offered + (i.waiting ? " (" + i.waiting + " " + S.in_queue + ")" : "") + " · " +
      S.answered + " " + i.answered + " · " + S.abandoned + " " + i.abandoned + " · " + S.service_level + " " +
      percent(i.service_level) + " · ASA " + seconds(i.asa_seconds) + " · AHT " + seconds(i.aht_seconds) +
      (i.outbound ? " · " + S.outbound + " " + i.outbound : "");
  }

  function renderIntraday() {
    var day = snapshot.charts.intraday, box = $("board-intraday"), now = $("board-intraday-now");
    var intervals = day.intervals, current = intervals[intervals.length - 1];
    clear(box); clear(now);
    now.appendChild(el("p", {}, [el("strong", {text: S.so_far + ": "}),
      day.today.offered ? figuresText(day.today) : S.no_calls_yet]));
    if (current) {
      now.appendChild(el("p", {class: "intraday-current"}, [
        el("strong", {text: S.now + " (" + current.label + ", " + S.in_progress + "): "}), figuresText(current)]));
    }
    var limits = day.max_wait_seconds, limit = limits.length === 1 ? limits[0] : null;
    var rule = limit !== null ? fill(S.service_level_rule, {limit: clock(limit)}) : S.service_level_rule_queues;
    var legend = el("ul", {class: "chart-legend"}, [
      el("li", {}, [el("span", {class: "swatch swatch-offered"}), S.offered_outline]),
      el("li", {}, [el("span", {class: "swatch swatch-answered"}), S.answered]),
      el("li", {}, [el("span", {class: "swatch swatch-abandoned"}), S.abandoned])]);
    box.appendChild(figure(S.calls_chart, callsChart(intervals), legend));
    // The service-level target: the policies' service_level_target (PO-2), one line when the queues in view
    // share it, else each half hour's own (its calls' targets, weighted by queue).
    var single = day.target !== null && day.target !== undefined;
    var targetText = single ? fill(S.target, {percent: percent(day.target)})
      : fill(S.targets_by_queue, {percents: day.targets.map(percent).join(", ")});
    box.appendChild(figure(S.service_level + " · " + rule + " · " + targetText,
      lineChart(intervals, "service_level", S.service_level_summary, 1, percent, single ? day.target : "each",
                single ? targetText : S.target_weighted)));
    var waits = intervals.map(function (i) { return i.asa_seconds || 0; }).concat([limit || 0]);
    box.appendChild(figure(S.asa, lineChart(intervals, "asa_seconds", S.asa_summary,
      niceTime(Math.max.apply(null, waits)), seconds, limit, limit !== null ? fill(S.limit, {limit: clock(limit)}) : "")));
    var handles = intervals.map(function (i) { return i.aht_seconds || 0; });
    box.appendChild(figure(S.aht + " · " + S.aht_rule, lineChart(intervals, "aht_seconds", S.aht_summary,
      niceTime(Math.max.apply(null, handles)), seconds, null, "")));
    var body = $("board-intraday-rows");
    clear(body);
    intervals.forEach(function (i) {
      var row = el("tr", {}, [el("th", {scope: "row", text: i.label + (i.current ? " (" + S.in_progress + ")" : "")}),
        el("td", {text: String(i.offered)}), el("td", {text: String(i.answered)}), el("td", {text: String(i.abandoned)}),
        el("td", {text: percent(i.service_level)}), el("td", {text: percent(i.target)}),
        el("td", {text: seconds(i.asa_seconds)}), el("td", {text: seconds(i.aht_seconds)}),
        el("td", {text: String(i.outbound)})]);
      if (i.current) { row.setAttribute("aria-current", "time"); }
      body.appendChild(row);
    });
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
    tickMine(dt);
  }

  // The hold's clock against the minutes announced (HO-4), and HO-5's reminder once they are past.
  function tickMine(dt) {
    var over = false;
    Array.prototype.forEach.call(document.querySelectorAll("#board-mine .mine-hold"), function (node) {
      var held = parseFloat(node.getAttribute("data-held")) + dt;
      var announced = parseFloat(node.getAttribute("data-announced"));
      node.querySelector(".hold-clock").textContent = clock(held) + " " + S.of_limit + " " + clock(announced);
      node.setAttribute("data-level", held >= announced ? "over" : "");
      over = over || held >= announced;
    });
    Array.prototype.forEach.call(document.querySelectorAll("#board-mine .mine-transfer"), function (node) {
      node.querySelector(".transfer-clock").textContent = clock(parseFloat(node.getAttribute("data-left")) - dt);
    });
    var reminder = $("mine-reminder");
    reminder.hidden = !over;
    reminder.textContent = over ? S.hold_reminder : "";
  }

  // Work orders against their SLA (breached, at risk, paused; the most urgent listed) and SP-4 of the week.
  function renderServiceLevels() {
    var box = $("board-sla"), s = snapshot.service_levels;
    if (!box || !s) { return; }
    clear(box);
    var figures = el("dl", {class: "figures"});
    [[S.sla_breached, s.breached], [S.sla_at_risk, s.at_risk], [S.sla_paused, s.paused],
     [S.satisfaction_answers, s.satisfaction.answers],
     [S.satisfaction_mean, s.satisfaction.mean_rating === null ? "—" : s.satisfaction.mean_rating],
     [S.satisfaction_share, s.satisfaction.satisfied_share === null ? "—" :
       Math.round(s.satisfaction.satisfied_share * 100) + " %"],
     [S.satisfaction_low, s.satisfaction.low]].forEach(function (pair) {
      figures.appendChild(el("dt", {text: pair[0]}));
      figures.appendChild(el("dd", {text: String(pair[1])}));
    });
    box.appendChild(figures);
    var list = el("ul", {class: "plain-list"});
    if (!s.urgent.length) { list.appendChild(el("li", {class: "muted", text: S.sla_none})); }
    s.urgent.forEach(function (w) {
      var item = el("li", {});
      var link = el("a", {href: "/solicitudes/" + w.number + "/", text: "#" + w.number + " " + w.title});
      item.appendChild(el("span", {class: "badge badge-sla-" + w.state,
                                   text: w.state === "breached" ? S.sla_breached : S.sla_at_risk}));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(link);
      if (w.due) { item.appendChild(el("span", {class: "muted", text: " · " + S.sla_due + " " +
                                                 new Date(w.due).toLocaleString()})); }
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function render() {
    renderQueues(); renderTechnicians(); renderAlerts(); renderMine(); renderIntraday(); renderCharts();
    renderServiceLevels(); tick();
  }

  render();
  setInterval(tick, 1000);
  window.atiendeBoardSocket = L.connect(root.getAttribute("data-ws"), $("live-status"), S, null, refresh);
})();
