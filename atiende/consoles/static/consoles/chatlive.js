/* The live chat open in the console's «Chats» card, over the chat's own socket (/ws/chat/tecnico/, docs/chat.md):
   - the technician's typing reaches the customer's widget («Lucía está escribiendo…»): a signal when they start
     (again every 3 s while they type), and "stopped" 4 s after the last key, on sending, or on leaving the chat;
   - the technician's read mark: the card says up to which customer message it shows, and that is sent as read;
   - the customer's typing is shown under the conversation (a polite live region), and hidden when they stop.
   The customer's read marks («Leído por el cliente») are drawn by the server: a read mark moving re-reads the
   open chat (the console's hub, composer.js). Only the technician on the chat sends typing and read marks
   (the card says so with data-writes); a coaching supervisor's typing never reaches the customer.
   - a line's frame is drawn in the conversation at once, as the server's template draws it (internal notes and a
     coach's lines with their badge), with text nodes only: nothing of the line is read as markup. Lines go in by
     their number (data-seq) and once: a line already there is skipped. The re-read of the whole thread
     (composer.js, at most once a second) follows for the traits and the strategy card; the lines heard since the
     last drawing are kept and put back after it, so a re-read answered before a line came does not drop it. */
(function () {
  "use strict";

  var TYPING_EVERY = 3000, TYPING_STOPS = 4000, CUSTOMER_TYPING_SHOWN = 6000;
  var socket = null, delay = 500, subscribed = null, typingSince = 0, typingTimer = null, shownTimer = null;
  var HEARD_KEPT = 200;
  var customerTyping = {chat: null, until: 0};  // the customer of that chat is typing until then (ms)
  var heard = {chat: null, lines: {}};  // the open chat's lines heard on the socket, by number

  function thread() {
    var node = document.getElementById("chat-thread");
    return node && node.getAttribute("data-kind") === "live" && node.getAttribute("data-chat") ? node : null;
  }
  function number(node, name) { return parseInt(node.getAttribute(name) || "0", 10) || 0; }
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/chat/tecnico/");
    socket.onopen = function () { delay = 500; subscribed = null; sync(); };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      received(frame);
    };
    socket.onclose = function () {
      socket = null; subscribed = null;
      setTimeout(function () { if (thread()) { connect(); } }, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }

  /* After every drawing of the card: follow the chat it shows, send the read mark it allows. */
  function sync() {
    var node = thread();
    var chat = node ? number(node, "data-chat") : null;
    if (!node && subscribed === null) { return; }
    if (!socket) { if (node) { connect(); } return; }
    if (socket.readyState !== WebSocket.OPEN) { return; }
    if (subscribed !== null && subscribed !== chat) {
      stopTyping();
      send({type: "unsubscribe", chat: subscribed});
      subscribed = null;
    }
    if (!node) { return; }
    if (subscribed !== chat) {
      send({type: "subscribe", chat: chat, last_seq: number(node, "data-last")});
      subscribed = chat;
    }
    var last = number(node, "data-last-customer"), read = number(node, "data-read");
    if (node.getAttribute("data-writes") === "1" && last > read && send({type: "read", chat: chat, seq: last})) {
      node.setAttribute("data-read", String(last));
    }
  }

  function lineOf(log, frame) {
    var customer = frame.author === "customer", internal = frame.visibility === "internal";
    var item = document.createElement("li");
    item.className = "chat-line " + (customer ? "chat-cliente" : "chat-tecnico") + (internal ? " chat-internal" : "");
    item.setAttribute("data-seq", String(frame.seq));
    var who = document.createElement("span");
    who.className = "chat-who";
    var name = customer ? log.getAttribute("data-customer-name")
      : String(frame.author_id) === log.getAttribute("data-me") ? log.getAttribute("data-you") : frame.name;
    who.textContent = String(name || "") + ":";
    item.appendChild(who);
    item.appendChild(document.createTextNode(" "));
    if (internal) {
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = log.getAttribute("data-internal-text") || "";
      item.appendChild(badge);
      item.appendChild(document.createTextNode(" "));
    }
    var text = document.createElement("span");
    text.className = "chat-text";
    String(frame.text || "").split(/\r\n|\r|\n/).forEach(function (part, index) {
      if (index) { text.appendChild(document.createElement("br")); }
      text.appendChild(document.createTextNode(part));
    });
    item.appendChild(text);
    return item;
  }

  /* One line into the open chat's conversation, by its number; false when it is there already. */
  function place(node, frame) {
    var log = node.querySelector("ol.chat-log[data-me]");
    var seq = parseInt(frame.seq, 10);
    if (!log || !(seq > 0) || log.querySelector('li[data-seq="' + seq + '"]')) { return false; }
    Array.prototype.forEach.call(log.querySelectorAll("li:not([data-seq])"), function (empty) { empty.remove(); });
    var after = Array.prototype.find.call(log.querySelectorAll("li[data-seq]"), function (line) {
      return number(line, "data-seq") > seq;
    });
    log.insertBefore(lineOf(log, frame), after || null);
    if (seq > number(node, "data-last")) { node.setAttribute("data-last", String(seq)); }
    if (frame.author === "customer" && frame.visibility !== "internal" && seq > number(node, "data-last-customer")) {
      node.setAttribute("data-last-customer", String(seq));
    }
    if (!after) { log.scrollTop = log.scrollHeight; }
    return true;
  }

  function remember(chat, frame) {
    if (heard.chat !== chat) { heard = {chat: chat, lines: {}}; }
    heard.lines[frame.seq] = frame;
    var kept = Object.keys(heard.lines).map(Number).sort(function (a, b) { return a - b; });
    kept.slice(0, Math.max(0, kept.length - HEARD_KEPT)).forEach(function (seq) { delete heard.lines[seq]; });
  }

  /* After a drawing of the card: the lines it already has are forgotten, the later ones heard are put back. */
  function putBack(node) {
    var chat = node ? number(node, "data-chat") : null;
    if (heard.chat !== chat) { heard = {chat: chat, lines: {}}; return; }
    var drawn = number(node, "data-last");
    Object.keys(heard.lines).forEach(function (seq) {
      if (Number(seq) <= drawn) { delete heard.lines[seq]; } else { place(node, heard.lines[seq]); }
    });
  }

  function received(frame) {
    var node = thread();
    if (!node || frame.chat !== number(node, "data-chat")) { return; }
    if (frame.type === "message") {
      remember(frame.chat, frame);
      if (place(node, frame)) { sync(); }  // the read mark for a customer's line goes now
      return;
    }
    if (frame.type === "typing" && frame.side === "customer") {
      clearTimeout(shownTimer);
      customerTyping = {chat: frame.chat, until: frame.active ? Date.now() + CUSTOMER_TYPING_SHOWN : 0};
      showTyping(node);
      if (frame.active) { shownTimer = setTimeout(function () { showTyping(thread()); }, CUSTOMER_TYPING_SHOWN); }
    }
  }

  /* The customer's typing line, drawn from what was heard, not kept in the node: a re-read of the thread draws a
     new card whose line is empty, and the customer still typing must stay shown there until it times out. */
  function showTyping(node) {
    var line = node && node.querySelector("[data-typing-line]");
    if (!line) { return; }
    var shown = customerTyping.chat === number(node, "data-chat") && Date.now() < customerTyping.until;
    var text = shown ? line.getAttribute("data-typing-text") : "";
    if (line.textContent !== text) { line.textContent = text; }
  }

  function typing(active) {
    var node = thread();
    if (!node || node.getAttribute("data-writes") !== "1") { return; }
    send({type: "typing", chat: number(node, "data-chat"), active: active});
  }
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSince) { typingSince = 0; typing(false); }
  }

  document.addEventListener("input", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches("#chat-thread textarea[name=body]") || !event.isTrusted) { return; }
    var form = area.closest("form");
    var note = form && form.querySelector("input[name=visibility][value=internal]");
    if (note && note.checked) { stopTyping(); return; }  // a note for the help desk: nobody is typing to them
    var now = Date.now();
    if (!area.value.trim()) { stopTyping(); return; }
    if (now - typingSince > TYPING_EVERY) { typingSince = now; typing(true); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_STOPS);
  });
  document.addEventListener("submit", function (event) {
    if (event.target.closest && event.target.closest("#chat-thread")) { stopTyping(); }
  }, true);

  function drawn() { var node = thread(); putBack(node); showTyping(node); sync(); }
  document.addEventListener("htmx:afterSettle", drawn);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawn);
  } else { drawn(); }
})();
