// Canned answers: "Insert in the reply" puts the filled text where the cursor is in the reply box.
// (A static file: the Content-Security-Policy allows no inline script.)
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-canned-insert]");
  if (!button) return;
  var picker = button.closest(".canned-picker");
  var template = picker && picker.querySelector("template");
  var scope = picker.closest("form") || document;
  var area = scope.querySelector("textarea[name=body]") || document.querySelector("textarea[name=body]");
  if (!area || !template) return;
  var text = template.content.textContent;
  var start = typeof area.selectionStart === "number" ? area.selectionStart : area.value.length;
  var end = typeof area.selectionEnd === "number" ? area.selectionEnd : start;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.dispatchEvent(new Event("input", { bubbles: true }));
  area.focus();
  area.selectionStart = area.selectionEnd = start + text.length;
});
