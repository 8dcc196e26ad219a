/* Atiende consoles: the websocket that survives reconnects, the API calls with the CSRF token, small DOM helpers.
   State lives on the server: after every (re)connect the page re-reads its snapshot, so nothing is lost. */
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function request(method, url, body) {
    var options = {method: method, credentials: "same-origin",
                   headers: {"Accept": "application/json", "X-CSRFToken": csrfToken()}};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = (data && data.error) || {message: (data && data.detail) || String(response.status)};
          throw error;
        }
        return data;
      });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "class") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /* A rule code as the pages' {% rule %} tag shows it: a link to its page, its text as the tooltip
     (the texts come from the page's "rule-texts" JSON, in the user's language). */
  var ruleTexts = null;
  function rule(code) {
    if (ruleTexts === null) {
      var source = document.getElementById("rule-texts");
      ruleTexts = source ? JSON.parse(source.textContent) : {};
    }
    var text = ruleTexts.texts && ruleTexts.texts[code];
    if (!text) { return el("span", {class: "rule-id", text: code}); }
    return el("a", {class: "rule-id", href: "/reglas/" + code + "/", target: "_blank", "data-tip": text,
                    "aria-label": ruleTexts.label.replace("%(code)s", code).replace("%(text)s", text), text: code});
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function errorText(error, strings) {
    if (!error) { return strings.error; }
    var text = error.message || strings.error;
    if (error.rule) { text += " (" + strings.rule + " " + error.rule + ")"; }
    return text;
  }

  /* Opens the socket, calls refresh() on every update that concerns the page (debounced; a call's or a
     technician's) and after every (re)connect. */
  function connect(path, statusNode, strings, onMessage, refresh) {
    var socket = null, delay = 500, pending = null;
    function setStatus(live) {
      statusNode.textContent = live ? strings.live : strings.reconnecting;
      statusNode.setAttribute("data-live", live ? "true" : "false");
    }
    function scheduleRefresh() {
      if (pending) { return; }
      pending = setTimeout(function () { pending = null; refresh(); }, 120);
    }
    function open() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + path);
      socket.onopen = function () { delay = 500; setStatus(true); refresh(); };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.type === "contact.update" || message.type === "technician.update") {
          // onMessage may say an update does not concern this page (another technician's call).
          if (!onMessage || onMessage(message) !== false) { scheduleRefresh(); }
        }
        // Other parts of the page (the chats card, consoles/composer.js) hear every message too.
        document.dispatchEvent(new CustomEvent("atiende:live", {detail: message}));
      };
      socket.onclose = function () {
        setStatus(false);
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }
    open();
    // A safety net for a missed message (a server restart between two updates): re-read now and then.
    setInterval(refresh, 30000);
    return {close: function () { if (socket) { socket.close(); } }, socket: function () { return socket; }};
  }

  // The call dialogs both pages share (consoles/_call_dialogs.html): opened with no error left from before and
  // the first field focused; every [data-close] button closes its dialog.
  function openDialog(id) {
    var dialog = document.getElementById(id);
    dialog.querySelector(".form-error").textContent = "";
    dialog.showModal();
    var first = dialog.querySelector("input, select");
    if (first) { first.focus(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("dialog [data-close]"), function (b) {
    b.addEventListener("click", function () { b.closest("dialog").close(); });
  });

  // What the shared dialogs' forms send: the hold (HO-2 reason, HO-3 consent, HO-4 minutes) and the transfer
  // (TR-2 purpose, TR-3 consent, a technician "t:<id>" or a queue "q:<name>").
  function holdBody() {
    var minutes = parseFloat(document.getElementById("hold-minutes").value.replace(",", "."));
    return {reason: document.getElementById("hold-reason").value,
            customer_consent: document.getElementById("hold-consent").checked,
            expected_minutes: isNaN(minutes) ? null : minutes};
  }
  function transferBody() {
    var target = document.getElementById("transfer-to").value || "";
    var body = {purpose: document.getElementById("transfer-purpose").value,
                customer_consent: document.getElementById("transfer-consent").checked};
    if (target.indexOf("t:") === 0) { body.to_technician = parseInt(target.slice(2), 10); }
    if (target.indexOf("q:") === 0) { body.to_queue = target.slice(2); }
    return body;
  }

  window.AtiendeLive = {request: request, el: el, rule: rule, clear: clear, clock: clock, errorText: errorText,
                        connect: connect, openDialog: openDialog, holdBody: holdBody, transferBody: transferBody};
})();
