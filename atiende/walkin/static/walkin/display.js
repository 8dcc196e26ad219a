// The waiting-room display: the board arrives whole over /ws/sala/ (atiende/walkin/live.py) and is
// repainted at once; a lost connection is retried with a growing pause, and the board re-read on connect.
(function () {
  "use strict";
  var root = document.getElementById("display");
  if (!root) return;
  var now = document.getElementById("now-calling");
  var before = document.getElementById("called-before");
  var status = document.getElementById("display-status");
  var deskLabel = root.dataset.deskLabel || "Mesa";
  var againLabel = root.dataset.againLabel || "";
  var delay = 500;

  function span(cls, text) {
    var el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    return el;
  }

  function paint(called) {
    var first = called[0];
    now.replaceChildren();
    if (first) {
      now.append(span("now-ticket", first.ticket), " ", span("now-desk", deskLabel + " " + first.desk));
      if (first.calls > 1 && againLabel) now.append(" ", span("now-again", "(" + againLabel + ")"));
      now.dataset.ticket = first.ticket;
      now.dataset.desk = first.desk;
      now.classList.toggle("waiting", !!first.waiting);
      now.classList.remove("flash");
      void now.offsetWidth; // restart the animation: a new call flashes even when the ticket is the same
      now.classList.add("flash");
    } else {
      now.append(span("muted", "—"));
      now.dataset.ticket = "";
    }
    before.replaceChildren.apply(before, called.slice(1).map(function (e) {
      var li = document.createElement("li");
      li.append(span("ticket", e.ticket), " ", span("desk", e.desk));
      return li;
    }));
    root.dataset.updatedAt = String(Date.now());
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + root.dataset.ws);
    socket.onopen = function () {
      delay = 500;
      status.textContent = status.dataset.connected || "";
      root.dataset.live = "yes";
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.type === "sala.board") paint(data.called || []);
    };
    socket.onclose = function () {
      root.dataset.live = "no";
      status.textContent = status.dataset.lost || "";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }

  var first = document.getElementById("board-snapshot");
  if (first) paint(JSON.parse(first.textContent).called || []);
  connect();
})();
