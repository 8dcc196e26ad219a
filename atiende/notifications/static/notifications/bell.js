/* The bell of the top bar: the unread count, kept live over /ws/avisos/ (reconnects after a drop). */
(function () {
  "use strict";
  var bell = document.getElementById("bell");
  if (!bell || !window.WebSocket) { return; }
  var count = document.getElementById("bell-count");
  var label = bell.getAttribute("aria-label") || "";
  var delay = 1000;

  function show(unread, text) {
    count.textContent = String(unread);
    count.classList.toggle("bell-none", !unread);
    bell.setAttribute("aria-label", label.replace(/\d+/, String(unread)));
    if (text) { bell.setAttribute("title", text); }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + bell.getAttribute("data-socket"));
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (typeof data.unread === "number") {
        show(data.unread, data.notification ? data.notification.text : "");
      }
    };
    socket.onclose = function (event) {
      if (event.code === 4403) { return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
}());
