/* What happens around every htmx swap, for every page (issue 22, items 24 and 30):
   - an action (a POST, not a GET) first takes away the banners of earlier actions, so an old
     "Fase cambiada" does not stay above the result of the next one;
   - after the swap, keyboard focus goes back to the control that was used (found again by its id, or by
     its name in the form posting to the same address), to the first field with an error, or to the
     result itself, never to <body> (which sent the next Tab back to the top of the page);
   - the result is said to screen readers through the page's live region (#live-region): the error, the
     new banner, or "Actualizado: <the heading of what changed>";
   - a refusal is shown (issue 17 follow-up): htmx 2 leaves a 4xx answer unswapped, so a refused action showed
     nothing. A 4xx HTML fragment (or a page the element selects from with hx-select) is swapped like a 200
     into the request's target, and the focus goes to its first error as above. What cannot be swapped (a 5xx,
     JSON or plain text, an empty answer, a whole error page with nothing to select, hx-swap="none", no answer at
     all) is put in an error banner at the top of the page and said in the live region, so a click never does
     nothing;
   - a control swapped in is live at once: htmx binds new nodes only when the swap settles (20 ms later, more on
     a loaded machine), and a click or a submit in between went to the browser instead: a form posted natively
     and the page became the bare fragment (the wallboard's coaching word was lost so, once in CI). The element
     is bound as the click or submit starts (capture phase), so htmx's own listener hears that same event.
     And the window is closed for every event: htmx settles in the swap itself (no settle delay; Atiende has no
     settle transitions), so what is swapped in is bound before anything can act on it. Until it settled, a
     node also wore the attributes of the node it replaced (htmx keeps them for transitions), and a choice made
     in the canned-answer picker was lost (its "change" unheard: the fresh-clone CI of ec58eba). */
