/* The technician's console: my state, the active call with its timers and practice-carrying buttons,
   transfers offered to me, the customer card, the language assistant and the queue. */
(function () {
  "use strict";
  var L = window.AtiendeLive, el = L.el, clear = L.clear, clock = L.clock;
  var root = document.getElementById("console");
  if (!root) { return; }
  var S = JSON.parse(document.getElementById("console-strings").textContent);
  var api = root.getAttribute("data-api");
  var snapshot = JSON.parse(document.getElementById("console-snapshot").textContent);
  var fetchedAt = performance.now();
  var renderedKey = null;

  function $(id) { return document.getElementById(id); }
  function elapsed() { return (performance.now() - fetchedAt) / 1000; }
  function active() {
    var list = snapshot.contacts || [];
    return list.length ? list[0] : null;
  }

  function refresh() {
    return L.request("GET", root.getAttribute("data-state-url")).then(function (data) {
      snapshot = data; fetchedAt = performance.now(); render();
    }).catch(function () { /* the socket's reconnect or the next update tries again */ });
  }

  function act(url, body, errorNode) {
    (errorNode || $("action-error")).textContent = "";
    return L.request("POST", url, body || {}).then(function (result) { refresh(); return result; })
      .catch(function (error) {
        (errorNode || $("action-error")).textContent = L.errorText(error, S);
        throw error;
      });
  }

  // ---- my state -----------------------------------------------------------------
  function renderMe() {
    var me = snapshot.me;
    $("my-status").textContent = me.status_label;
    $("my-status").setAttribute("data-status", me.status);
    $("my-calls").textContent = me.calls_today + " / " + me.calls_minimum;
    // En pausa: the reason stays in sight, so the technician (and who looks over) knows why.
    var paused = me.status === "en_pausa" && me.pause_reason;
    $("my-pause-reason").hidden = !paused;
    $("my-pause-reason").textContent = paused ? S.pause_reason + ": " + me.pause_reason : "";
  }
  $("btn-available").addEventListener("click", function () {
    act(api + "/technicians/me/available", {}, $("me-error")).catch(function () {});
  });
  $("btn-pause").addEventListener("click", function () {
    act(api + "/technicians/me/pause", {reason: $("pause-reason").value}, $("me-error"))
      .then(function () { $("pause-reason").value = ""; }).catch(function () {});
  });

  // ---- the active call ------------------------------------------------------------
  function timer(id, label) {
    return el("p", {class: "timer", id: id}, [el("span", {class: "muted", text: label + ": "}), el("strong")]);
  }

  function button(label, handler, extraClass, action) {
    var b = el("button", {type: "button", text: label, class: extraClass || ""});
    if (action) { b.setAttribute("data-action", action); }
    b.addEventListener("click", handler);
    return b;
  }

  function renderContact() {
    var c = active(), box = $("active-contact");
    var key = c ? [c.id, c.state, c.version].join(":") : "none";
    if (key === renderedKey) { return; }
    renderedKey = key;
    clear(box);
    box.setAttribute("data-contact", c ? String(c.id) : "");
    box.setAttribute("data-state", c ? c.state : "");
    if (!c) { box.appendChild(el("p", {class: "muted", text: S.no_contact})); return; }
    box.appendChild(el("p", {}, [el("strong", {text: S.call + " #" + c.id}), " · ",
      el("span", {class: "state-label", text: c.state_label}), " · " + (c.from || "")]));
    box.appendChild(el("div", {class: "timers"}, [
      timer("t-wait", S.waiting), timer("t-talk", S.talking), timer("t-hold", S.on_hold)]));
    var actions = el("div", {class: "contact-actions"});
    var url = api + "/" + c.id;
    if (c.state === "offered" && c.dialled) {
      // CH-PRO: a call they dialled themselves is theirs until its outcome: nothing to decline. By hand, they
      // say when someone answers (the talk time starts); through the PBX, the PBX says it.
      // A call-back routing gave them is dialled from their extension: they pick up when it rings.
      // One dialled from their desk phone: the PBX reports its answer or its end.
      var said = {hand: S.own_dial_hand, callback: S.own_dial_callback, desk: S.own_dial_desk,
                  callback_hand: S.own_dial_callback_hand}[c.dialled] || S.own_dial_pbx;
      box.appendChild(el("p", {class: "pending", id: "own-dial", "data-dial": c.dialled,
        text: said.replace("%(to)s", c.to || "")}));
      if (c.dialled === "hand") {
        actions.appendChild(button(S.dial_answered, function () { act(url + "/answer").catch(function () {}); },
                                   "button-primary", "answer"));
      } else if (c.dialled === "callback_hand") {
        // No phone system: they say whether the customer answered (talk time starts) or not (a try, PT-2).
        actions.appendChild(button(S.dial_answered, function () { act(url + "/callback/answered").catch(function () {}); },
                                   "button-primary", "answer"));
        actions.appendChild(button(S.dial_unanswered, function () { act(url + "/callback/unanswered").catch(function () {}); },
                                   "", "unanswered"));
      }
    } else if (c.state === "offered") {
      actions.appendChild(button(S.answer, function () { act(url + "/answer").catch(function () {}); }, "button-primary", "answer"));
      actions.appendChild(button(S.decline, function () { act(url + "/decline").catch(function () {}); }, "", "decline"));
    }
    if (c.state === "talking" || c.state === "escalated") {
      actions.appendChild(button(S.hold, function () { openDialog("dlg-hold"); }, "", "hold"));
      actions.appendChild(button(S.transfer, function () { fillTransferTargets(); openDialog("dlg-transfer"); }, "", "transfer"));
    }
    if (c.state === "on_hold") {
      actions.appendChild(button(S.resume, function () { act(url + "/resume").catch(function () {}); }, "button-primary", "resume"));
    }
    // PO-5: the way to a supervisor stays open mid-transfer too; who asked for a transfer may call it off.
    if (c.state === "talking" || c.state === "on_hold" || c.state === "transfer_pending") {
      actions.appendChild(button(S.escalate, function () { openDialog("dlg-escalate"); }, "", "escalate"));
    }
    if (c.state === "transfer_pending" && c.transfer && c.transfer.requested_by === snapshot.me.id) {
      actions.appendChild(button(S.cancel_transfer, function () { act(url + "/transfer/decline").catch(function () {}); },
                                 "", "cancel-transfer"));
    }
    if (["talking", "on_hold", "escalated"].indexOf(c.state) >= 0) {
      actions.appendChild(button(S.hang_up, function () { act(url + "/hangup", {cause: "normal"}).catch(function () {}); },
                                 "button-danger", "hangup"));
    }
    if (c.state === "wrap_up") {
      actions.appendChild(button(S.finish_wrap_up, function () { act(url + "/wrap-up").catch(function () {}); },
                                 "button-primary", "wrap-up"));
    }
    if (c.state === "transfer_pending" && c.transfer) {
      box.appendChild(el("p", {class: "pending", id: "transfer-pending"}, [
        S.transfer_pending + " · " + S.purpose + ": " + c.transfer.purpose + " · " + S.transfer_left + " ",
        el("strong", {id: "t-transfer"})]));
    }
    if (c.state === "escalated" || (c.escalation && !c.escalation.joined_at)) {
      box.appendChild(el("p", {class: "pending", text: S.escalated}));
    }
    if (c.supervisor) {
      box.appendChild(el("p", {class: "pending", id: "supervisor-on-call", "data-mode": c.supervisor.mode,
        text: (c.supervisor.mode === "coach" ? S.supervisor_coach : S.supervisor_join).replace("%(name)s", c.supervisor.name)}));
    }
    var returned = c.state !== "transfer_pending" && c.transfer_returned;
    if (returned && S["transfer_" + returned.cause]) {
      box.appendChild(el("p", {class: "pending", id: "transfer-returned", role: "status", "data-cause": returned.cause,
        text: S["transfer_" + returned.cause].replace("%(name)s", returned.by_name) + " (TR-5)"}));
    }
    box.appendChild(actions);
  }

  function setTimer(id, seconds, limit, extra) {
    var node = $(id);
    if (!node) { return; }
    var strong = node.querySelector("strong");
    strong.textContent = clock(seconds) + (limit ? " " + S.of_limit + " " + clock(limit) : "") + (extra || "");
    var level = "";
    if (limit) { level = seconds >= limit ? "over" : (seconds >= 0.8 * limit ? "warn" : ""); }
    node.setAttribute("data-level", level);
  }

  function tick() {
    var c = active(), dt = elapsed();
    var reminder = $("hold-reminder");
    if (!c) { reminder.hidden = true; return; }
    var t = c.timers, waiting = c.state === "waiting" || c.state === "offered";
    var talking = ["talking", "on_hold", "transfer_pending", "escalated"].indexOf(c.state) >= 0;
    setTimer("t-wait", t.waited_seconds + (waiting ? dt : 0), c.policy.max_wait_seconds);
    setTimer("t-talk", t.talking_seconds + (talking ? dt : 0), c.policy.max_call_seconds);
    if (c.state === "on_hold" && c.hold) {
      var announced = c.hold.expected_minutes * 60;
      setTimer("t-hold", t.on_hold_seconds + dt, announced);
      var over = t.hold_overrun_seconds > 0 || t.on_hold_seconds + dt > announced;
      reminder.hidden = !over;
      reminder.textContent = over ? S.hold_reminder : "";
    } else {
      setTimer("t-hold", t.on_hold_seconds, 0);
      reminder.hidden = true;
    }
    if (c.state === "transfer_pending" && c.transfer && $("t-transfer")) {
      var left = (Date.parse(c.transfer.deadline) - Date.parse(snapshot.at)) / 1000 - dt;
      $("t-transfer").textContent = clock(left) + " " + S.seconds;
    }
  }

  // ---- dialogs: the practices travel with the buttons (HO-2..4, TR-2..3, PO-5) ----
  var openDialog = L.openDialog;

  function fillTransferTargets() {
    var select = $("transfer-to");
    clear(select);
    (snapshot.colleagues || []).forEach(function (t) {
      select.appendChild(el("option", {value: "t:" + t.id, text: t.name}));
    });
    (snapshot.queues || []).forEach(function (q) {
      select.appendChild(el("option", {value: "q:" + q, text: q}));
    });
  }

  function dialogSubmit(formId, path, body) {
    $(formId).addEventListener("submit", function (event) {
      event.preventDefault();
      var c = active(), form = $(formId);
      if (!c) { return; }
      var errorNode = form.querySelector(".form-error");
      act(api + "/" + c.id + path, body(), errorNode).then(function () {
        form.reset(); form.closest("dialog").close();
      }).catch(function () {});
    });
  }
  dialogSubmit("form-hold", "/hold", L.holdBody);
  dialogSubmit("form-transfer", "/transfer", L.transferBody);
  dialogSubmit("form-escalate", "/escalate", function () { return {reason: $("escalate-reason").value}; });

  // ---- transfers offered to me (TR-4) ------------------------------------------------
  function renderOffers() {
    var box = $("offers");
    clear(box);
    var offers = snapshot.offers || [];
    if (!offers.length) { box.appendChild(el("p", {class: "muted", text: S.no_offers})); return; }
    offers.forEach(function (o) {
      var url = api + "/" + o.id + "/transfer";
      box.appendChild(el("div", {class: "pending offer", "data-contact": String(o.id)}, [
        el("p", {}, [el("strong", {text: S.call + " #" + o.id}), " · " + S.offered_by + ": " + o.from_name]),
        el("p", {text: S.purpose + ": " + (o.transfer ? o.transfer.purpose : "")}),
        el("div", {class: "contact-actions"}, [
          button(S.accept, function () { act(url + "/accept").catch(function () {}); }, "button-primary", "accept-transfer"),
          button(S.decline, function () { act(url + "/decline").catch(function () {}); }, "", "decline-transfer")])]));
    });
  }

  // ---- customer card (CO-1, PH-5, CO-3, CT-*) ----------------------------------------
  function traitBlock(t) {
    return el("div", {class: "trait"}, [el("strong", {text: t.id}),
      el("p", {class: "muted", text: S.do + ":"}), el("ul", {}, t.do.map(function (x) { return el("li", {text: x}); })),
      el("p", {class: "muted", text: S.avoid + ":"}), el("ul", {}, t.avoid.map(function (x) { return el("li", {text: x}); }))]);
  }

  var lastParaphrase = "", renderedCustomer = null;
  function relatedTo(card) {
    // The related-articles card (htmx) reloads for the caller's open work orders, on the call's change only.
    var titles = $("related-titles");
    if (!titles) { return; }
    var text = active() && card ? (card.work_orders || []).map(function (wo) { return wo.title; }).join("\n") : "";
    if (titles.value !== text) { titles.value = text; titles.dispatchEvent(new Event("input", {bubbles: true})); }
  }
  function renderCustomer() {
    var box = $("customer-card"), card = snapshot.customer;
    // Redraw only when the card changed, so a title being typed is not wiped by a live update.
    var key = JSON.stringify([active() ? active().id : null, card]);
    if (key === renderedCustomer) { return; }
    renderedCustomer = key;
    relatedTo(card);
    clear(box);
    if (!active()) { box.appendChild(el("p", {class: "muted", text: S.no_contact})); return; }
    if (!card) { box.appendChild(el("p", {class: "muted", text: S.no_customer})); return; }
    box.appendChild(el("p", {}, [S.greet_with + ": ", el("strong", {id: "greeting", text: card.greeting}),
                                 " ", L.rule("CO-1")]));
    if (card.knowledge_label) { box.appendChild(el("p", {text: S.level + ": " + card.knowledge_label})); }
    if (card.traits.length) {
      box.appendChild(el("p", {class: "muted", text: S.traits_seen + ":"}));
      card.traits.forEach(function (t) { box.appendChild(traitBlock(t)); });
    }
    (card.work_orders || []).forEach(function (wo) {
      box.appendChild(el("div", {class: "work-order"}, [
        el("a", {href: wo.url, text: "#" + wo.number + " " + wo.title}),
        el("ol", {class: "mini-stepper", "aria-label": S.phases}, wo.phases.map(function (p) {
          var item = el("li", {text: p.label});
          if (p.current) { item.setAttribute("aria-current", "step"); }
          return item;
        }))]));
    });
    // A new work order for this caller, from the call: the customer's words and the paraphrase go with it.
    var title = el("input", {type: "text", id: "wo-title", maxlength: "200"});
    var create = button(S.create, function () {
      var error = $("wo-error");
      error.textContent = "";
      L.request("POST", root.getAttribute("data-work-order-create-url"), {
        customer: card.id, title: title.value, problem_story: $("customer-words").value, paraphrase: lastParaphrase,
      }).then(function () { refresh(); }).catch(function (e) { error.textContent = L.errorText(e, S); });
    }, "button-small", "create-work-order");
    box.appendChild(el("div", {class: "new-work-order"}, [
      el("label", {for: "wo-title", text: S.new_work_order_title}), title, " ", create,
      el("p", {class: "form-error", id: "wo-error", role: "alert"})]));
    box.appendChild(el("p", {}, [el("a", {href: root.getAttribute("data-work-order-url") + "?customer=" + card.id,
                                          text: S.new_work_order})]));
  }

  // ---- alerts and queue ----------------------------------------------------------------
  function renderAlerts() {
    var box = $("my-alerts");
    clear(box);
    var alerts = snapshot.alerts || [];
    if (!alerts.length) { box.appendChild(el("li", {class: "muted", text: S.no_alerts})); }
    alerts.forEach(function (a) {
      box.appendChild(el("li", {class: "alert-item", "data-level": a.level},
                         [L.rule(a.rule), " " + a.message]));
    });
  }

  function renderQueue() {
    var box = $("queue");
    clear(box);
    var waiting = snapshot.queue || [];
    if (!waiting.length) { box.appendChild(el("li", {class: "muted", text: S.no_queue})); }
    waiting.forEach(function (w) {
      box.appendChild(el("li", {class: "wait", "data-waited": String(w.waited_seconds), "data-max": String(w.max_wait_seconds)},
                         ["#" + w.id + " · " + w.queue + " · " + (w.from || "") + " · ", el("span", {class: "clock"})]));
    });
  }

  function tickQueue() {
    Array.prototype.forEach.call(document.querySelectorAll("#queue .wait"), function (node) {
      var waited = parseFloat(node.getAttribute("data-waited")) + elapsed();
      var max = parseFloat(node.getAttribute("data-max"));
      node.querySelector(".clock").textContent = clock(waited);
      node.setAttribute("data-level", waited >= max ? "over" : (waited >= 0.8 * max ? "warn" : ""));
    });
  }

  // ---- language assistant ----------------------------------------------------------------
  $("btn-assist").addEventListener("click", function () {
    var box = $("assist-result");
    L.request("POST", root.getAttribute("data-assist-url"), {text: $("customer-words").value}).then(function (r) {
      clear(box);
      r.traits.forEach(function (t) { box.appendChild(traitBlock(t)); });
      lastParaphrase = r.paraphrase || "";
      if (r.paraphrase) {
        box.appendChild(el("p", {}, [el("strong", {text: S.paraphrase + " (AL-4): "}), r.paraphrase, " ",
          button(S.use, function () { useDraft(r.paraphrase); }, "button-small")]));
      }
      if (r.questions.length) {
        box.appendChild(el("p", {}, [el("strong", {text: S.questions + " (AL-5):"})]));
        box.appendChild(el("ul", {}, r.questions.map(function (q) {
          return el("li", {}, [q + " ", button(S.use, function () { useDraft(q); }, "button-small")]);
        })));
      }
    }).catch(function (error) { clear(box); box.appendChild(el("p", {class: "form-error", text: L.errorText(error, S)})); });
  });

  function useDraft(text) { $("my-draft").value = text; checkDraft(); }

  var draftTimer = null, draftSeq = 0;
  function checkDraft() {
    var text = $("my-draft").value, seq = ++draftSeq, box = $("draft-findings");
    var card = snapshot.customer;
    var body = {text: text, as: "tecnico"};
    if (card && card.knowledge_level) { body.level = card.knowledge_level; }
    if (!text.trim()) { clear(box); return; }
    L.request("POST", root.getAttribute("data-analyze-url"), body).then(function (r) {
      if (seq !== draftSeq) { return; }  // an older answer for text already changed
      clear(box);
      if (!r.findings.length) { box.appendChild(el("p", {class: "muted", text: S.draft_ok})); return; }
      r.findings.forEach(function (f) {
        var children = [L.rule(f.rule), " " + f.message];
        if (f.suggestion !== null && f.suggestion !== undefined) {
          children.push(" ");
          children.push(button(S.rewrite, function () {
            var current = $("my-draft").value;
            if (current.slice(f.start, f.end) === f.excerpt) {
              $("my-draft").value = current.slice(0, f.start) + f.suggestion + current.slice(f.end);
            }
            checkDraft();
          }, "button-small"));
        }
        box.appendChild(el("div", {class: "finding"}, children));
      });
    }).catch(function () {});
  }
  $("my-draft").addEventListener("input", function () {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(checkDraft, 350);
  });

  function render() {
    renderMe(); renderContact(); renderOffers(); renderCustomer(); renderAlerts(); renderQueue(); tick(); tickQueue();
  }

  render();
  setInterval(function () { tick(); tickQueue(); }, 1000);
  // Kept reachable so a test (or a curious technician) can drop the socket and watch it come back.
  // Re-read the snapshot only for updates that can change this console: a call of mine or shown here,
  // or one that may be ringing at me, offered to me, or joining or leaving the queue.
  var CONCERNS_ANYONE = ["waiting", "offered", "transfer_pending", "abandoned"];
  function concernsMe(message) {
    if (message.type === "technician.update") { return (message.technician || {}).id === snapshot.me.id; }
    var c = message.contact || {};
    if (CONCERNS_ANYONE.indexOf(c.state) >= 0 || c.assignee === snapshot.me.id) { return true; }
    var shown = (snapshot.contacts || []).concat(snapshot.offers || [], snapshot.queue || []);
    return shown.some(function (item) { return item.id === c.id; });
  }
  window.atiendeConsoleSocket = L.connect(root.getAttribute("data-ws"), $("live-status"), S, concernsMe, refresh);

  // CH-PRO: the «Campañas salientes» panel (/campanas/preview/) reads itself again when a campaign's list or
  // status changed (another technician took or finished a person, a supervisor paused it) and when the call
  // dialled from it changed (the PBX reported the answer or the hang-up). An outcome being written is never
  // wiped: while its form is on screen only the line saying how the call stands is read again.
  var pendingPreview = null;
  document.addEventListener("atiende:live", function (event) {
    var message = event.detail || {}, holder = $("campaign-preview");
    if (!holder || !window.htmx) { return; }
    var card = $("preview-card"), call = card && card.getAttribute("data-contact");
    var concerns = message.type === "campaign.update" ||
      (message.type === "contact.update" && call && String((message.contact || {}).id) === call);
    if (!concerns) { return; }
    clearTimeout(pendingPreview);
    pendingPreview = setTimeout(function () {
      var url = holder.getAttribute("hx-get");
      if (document.querySelector("#preview-card form.preview-outcome")) {
        if ($("preview-call-state")) {
          window.htmx.ajax("GET", url, {target: "#preview-call-state", select: "#preview-call-state",
                                        swap: "outerHTML"});
        }
        return;
      }
      window.htmx.ajax("GET", url, {target: "#campaign-preview", swap: "innerHTML"});
    }, 250);
  });
})();
