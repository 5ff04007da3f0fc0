// RenewDesk console: small enhancements only; every form works without this file.
(function () {
  "use strict";

  // Ask before actions that hand a lead away or undo a close.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // One click per submit: the play button must not claim two leads on a double click.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () {
          button.disabled = true;
          if (button.dataset.busy) button.textContent = button.dataset.busy;
        }, 0);
      });
    });
  });

  // Closing: show the premium/insurer fields for won, the defeat reason for lost.
  document.querySelectorAll(".close-form").forEach(function (form) {
    form.classList.add("js");
    function sync() {
      var chosen = form.querySelector("input[name=outcome]:checked");
      form.classList.toggle("show-won", !!chosen && chosen.value === "won");
      form.classList.toggle("show-lost", !!chosen && chosen.value === "lost");
    }
    form.querySelectorAll("input[name=outcome]").forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    sync();
  });

  // The lease: minutes left before the lead goes back to the queue.
  document.querySelectorAll(".lease[data-until]").forEach(function (box) {
    var until = Date.parse(box.dataset.until);
    var label = box.querySelector(".lease-label");
    function tick() {
      var left = Math.round((until - Date.now()) / 1000);
      if (left <= 0) {
        box.classList.add("expired");
        label.textContent = box.dataset.expired;
        return;
      }
      var minutes = Math.floor(left / 60), seconds = left % 60;
      label.textContent = box.dataset.label.replace("{time}",
        minutes + ":" + (seconds < 10 ? "0" : "") + seconds);
      window.setTimeout(tick, 1000);
    }
    tick();
  });

  // Notices fade after a while.
  document.querySelectorAll("[data-autohide]").forEach(function (notice) {
    window.setTimeout(function () { notice.hidden = true; }, 6000);
  });
})();

// Renewal management: the defeat analysis prints from its own button (no inline script).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });
})();