(function () {
  "use strict";

  if (window.htmx) { window.htmx.config.defaultSettleDelay = 0; }

  function region() { return document.getElementById("live-region"); }

  function remember(node) {
    if (!node || node === document.body || !node.tagName) { return null; }
    var form = node.form || (node.closest && node.closest("form"));
    return {
      id: node.id || null, name: node.getAttribute("name"), tag: node.tagName,
      label: node.tagName === "BUTTON" ? node.textContent.trim() : null,
      action: form ? (form.getAttribute("hx-post") || form.getAttribute("action")) : null,
    };
  }

  function focusable(node) {
    if (!/^(A|BUTTON|INPUT|SELECT|TEXTAREA|SUMMARY)$/.test(node.tagName) && !node.hasAttribute("tabindex")) {
      node.setAttribute("tabindex", "-1");
    }
    return node;
  }

  function findAgain(info) {
    if (!info) { return null; }
    if (info.id) {
      var same = document.getElementById(info.id);
      if (same && !same.disabled) { return same; }
    }
    if (!info.action) { return null; }
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if ((form.getAttribute("hx-post") || form.getAttribute("action")) !== info.action) { continue; }
      if (info.name) {
        var field = form.querySelector('[name="' + CSS.escape(info.name) + '"]');
        if (field) { return field; }
      }
      var first = form.querySelector("input:not([type=hidden]), select, textarea, button");
      if (first) { return first; }
    }
    return null;
  }

  function say(text) {
    var live = region();
    if (!live || !text) { return; }
    live.textContent = "";
    // A change of text is what screen readers announce: empty first, then the message.
    window.setTimeout(function () { live.textContent = text.replace(/\s+/g, " ").trim(); }, 60);
  }

  function contentType(xhr) { return ((xhr && xhr.getResponseHeader("Content-Type")) || "").toLowerCase(); }

  function inherited(elt, name) {
    var holder = elt && elt.closest ? elt.closest("[" + name + "]") : null;
    return holder ? holder.getAttribute(name) : null;
  }

  function wholePage(text) { return /^\s*(<!doctype|<html)/i.test(text || ""); }

  // The words of a refusal that cannot be swapped: the API's {"error": {"message", "rule"}}, a plain text,
  // the message of a whole error page (web/error.html), or the page's own words for a server fault.
  function refusalText(xhr) {
    var type = contentType(xhr);
    var body = xhr.responseText || "";
    var live = region();
    if (xhr.status >= 500 || !body.trim()) {
      return ((live && live.getAttribute("data-failed")) || "") + " (" + xhr.status + ")";
    }
    if (type.indexOf("json") !== -1) {
      try {
        var error = JSON.parse(body).error || {};
        if (error.message) { return error.message + (error.rule ? " (" + error.rule + ")" : ""); }
      } catch (ignored) { /* not JSON after all: the text below */ }
    }
    if (type.indexOf("text/html") !== -1) {
      var doc = new DOMParser().parseFromString(body, "text/html");
      var said = doc.querySelector("main [role=alert], main .panel-error, main .form-errors, main") || doc.body;
      return said ? said.textContent : "";
    }
    return body;
  }

  function showRefusal(text) {
    var main = document.getElementById("main") || document.body;
    document.querySelectorAll(".messages.htmx-refusal").forEach(function (node) { node.remove(); });
    var list = document.createElement("ul");
    list.className = "messages htmx-refusal";
    list.setAttribute("role", "alert");
    var item = document.createElement("li");
    item.className = "message message-error";
    item.textContent = text.replace(/\s+/g, " ").trim();
    list.appendChild(item);
    main.insertBefore(list, main.firstChild);
    say(item.textContent);
    focusable(list).focus();
  }

  var REQUESTS = "[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete]";
  function bindNow(event) {
    var target = event.target;
    if (!target || !target.closest || !window.htmx) { return; }
    var node = target.closest(REQUESTS);
    if (!node && target.form && target.form.matches(REQUESTS)) { node = target.form; }  // a button's form="..."
    if (node) { window.htmx.process(node); }  // a node already bound is left as it is
  }
  document.addEventListener("click", bindNow, true);
  document.addEventListener("submit", bindNow, true);

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status < 400 || xhr.status >= 500) { return; }
    if (contentType(xhr).indexOf("text/html") === -1) { return; }
    // The event is fired on the target; the attributes are the requesting element's (requestConfig.elt).
    var elt = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
    var swap = event.detail.swapOverride || inherited(elt, "hx-swap") || "";
    var selects = event.detail.selectOverride || xhr.getResponseHeader("HX-Reselect") || inherited(elt, "hx-select");
    if (/^\s*none/.test(swap)) { return; }
    // An empty answer swapped in would wipe the control and say nothing: it becomes the banner below.
    if (!(xhr.responseText || "").trim()) { return; }
    if (selects) {
      // A page the element takes one part of: swapped only if that part is in it (a 404 page is not).
      var found = null;
      try {
        found = new DOMParser().parseFromString(xhr.responseText || "", "text/html").querySelector(selects);
      } catch (ignored) { /* a selector the browser cannot read: left to htmx */ }
      if (!found) { return; }
    } else if (wholePage(xhr.responseText)) {
      return;  // a whole error page (web/error.html) would put a second page inside this one
    }
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });

  // What was not swapped above (htmx:responseError), and a request that got no answer (htmx:sendError).
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && byPerson(event)) { showRefusal(refusalText(event.detail.xhr)); }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var live = region();
    if (byPerson(event)) { showRefusal((live && live.getAttribute("data-offline")) || ""); }
  });

  // What each request started from, by its XMLHttpRequest: a panel that loads itself (hx-trigger="load")
  // may start while an action's answer settles, and must not take that action's place.
  var started = new WeakMap();

  function byPerson(event) {
    var config = event.detail.requestConfig || {};
    var cause = config.triggeringEvent;
    return Boolean(cause && cause.type !== "load" && cause.type !== "revealed" && cause.type !== "every");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!byPerson(event) || !event.detail.xhr) { return; }
    var target = event.detail.target;
    started.set(event.detail.xhr, {focus: remember(document.activeElement) || remember(event.detail.elt),
                                   target: target && target.id ? target.id : null});
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    if (verb.toLowerCase() !== "get") {
      document.querySelectorAll(".messages").forEach(function (node) { node.remove(); });
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var remembered = event.detail.xhr && started.get(event.detail.xhr);
    if (!remembered) { return; }
    started.delete(event.detail.xhr);
    var target = (remembered.target && document.getElementById(remembered.target)) || event.detail.target;
    if (!target || !document.contains(target)) { return; }
    var invalid = target.querySelector(".field-invalid input, .field-invalid select, .field-invalid textarea");
    var alert = target.querySelector('[role="alert"], .form-errors');
    var banner = document.querySelector(".messages");
    if (alert) { say(alert.textContent); }
    else if (banner) { say(banner.textContent); }
    else {
      var heading = target.querySelector("h1, h2, h3");
      var live = region();
      if (heading && live) { say((live.getAttribute("data-updated") || "") + " " + heading.textContent); }
    }
    if (invalid || alert) {
      (invalid || focusable(alert)).focus();  // the thing to fix, and its message is read out
      return;
    }
    var focused = document.activeElement;
    if (focused && focused !== document.body && document.contains(focused)) {
      return;  // the control kept its focus (a search box outside the results; htmx kept an id'd field)
    }
    (findAgain(remembered.focus) || focusable(target)).focus();
  });
})();
