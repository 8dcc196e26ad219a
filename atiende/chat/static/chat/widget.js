/* Atiende chat widget: <script src="https://DESK/chat/widget.js" data-queue="soporte" defer></script>

   One script on the customer's site, no framework. It draws in its own Shadow DOM, so the host page's
   styles and scripts neither change it nor read it, and it never writes people's text as HTML (textContent
   only). The help desk is the source of truth: every message has a sequence number given by the server;
   after a dropped connection the widget rejoins with the last number it has and gets what it missed, in
   order, once; a message it sent but whose receipt it never saw is sent again with the same id and stored
   once. Strings come from the help desk in the customer's language (data-lang, else the browser's).
   Protocol and options: docs/chat.md. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var desk = new URL(script.src, document.baseURI);
  var key = script.getAttribute("data-queue") || "soporte";
  var requested = (script.getAttribute("data-lang") || navigator.language || "es").toLowerCase();
  var language = requested.indexOf("en") === 0 ? "en" : "es";
  var base = desk.origin + "/chat/w/" + encodeURIComponent(key) + "/";
  var socketUrl = (desk.protocol === "https:" ? "wss://" : "ws://") + desk.host + "/ws/chat/";
  var storageKey = "atiende-chat:" + desk.origin + ":" + key;
  var RECONNECT_MAX_MS = 15000;

  var S = {};  // the strings, from the help desk
  var config = null;
  var ui = {};
  var chat = {token: null, lastSeq: 0, socket: null, delay: 500, pending: {}, mine: {}, own: {}, readBy: 0,
              ended: false, technician: "", typingTimer: null, typingSent: 0, order: [], reconnectTimer: null};

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { node.textContent = value; }
      else if (name === "class") { node.className = value; }
      else { node.setAttribute(name, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) {
      if (child) { node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); }
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (whole, name) {
      return values[name] === undefined ? whole : String(values[name]);
    });
  }

  function remember() {
    try {
      if (chat.token && !chat.ended) {
        sessionStorage.setItem(storageKey, JSON.stringify({token: chat.token, lastSeq: 0}));
      } else { sessionStorage.removeItem(storageKey); }
    } catch (e) { /* storage blocked: the chat lasts as long as the page */ }
  }

  function remembered() {
    try { return JSON.parse(sessionStorage.getItem(storageKey) || "null"); } catch (e) { return null; }
  }

  function call(method, path, body, token) {
    var headers = {"Accept": "application/json", "Accept-Language": language};
    var options = {method: method, headers: headers, credentials: "omit", mode: "cors"};
    if (token) { headers.Authorization = "Bearer " + token; }
    if (body instanceof FormData) { options.body = body; }
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(base + path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + language, options)
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { throw (data && data.error) || {code: "http_" + response.status, message: S.error}; }
          return data;
        });
      });
  }

  /* ---------- the frame: launcher and panel in a closed shadow root ---------- */

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;",
    "padding:14px 20px;background:#1d4ed8;color:#fff;font-size:16px;cursor:pointer;box-shadow:0 4px 14px #0004}",
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;max-width:calc(100vw - 40px);",
    "height:540px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#111;",
    "border-radius:12px;box-shadow:0 8px 30px #0005;overflow:hidden;font-size:15px}",
    ".panel[hidden],[hidden]{display:none!important}",
    "header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#1d4ed8;color:#fff}",
    "header h2{flex:1;margin:0;font-size:17px}",
    "header button{background:transparent;color:#fff;border:1px solid #fff8;border-radius:6px;padding:4px 8px;cursor:pointer;font-size:14px}",
    ".status{padding:8px 14px;background:#eef2ff;color:#1e3a8a;font-size:14px;min-height:2.2em}",
    ".body{flex:1;overflow:auto;padding:12px 14px;display:flex;flex-direction:column;gap:8px}",
    "form{display:flex;flex-direction:column;gap:8px}",
    "label{font-size:14px;font-weight:600;display:flex;flex-direction:column;gap:4px}",
    "input,textarea{font-size:15px;padding:8px;border:1px solid #6b7280;border-radius:6px;color:#111;background:#fff}",
    "textarea{resize:vertical;min-height:3em}",
    ".primary{background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:10px;font-size:15px;cursor:pointer}",
    ".secondary{background:#fff;color:#1d4ed8;border:1px solid #1d4ed8;border-radius:6px;padding:8px;font-size:14px;cursor:pointer}",
    ".error{color:#b91c1c;font-size:14px;margin:0}",
    ".error:empty{display:none}",
    ".note{color:#374151;font-size:14px;margin:0}",
    ".log{display:flex;flex-direction:column;gap:6px;margin:0;padding:0;list-style:none}",
    ".msg{max-width:85%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".msg .who{display:block;font-size:12px;font-weight:600;margin-bottom:2px}",
    ".msg .meta{display:block;font-size:11px;margin-top:2px;opacity:.8}",
    ".customer{align-self:flex-end;background:#dbeafe}",
    ".technician{align-self:flex-start;background:#f3f4f6}",
    ".system{align-self:center;background:transparent;color:#374151;font-size:13px;text-align:center}",
    ".typing{min-height:1.4em;padding:0 14px;font-size:13px;color:#374151}",
    ".composer{border-top:1px solid #d1d5db;padding:8px;display:flex;flex-direction:column;gap:6px}",
    ".row{display:flex;gap:6px}",
    ".row textarea{flex:1;min-height:2.6em;max-height:8em}",
    ".consent{border:1px solid #1d4ed8;border-radius:8px;padding:8px;display:flex;flex-direction:column;gap:6px}",
    ".check{flex-direction:row;align-items:flex-start;gap:8px;font-weight:400}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
  ].join("");

  function build() {
    var host = el("div", {"data-atiende-chat": key});
    var root = host.attachShadow({mode: "open"});
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) { root.appendChild(el("style", {text: CSS})); }
    ui.launcher = el("button", {class: "launcher", type: "button", "aria-expanded": "false",
                                "aria-controls": "atiende-chat-panel", text: S.launcher});
    ui.title = el("h2", {id: "atiende-chat-title", text: config.name});
    ui.close = el("button", {type: "button", text: S.minimise, "aria-label": S.minimise_label});
    ui.end = el("button", {type: "button", text: S.end, hidden: true});
    ui.status = el("p", {class: "status", role: "status", "aria-live": "polite"});
    ui.body = el("div", {class: "body"});
    ui.typing = el("div", {class: "typing", "aria-live": "polite"});
    ui.composer = el("div", {class: "composer", hidden: true});
    ui.panel = el("section", {class: "panel", id: "atiende-chat-panel", role: "dialog", "aria-modal": "false",
                              "aria-labelledby": "atiende-chat-title", hidden: true, lang: language},
                  [el("header", {}, [ui.title, ui.end, ui.close]), ui.status, ui.body, ui.typing, ui.composer]);
    root.appendChild(ui.launcher);
    root.appendChild(ui.panel);
    ui.launcher.addEventListener("click", toggle);
    ui.close.addEventListener("click", function () { show(false); });
    ui.end.addEventListener("click", endChat);
    ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); show(false); }
    });
    document.body.appendChild(host);
    ui.root = root;
  }

  function show(open) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      if (chat.lastSeq) { sendFrame({type: "read", seq: chat.lastSeq}); }
      var first = ui.panel.querySelector("input, textarea, .composer textarea, .body button");
      (first || ui.close).focus();
    } else { ui.launcher.focus(); }
  }

  function toggle() { show(ui.panel.hidden); }

  function setStatus(text) { ui.status.textContent = text || ""; }

  function waitText(seconds) {
    if (seconds === null || seconds === undefined) { return S.waiting; }
    if (seconds < 60) { return S.wait_now; }
    return format(S.wait_minutes, {minutes: Math.ceil(seconds / 60)});
  }

  function field(label, input, hint) {
    return el("label", {}, [label, input, hint ? el("span", {class: "note", text: hint}) : null]);
  }

  function errorNode() { return el("p", {class: "error", role: "alert"}); }

  function showError(node, error) {
    var text = (error && error.message) || S.error;
    if (error && error.retry_after) { text += " " + format(S.retry_in, {seconds: Math.ceil(error.retry_after)}); }
    node.textContent = text;
  }

  /* ---------- before the chat: start form, or leave a message when nobody can take it ---------- */

  function startForm() {
    clear(ui.body);
    ui.composer.hidden = true;
    setStatus(config.available ? waitText(config.wait_seconds) : S.offline);
    if (!config.available) { offlineForm(); return; }
    var name = el("input", {name: "name", autocomplete: "name", required: true, maxlength: "200"});
    var email = el("input", {name: "email", type: "email", autocomplete: "email", maxlength: "254"});
    var text = el("textarea", {name: "text", rows: "3", maxlength: String(config.limits.text)});
    var error = errorNode();
    var button = el("button", {class: "primary", type: "submit", text: S.start});
    var form = el("form", {novalidate: true}, [
      el("p", {class: "note", text: S.intro}),
      field(S.name, name), field(S.email_optional, email, S.email_hint), field(S.first_message, text),
      error, button]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!name.value.trim()) { error.textContent = S.name_required; name.focus(); return; }
      button.disabled = true;
      call("POST", "start", {name: name.value, email: email.value, text: text.value, language: language})
        .then(function (data) {
          chat.token = data.token;
          chat.lastSeq = 0;
          remember();
          openChat(data);
        })
        .catch(function (failure) {
          button.disabled = false;
          if (failure && failure.code === "chat_offline") { config.available = false; startForm(); return; }
          showError(error, failure);
          error.focus && name.focus();
        });
    });
    ui.body.appendChild(form);
    callbackOffer();
  }

  /* ---------- «Llámenme»: a call-back in a window, online or not (PT-2) ---------- */

  function callbackOffer() {
    if (!config.callback) { return; }
    var open = el("button", {class: "secondary", type: "button", id: "atiende-callback-open", text: S.callback_open});
    open.addEventListener("click", callbackForm);
    ui.body.appendChild(el("p", {class: "note", text: S.callback_offer}));
    ui.body.appendChild(open);
  }

  function callbackForm() {
    clear(ui.body);
    var name = el("input", {name: "name", autocomplete: "name", required: true, maxlength: "200"});
    var phone = el("input", {name: "phone", type: "tel", autocomplete: "tel", required: true, maxlength: "40"});
    var day = el("input", {name: "day", type: "date"});
    var from = el("input", {name: "from", type: "time"});
    var until = el("input", {name: "until", type: "time"});
    var email = el("input", {name: "email", type: "email", autocomplete: "email", maxlength: "254"});
    var note = el("textarea", {name: "note", rows: "2", maxlength: "300"});
    var consent = el("input", {name: "consent", type: "checkbox"});
    var error = errorNode();
    var button = el("button", {class: "primary", type: "submit", text: S.callback_send});
    var back = el("button", {class: "secondary", type: "button", text: S.callback_back});
    back.addEventListener("click", startForm);
    var form = el("form", {novalidate: true, id: "atiende-callback"}, [
      el("p", {class: "note", text: S.callback_intro}),
      field(S.name, name), field(S.callback_phone, phone, S.callback_phone_hint),
      field(S.callback_day, day, S.callback_when_hint), field(S.callback_from, from), field(S.callback_until, until),
      field(S.email_optional, email), field(S.callback_note, note),
      el("label", {class: "check"}, [consent, S.callback_consent]),
      error, button, back]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!name.value.trim()) { error.textContent = S.name_required; name.focus(); return; }
      if (!phone.value.trim()) { error.textContent = S.callback_phone_required; phone.focus(); return; }
      if (!consent.checked) { error.textContent = S.callback_consent_required; consent.focus(); return; }
      button.disabled = true;
      var body = {name: name.value, phone: phone.value, consent: true, email: email.value, note: note.value,
                  language: language};
      if (day.value || from.value || until.value) { body.day = day.value; body.from = from.value; body.until = until.value; }
      call("POST", "callback", body)
        .then(function (data) {
          clear(ui.body);
          var done = el("p", {class: "note", id: "atiende-callback-done", tabindex: "-1", text: data.message});
          ui.body.appendChild(done);
          setStatus(data.message);
          done.focus();
        })
        .catch(function (failure) {
          button.disabled = false;
          showError(error, failure);
          var named = {phone: phone, consent: consent, day: day, from: from, until: until, email: email,
                       name: name}[failure && failure.field];
          if (named) { named.focus(); }
        });
    });
    ui.body.appendChild(form);
    name.focus();
  }

  function offlineForm() {
    if (config.offline !== "message") { ui.body.appendChild(el("p", {class: "note", text: S.offline_closed})); return; }
    var name = el("input", {name: "name", autocomplete: "name", required: true, maxlength: "200"});
    var email = el("input", {name: "email", type: "email", autocomplete: "email", required: true, maxlength: "254"});
    var text = el("textarea", {name: "text", rows: "5", required: true, maxlength: String(config.limits.text)});
    var error = errorNode();
    var button = el("button", {class: "primary", type: "submit", text: S.leave_send});
    var form = el("form", {novalidate: true}, [
      el("p", {class: "note", text: S.offline_intro}),
      field(S.name, name), field(S.email, email), field(S.leave_message, text), error, button]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!name.value.trim()) { error.textContent = S.name_required; name.focus(); return; }
      if (!email.value.trim()) { error.textContent = S.email_required; email.focus(); return; }
      if (!text.value.trim()) { error.textContent = S.text_required; text.focus(); return; }
      button.disabled = true;
      call("POST", "offline", {name: name.value, email: email.value, text: text.value, language: language})
        .then(function (data) {
          clear(ui.body);
          var done = el("p", {class: "note", tabindex: "-1", text: data.message});
          ui.body.appendChild(done);
          setStatus(data.message);
          done.focus();
        })
        .catch(function (failure) { button.disabled = false; showError(error, failure); });
    });
    ui.body.appendChild(form);
    callbackOffer();
  }

  /* ---------- the chat ---------- */

  function openChat(data) {
    clear(ui.body);
    chat.ended = false;
    chat.order = [];
    ui.log = el("ol", {class: "log", role: "log", "aria-live": "polite", "aria-label": S.conversation});
    ui.body.appendChild(ui.log);
    buildComposer();
    ui.end.hidden = false;
    setStatus(data && data.wait_seconds !== undefined ? waitText(data.wait_seconds) : S.connecting);
    connect();
  }

  function buildComposer() {
    clear(ui.composer);
    ui.text = el("textarea", {rows: "2", "aria-label": S.your_message, maxlength: String(config.limits.text),
                              placeholder: S.write_here});
    ui.send = el("button", {class: "primary", type: "button", text: S.send});
    ui.file = el("input", {type: "file", accept: "image/png,image/jpeg,image/gif,image/webp", hidden: true});
    ui.attach = el("button", {class: "secondary", type: "button", text: S.attach});
    ui.composerError = errorNode();
    ui.composer.appendChild(el("div", {class: "row"}, [ui.text, ui.send]));
    ui.composer.appendChild(el("div", {class: "row"}, [ui.attach, ui.file]));
    ui.composer.appendChild(ui.composerError);
    ui.composer.hidden = false;
    ui.send.addEventListener("click", sendText);
    ui.text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); sendText(); }
    });
    ui.text.addEventListener("input", typing);
    ui.attach.addEventListener("click", function () { ui.file.click(); });
    ui.file.addEventListener("change", upload);
  }

  function connect() {
    if (chat.ended || !chat.token) { return; }
    var socket;
    try { socket = new WebSocket(socketUrl); } catch (e) { retry(); return; }
    chat.socket = socket;
    socket.onopen = function () {
      socket.send(JSON.stringify({type: "join", token: chat.token, last_seq: chat.lastSeq}));
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      receive(frame, socket);
    };
    socket.onclose = function (event) {
      if (chat.socket !== socket) { return; }
      chat.socket = null;
      if (event.code === 4401 || event.code === 4403) { forget(S.session_gone); return; }
      if (!chat.ended) { setStatus(S.reconnecting); retry(); }
    };
  }

  function retry() {
    clearTimeout(chat.reconnectTimer);
    chat.reconnectTimer = setTimeout(connect, chat.delay + Math.random() * 250);
    chat.delay = Math.min(chat.delay * 2, RECONNECT_MAX_MS);
  }

  function forget(message) {
    chat.ended = true;
    chat.token = null;
    remember();
    ui.composer.hidden = true;
    ui.end.hidden = true;
    setStatus(message);
  }

  function sendFrame(frame) {
    if (chat.socket && chat.socket.readyState === 1) { chat.socket.send(JSON.stringify(frame)); return true; }
    return false;
  }

  function receive(frame, socket) {
    switch (frame.type) {
      case "joined":
        chat.delay = 500;
        state(frame.chat);
        // What was written while the connection was down goes again, with the same ids: stored once.
        chat.order.forEach(function (id) {
          var item = chat.pending[id];
          if (item) { socket.send(JSON.stringify({type: "message", client_id: id, text: item.text})); }
        });
        break;
      case "message": message(frame); break;
      case "ack": ack(frame); break;
      case "typing":
        clearTimeout(chat.typingTimer);
        ui.typing.textContent = frame.active ? format(S.typing, {name: frame.name || S.technician}) : "";
        if (frame.active) { chat.typingTimer = setTimeout(function () { ui.typing.textContent = ""; }, 8000); }
        break;
      case "read": readUpTo(frame.seq); break;
      case "state": state(frame.chat); break;
      case "error": error(frame.error || {}); break;
      default: break;
    }
  }

  function state(info) {
    if (!info) { return; }
    chat.technician = info.technician || "";
    if (info.read_by_technician) { readUpTo(info.read_by_technician); }
    if (info.state === "waiting") {
      setStatus(waitText(info.wait_seconds));
    } else if (info.state === "active") {
      setStatus(chat.technician ? format(S.with_technician, {name: chat.technician}) : S.connected);
    } else if (info.state === "ended" || info.state === "abandoned") {
      ended(info);
    }
    if (info.transfer_question) { askConsent(info.transfer_question); }
    else if (ui.consent) { ui.consent.remove(); ui.consent = null; }
  }

  function ended(info) {
    chat.ended = true;
    remember();
    ui.composer.hidden = true;
    ui.end.hidden = true;
    ui.typing.textContent = "";
    setStatus(S.ended);
    var closing = [el("p", {class: "note", text: info.transcript_to ? format(S.transcript_to, {email: info.transcript_to})
                                                                    : S.ended_thanks})];
    if (info.survey_url) {
      closing.push(el("a", {href: info.survey_url, target: "_blank", rel: "noopener noreferrer", text: S.survey}));
    }
    ui.body.appendChild(el("div", {class: "system msg", tabindex: "-1"}, closing));
    if (chat.socket) { chat.socket.close(1000); }
  }

  function askConsent(question) {
    if (ui.consent) { ui.consent.remove(); }
    var yes = el("button", {class: "primary", type: "button", text: S.yes});
    var no = el("button", {class: "secondary", type: "button", text: S.no});
    ui.consent = el("div", {class: "consent", role: "group", "aria-label": S.transfer_title},
                    [el("p", {class: "note", text: question}), el("div", {class: "row"}, [yes, no])]);
    ui.body.appendChild(ui.consent);
    function answer(value) {
      if (sendFrame({type: "consent", answer: value})) { ui.consent.remove(); ui.consent = null; ui.text.focus(); }
    }
    yes.addEventListener("click", function () { answer(true); });
    no.addEventListener("click", function () { answer(false); });
    yes.focus();
  }

  function bubble(author, name, text, seq) {
    var who = author === "customer" ? S.you : (name || S.technician);
    var meta = el("span", {class: "meta"});
    var node = el("li", {class: "msg " + author, "data-seq": seq ? String(seq) : null},
                  [el("span", {class: "who", text: who}), el("span", {class: "text", text: text}), meta]);
    node.meta = meta;
    ui.log.appendChild(node);
    ui.body.scrollTop = ui.body.scrollHeight;
    return node;
  }

  function message(frame) {
    // The server sends each message once and in order; this guard also covers a replay after a rejoin.
    if (frame.seq <= chat.lastSeq) { return; }
    chat.lastSeq = frame.seq;
    if (chat.own[frame.seq]) { return; }  // ours, already shown and acknowledged
    if (frame.client_id && chat.pending[frame.client_id]) {  // ours, stored before its receipt reached us
      delivered(frame.client_id, frame.seq);
      return;
    }
    if (frame.author === "system") {
      ui.log.appendChild(el("li", {class: "msg system", text: frame.text}));
      return;
    }
    if (frame.author === "technician") { clearTimeout(chat.typingTimer); ui.typing.textContent = ""; }
    var node = bubble(frame.author, frame.name, frame.text, frame.seq);
    if (frame.attachment) {
      node.insertBefore(el("span", {class: "meta", text: format(S.attached, {name: frame.attachment.name})}), node.meta);
    }
    if (frame.author === "customer") {
      chat.own[frame.seq] = true;
      chat.mine[frame.seq] = node;
      node.meta.textContent = frame.seq <= chat.readBy ? S.read : S.sent;
    } else if (!ui.panel.hidden) { sendFrame({type: "read", seq: frame.seq}); }
  }

  function delivered(clientId, seq) {
    var item = chat.pending[clientId];
    if (!item) { return; }
    delete chat.pending[clientId];
    chat.order = chat.order.filter(function (id) { return id !== clientId; });
    chat.own[seq] = true;
    item.node.setAttribute("data-seq", String(seq));
    item.node.meta.textContent = seq <= chat.readBy ? S.read : S.sent;
    if (seq > chat.readBy) { chat.mine[seq] = item.node; }
  }

  function ack(frame) { delivered(frame.client_id, frame.seq); }

  function readUpTo(seq) {
    if (!seq || seq <= chat.readBy) { return; }
    chat.readBy = seq;
    Object.keys(chat.mine).forEach(function (n) {
      if (Number(n) <= seq) { chat.mine[n].meta.textContent = S.read; delete chat.mine[n]; }
    });
  }

  function error(failure) {
    if (failure.code === "bad_token" || failure.code === "session_not_found" || failure.code === "origin_not_allowed") {
      forget(failure.message || S.session_gone);
      return;
    }
    showError(ui.composerError || ui.status, failure);
  }

  function newId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function sendText() {
    var text = ui.text.value.trim();
    if (!text) { return; }
    if (text.length > config.limits.text) {
      ui.composerError.textContent = format(S.too_long, {limit: config.limits.text});
      return;
    }
    ui.composerError.textContent = "";
    var id = newId();
    var node = bubble("customer", "", text, null);
    node.meta.textContent = S.sending;
    chat.pending[id] = {text: text, node: node};
    chat.order.push(id);
    ui.text.value = "";
    chat.typingSent = 0;
    sendFrame({type: "message", client_id: id, text: text});  // if down: sent after the rejoin
    ui.text.focus();
  }

  function typing() {
    var now = Date.now();
    if (now - chat.typingSent > 3000) { chat.typingSent = now; sendFrame({type: "typing", active: true}); }
  }

  function upload() {
    var file = ui.file.files && ui.file.files[0];
    ui.file.value = "";
    if (!file) { return; }
    if (file.size > config.limits.upload_bytes) {
      ui.composerError.textContent = format(S.file_too_large, {limit: Math.floor(config.limits.upload_bytes / 1048576)});
      return;
    }
    var form = new FormData();
    form.append("file", file, file.name);
    ui.composerError.textContent = "";
    setStatus(S.uploading);
    call("POST", "attachment", form, chat.token)
      .then(function () { setStatus(chat.technician ? format(S.with_technician, {name: chat.technician}) : ""); })
      .catch(function (failure) { showError(ui.composerError, failure); setStatus(""); });
  }

  function endChat() {
    if (!window.confirm(S.end_confirm)) { return; }
    if (!sendFrame({type: "end"})) { forget(S.ended); }
  }

  /* ---------- start: the widget's settings and strings, then resume a chat of this tab ---------- */

  function start() {
    call("GET", "").then(function (data) {
      config = data;
      S = data.strings;
      if (!data.available && data.offline === "hide") { return; }
      build();
      var saved = remembered();
      if (saved && saved.token) {
        chat.token = saved.token;
        openChat(null);
      } else { startForm(); }
    }).catch(function (failure) {
      if (window.console) { window.console.warn("Atiende chat:", (failure && failure.message) || failure); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
