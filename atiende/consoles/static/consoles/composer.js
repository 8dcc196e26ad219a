/* The console's chat composer (templates consoles/_composer.html, _findings.html; server: consoles/composer.py).
   htmx does the talking: the draft is checked as it is typed (hx-trigger on the textarea), the form posts
   to the chat's address. This module only adds what a keyboard user expects of a chat:
   - Enter sends (the primary button: "Send", or "Send anyway" once findings were shown); Shift+Enter is a new line;
   - a rewrite applies at once in the browser when its words are still where they were found (no round trip,
     the cursor stays), otherwise the button posts and the server applies it; Alt+1..9 apply the first nine;
   - Enter in the canned answers' search box searches, never sends;
   - the conversation's log stays scrolled to its newest line;
   - a re-read of the open chat keeps the draft, and a refusal shown on the card until the technician acts again.
   Listeners are on the document, so they hold for every composer htmx brings in. */
(function () {
  "use strict";

  function composerOf(node) { return node && node.closest ? node.closest(".chat-composer") : null; }

  // Offsets from the server count code points; JavaScript strings count UTF-16 units: compare as code points.
  function applyRewrite(area, button) {
    var chars = Array.from(area.value);
    var start = parseInt(button.getAttribute("data-start"), 10), end = parseInt(button.getAttribute("data-end"), 10);
    if (isNaN(start) || isNaN(end) || chars.slice(start, end).join("") !== button.getAttribute("data-excerpt")) {
      return false;
    }
    var suggestion = button.getAttribute("data-suggestion");
    var before = chars.slice(0, start).join("");
    area.value = before + suggestion + chars.slice(end).join("");
    area.focus();
    var caret = before.length + suggestion.length;
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", {bubbles: true}));  // checked again (htmx)
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-apply]") : null;
    var form = composerOf(button);
    if (!button || !form) { return; }
    var area = form.querySelector("textarea[name=body]");
    if (area && applyRewrite(area, button)) {
      event.preventDefault();
      button.closest("li").remove();  // the finding is gone; the new check redraws the list
    }
    // otherwise the button submits the form: the server applies the rewrite to the text it receives
  });

  document.addEventListener("keydown", function (event) {
    var form = composerOf(event.target);
    if (!form) { return; }
    if (event.target.matches("textarea[name=body]") && event.key === "Enter" && !event.shiftKey &&
        !event.isComposing && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      if (!event.target.value.trim()) { return; }
      var send = form.querySelector("[data-send]");
      if (form.requestSubmit) { form.requestSubmit(send || undefined); } else if (send) { send.click(); }
      return;
    }
    if (event.target.matches("input[type=search]") && event.key === "Enter") {
      event.preventDefault();
      event.target.dispatchEvent(new Event("search", {bubbles: true}));
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey && /^Digit[1-9]$/.test(event.code || "")) {
      var buttons = form.querySelectorAll("[data-apply]");
      var chosen = buttons[parseInt(event.code.slice(5), 10) - 1];
      if (chosen) { event.preventDefault(); chosen.click(); }
    }
  });

  // Live chats: the console's socket (live.js) says which chat changed, never its text; the open chat and the
  // list are read again through their pages (scoped on the server). The draft being typed is kept. The open
  // chat's new lines are drawn at once from the chat's own socket (chatlive.js); this re-read brings the rest
  // (read marks, the traits, the strategy card), 150 ms after a change and at most once a second a chat.
  var REREAD_EVERY = 1000;
  var pendingChat = null, pendingFor = null, lastRead = {};
  document.addEventListener("atiende:live", function (event) {
    var message = event.detail || {};
    if (!window.htmx || (message.type !== "chat.update" && message.type !== "contact.update")) { return; }
    var thread = document.getElementById("chat-thread");
    var chatId = thread && thread.getAttribute("data-chat");
    var list = document.getElementById("live-chats");
    if (message.type === "chat.update" && chatId && String(message.chat) === chatId) {
      if (pendingChat && pendingFor === chatId) { return; }  // the re-read to come reads every change until it goes
      clearTimeout(pendingChat);
      pendingFor = chatId;
      var wait = Math.max(150, (lastRead[chatId] || 0) + REREAD_EVERY - Date.now());
      pendingChat = setTimeout(function () {
        pendingChat = null;
        var now = document.getElementById("chat-thread");
        if (!now || now.getAttribute("data-chat") !== chatId) { return; }  // another chat is open by now
        lastRead[chatId] = Date.now();
        reloadThread(now);
      }, wait);
    } else if (list && message.type === "contact.update") {
      window.htmx.ajax("GET", list.getAttribute("data-refresh"), {target: "#live-chats", select: "#live-chats",
                                                                   swap: "outerHTML"});
    }
  });

  // A refusal on the card (an action or a message the server refused, with its rule) stays until the technician
  // acts again: the re-read draws the thread as the server has it, which knows nothing of the refusal, and it
  // vanished within a second, before it could be read. Each is put back where it was (the actions' or the
  // composer's), once said: without role=alert, so it is not announced again at every re-read. The answer to
  // the technician's next action draws the thread anew, with its own refusal or none.
  var REFUSAL = ".form-error[role=alert], .form-error[data-kept-refusal]";
  var PLACES = [".chat-composer", ".chat-head", ".chat-conversation"];

  function refusalsOf(thread) {
    return Array.prototype.map.call(thread.querySelectorAll(REFUSAL), function (node) {
      var place = PLACES.find(function (selector) { return node.parentElement.matches(selector); });
      var next = node.nextElementSibling;
      return place ? {place: place, html: node.innerHTML, before: next && next.className ? next.className : null}
                   : null;
    }).filter(Boolean);
  }

  function putRefusalsBack(thread, refusals) {
    refusals.forEach(function (refusal) {
      var place = thread.querySelector(refusal.place);
      if (!place || place.querySelector(":scope > .form-error")) { return; }  // the server's own answer says it
      var node = document.createElement("p");
      node.className = "form-error";
      node.setAttribute("data-kept-refusal", "");
      node.innerHTML = refusal.html;  // what the server drew there, unchanged
      var before = refusal.before && Array.prototype.find.call(place.children, function (child) {
        return child.className === refusal.before;
      });
      place.insertBefore(node, before || null);
    });
  }

  // The draft is taken as the answer is swapped in, not when the re-read is asked: keys typed while it travels stay.
  var rereading = false, kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!rereading || !event.detail.target || event.detail.target.id !== "chat-thread") { return; }
    var area = event.detail.target.querySelector("textarea[name=body]");
    kept = {refusals: refusalsOf(event.detail.target), chat: event.detail.target.getAttribute("data-chat")};
    if (area) {
      kept.draft = area.value;
      kept.focused = document.activeElement === area;
      kept.start = area.selectionStart;
      kept.end = area.selectionEnd;
    }
  });

  function reloadThread(thread) {
    rereading = true;
    kept = null;
    var done = function () {
      rereading = false;
      var now = document.getElementById("chat-thread"), was = kept;
      kept = null;
      if (!now || !was || now.getAttribute("data-chat") !== was.chat) { return; }
      putRefusalsBack(now, was.refusals);
      var again = now.querySelector("textarea[name=body]");
      if (!again || !was.draft) { return; }
      // Bound already (web/swaps.js: htmx settles in the swap), on the server's value: the draft put back is a
      // change, so its input is heard and it is checked again.
      again.value = was.draft;
      if (was.focused) { again.focus(); again.setSelectionRange(was.start, was.end); }
      again.dispatchEvent(new Event("input", {bubbles: true}));
    };
    window.htmx.ajax("GET", thread.getAttribute("data-refresh"), {target: "#chat-thread", swap: "outerHTML"})
      .then(done, done);
  }

  function scrollLogs(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".chat-log"), function (log) {
      log.scrollTop = log.scrollHeight;
    });
  }
  document.addEventListener("htmx:afterSettle", function () { scrollLogs(); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scrollLogs(); });
  } else { scrollLogs(); }
})();
