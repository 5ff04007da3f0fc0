// RenewDesk console, inbound work: keyboard shortcuts ("?" lists them), copy buttons for the
// message templates. Only enhancements: every action is also a link, a button or a form.
(function () {
  "use strict";

  var dialog = document.getElementById("shortcuts");
  var helpButton = document.querySelector("[data-shortcuts-open]");

  function openHelp() {
    if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  }
  if (helpButton && dialog) {
    helpButton.hidden = false;
    helpButton.addEventListener("click", openHelp);
  }

  // Keys go to what the person is typing in (a radio button or a checkbox types nothing).
  var NOT_TYPING = ["radio", "checkbox", "button", "submit", "reset"];
  function typing(target) {
    if (!target) return false;
    if (target.tagName === "INPUT") return NOT_TYPING.indexOf(target.type) === -1;
    return target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable;
  }

  // The first control of a section, scrolled into view and focused.
  function goTo(selector) {
    var section = document.querySelector(selector);
    if (!section) return false;
    if (section.tagName === "DETAILS") section.open = true;
    section.scrollIntoView({ block: "start" });
    var control = section.querySelector("input:not([type=hidden]), textarea, select, button, summary");
    if (control) control.focus({ preventScroll: true });
    return true;
  }

  function submitClaim() {
    // The page's own claim-next form (with its type choice) if it has one, else the hidden one.
    var form = document.querySelector("form.claim-form") || document.getElementById("shortcut-claim");
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  var keys = {
    "n": submitClaim,
    "f": function () { goTo("#followup"); },
    "c": function () { goTo("#close"); },
    "s": function () { goTo("#scripts"); },
    "d": function () { window.location.href = document.querySelector(".brand").getAttribute("href"); },
    "/": function () {
      var box = document.getElementById("q") || document.getElementById("topbar-q");
      if (box) { box.focus(); box.select(); }
    },
    "?": openHelp
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || (dialog && dialog.open)) return;
    var action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // Copy a template's text; on a phone the text is also selected, ready to paste.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var text = document.querySelector(button.getAttribute("data-copy"));
    if (!text) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      function done() {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
      }
      text.focus();
      text.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text.value).then(done, function () {
          if (document.execCommand("copy")) done();
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });

  // The phone's buttons under the call button: "log a follow-up" lands in the form.
  document.querySelectorAll("[data-focus]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (goTo(link.getAttribute("data-focus"))) event.preventDefault();
    });
  });
})();
