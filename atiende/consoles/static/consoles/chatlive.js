/* The live chat open in the console's «Chats» card, over the chat's own socket (/ws/chat/tecnico/, docs/chat.md):
   - the technician's typing reaches the customer's widget («Lucía está escribiendo…»): a signal when they start
     (again every 3 s while they type), and "stopped" 4 s after the last key, on sending, or on leaving the chat;
   - the technician's read mark: the card says up to which customer message it shows, and that is sent as read;
   - the customer's typing is shown under the conversation (a polite live region), and hidden when they stop.
   The customer's read marks («Leído por el cliente») are drawn by the server: a read mark moving re-reads the
   open chat (the console's hub, composer.js). Only the technician on the chat sends typing and read marks
   (the card says so with data-writes); a coaching supervisor's typing never reaches the customer. */
(function () {
  "use strict";

  var TYPING_EVERY = 3000, TYPING_STOPS = 4000, CUSTOMER_TYPING_SHOWN = 6000;
  var socket = null, delay = 500, subscribed = null, typingSince = 0, typingTimer = null, shownTimer = null;

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

  function received(frame) {
    var node = thread();
    if (!node || frame.chat !== number(node, "data-chat")) { return; }
    if (frame.type === "typing" && frame.side === "customer") {
      var line = node.querySelector("[data-typing-line]");
      if (!line) { return; }
      clearTimeout(shownTimer);
      line.textContent = frame.active ? line.getAttribute("data-typing-text") : "";
      if (frame.active) { shownTimer = setTimeout(function () { line.textContent = ""; }, CUSTOMER_TYPING_SHOWN); }
    }
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

  document.addEventListener("htmx:afterSettle", sync);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sync);
  } else { sync(); }
})();
